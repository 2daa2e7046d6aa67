/**
 * Request bodies: media type check, size limit enforced while streaming
 * (docs/reliability.md RL-1), strict UTF-8 decoding and strict JSON (IN-8).
 */
import type { IncomingMessage } from 'node:http';
import { invalidSyntax, payloadTooLarge, unsupportedMediaType } from '../scim/errors.ts';
import { findDuplicateKey, TOO_DEEP } from './json-keys.ts';

/** The deepest array/object nesting a request body may have. */
export const MAX_JSON_DEPTH = 64;

/** Whether the request announces a body (a non-zero Content-Length or any Transfer-Encoding). */
export function hasBody(req: IncomingMessage): boolean {
  const te = req.headers['transfer-encoding'];
  if (te !== undefined) return true;
  const cl = req.headers['content-length'];
  return cl !== undefined && cl !== '0';
}

/**
 * RFC 7644 §3.1 / §8.1: bodies are `application/scim+json`; `application/json`
 * is accepted too (Okta's test suite sends it). Parameters such as
 * `charset=utf-8` are allowed; any charset other than UTF-8 is refused.
 */
export function checkContentType(header: string | undefined): void {
  if (header === undefined) throw unsupportedMediaType('A request body needs Content-Type: application/scim+json');
  const [type = '', ...params] = header.split(';');
  const media = type.trim().toLowerCase();
  if (media !== 'application/scim+json' && media !== 'application/json') {
    throw unsupportedMediaType('Content-Type must be application/scim+json or application/json');
  }
  for (const p of params) {
    const [name = '', value = ''] = p.split('=');
    if (name.trim().toLowerCase() === 'charset' && !/^"?utf-?8"?$/i.test(value.trim())) {
      throw unsupportedMediaType('The request body must be UTF-8');
    }
  }
}

/**
 * Reads the body, stopping at `limit` bytes: a Content-Length above the limit is
 * refused before anything is read; a chunked body is counted as it streams and
 * refused as soon as it passes the limit. Either way the rest of the body stays
 * unread: the caller answers 413 and drains it (`drainBody`) before closing.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(payloadTooLarge(`The request body exceeds the limit of ${limit} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: Error | undefined, value?: Buffer): void => {
      if (done) return;
      done = true;
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err) reject(err);
      else resolve(value ?? Buffer.alloc(0));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        finish(payloadTooLarge(`The request body exceeds the limit of ${limit} bytes`));
      } else chunks.push(chunk);
    };
    const onEnd = (): void => finish(undefined, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    // Node reports a client that went away mid-body as an 'aborted' error: input, not a server fault.
    const onError = (): void => finish(invalidSyntax('The request body ended early (connection closed)'));
    const onClose = (): void => finish(invalidSyntax('The request body ended early (connection closed)'));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes and parses a JSON body. Refuses (400 invalidSyntax): an empty body,
 * invalid UTF-8, invalid JSON, and an object with the same member name twice
 * (RFC 8259 §4 leaves that behaviour undefined; a proxy and Roster could read
 * different values) or a `__proto__` member. Error details never echo the body.
 */
export function parseJsonBody(bytes: Buffer): unknown {
  if (bytes.length === 0) throw invalidSyntax('The request body is empty');
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw invalidSyntax('The request body is not valid UTF-8');
  }
  if (text.trim() === '') throw invalidSyntax('The request body is empty');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const pos = /position (\d+)/.exec((e as Error).message)?.[1];
    throw invalidSyntax(pos === undefined ? 'The request body is not valid JSON' : `The request body is not valid JSON (at position ${pos})`);
  }
  if (typeof value === 'object' && value !== null) {
    const dup = findDuplicateKey(text, MAX_JSON_DEPTH);
    // No SCIM message nests anywhere near this deep (Bulk → operation → data →
    // attribute → element is 6); deeper bodies only serve to exhaust stacks (IN-8).
    if (dup === TOO_DEEP) throw invalidSyntax(`The request body nests deeper than ${MAX_JSON_DEPTH} levels`);
    if (dup !== undefined) {
      const name = dup.length > 64 ? `${dup.slice(0, 64)}…` : dup;
      throw invalidSyntax(name === '__proto__' ? 'The member name "__proto__" is not allowed' : `The member "${name}" appears twice in one JSON object`);
    }
  }
  return value;
}

/** How long `drainBody` reads at most (docs/reliability.md RL-1). */
export const DRAIN_MAX_MS = 5000;

/**
 * Reads and discards the rest of a refused body, so that the client, which may
 * write its whole body before reading, receives the 413 instead of a reset
 * (closing a socket with unread data makes the kernel send RST, RFC 1122
 * §4.2.2.13). Resolves when the body ends, the connection closes, `maxBytes`
 * more bytes have been read or `maxMs` has passed, whichever comes first;
 * `true` when the whole body was read.
 */
export function drainBody(req: IncomingMessage, maxBytes: number, maxMs = DRAIN_MAX_MS): Promise<boolean> {
  if (req.complete) return Promise.resolve(true);
  return new Promise((resolve) => {
    let seen = 0;
    const finish = (whole: boolean): void => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onClose);
      resolve(whole);
    };
    const onData = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen > maxBytes) finish(false);
    };
    const onEnd = (): void => finish(true);
    const onClose = (): void => finish(req.complete);
    const timer = setTimeout(() => finish(false), maxMs);
    req.on('data', onData).on('end', onEnd).on('close', onClose).on('error', onClose);
    req.resume();
  });
}
