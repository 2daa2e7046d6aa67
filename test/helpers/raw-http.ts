/**
 * Raw HTTP/1.1 over a TCP socket, for what `fetch` cannot send: two
 * Authorization headers, byte-by-byte headers, bodies that never end.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Parses the first response in `text`, or undefined while it is incomplete. */
export function parseRawResponse(text: string): RawResponse | undefined {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const body = text.slice(end + 4);
  if (Buffer.byteLength(body) < length) return undefined;
  return { status: Number(statusLine.split(' ')[1]), headers, body: body.slice(0, length) };
}

export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves with the first complete response on the socket, or undefined if it closes first. */
export function readResponse(socket: Socket): Promise<RawResponse | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const done = (r: RawResponse | undefined): void => {
      socket.off('data', onData);
      resolve(r);
    };
    const onData = (d: Buffer): void => {
      text += d.toString('utf8');
      const r = parseRawResponse(text);
      if (r) done(r);
    };
    socket.on('data', onData);
    socket.once('close', () => done(parseRawResponse(text)));
    socket.on('error', () => undefined);
  });
}

/** Sends `request` (a full HTTP/1.1 message) and reads one response. */
export async function rawRequest(port: number, request: string | Buffer): Promise<RawResponse | undefined> {
  const socket = await openSocket(port);
  const response = readResponse(socket);
  socket.write(request);
  const r = await response;
  socket.destroy();
  return r;
}
