/**
 * A real webhook receiver on loopback for the webhook tests: it records every request
 * (headers and raw body) and answers as the test tells it (a status, a redirect, or no
 * answer at all until released).
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got. */
export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The parsed body. */
  readonly json: { type: string; timestamp: string; tenantId: string; sequence: number; data: Record<string, unknown> };
}

/** How to answer a request: a status (default 200), or `hang` (never answer until `close`). */
export type Answer = number | 'hang' | { status: number; headers: Record<string, string> };

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** Decides the answer of the n-th request (0-based); default 200. */
  answer: (n: number, r: Received) => Answer;
  /** Resolves once `pred` holds for the received requests (polls; fails after `ms`). */
  waitFor(pred: (r: Received[]) => boolean, ms?: number): Promise<void>;
  /** Requests answered `hang` and not yet closed. */
  hanging(): number;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts a receiver on 127.0.0.1 (port 0, or `port` to take a known one again). */
export async function startReceiver(port = 0): Promise<Receiver> {
  const received: Received[] = [];
  const held = new Set<ServerResponse>();
  const rcv: Receiver = {
    url: '',
    received,
    answer: () => 200,
    async waitFor(pred, ms = 15_000) {
      for (const end = Date.now() + ms; !pred(received); await sleep(20)) {
        if (Date.now() > end) throw new Error(`receiver: condition not met within ${ms} ms; got ${received.map((r) => r.json.type).join(', ')}`);
      }
    },
    hanging: () => held.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const r: Received = { headers: req.headers, body, json: JSON.parse(body) as Received['json'] };
      const n = received.length;
      received.push(r);
      const a = rcv.answer(n, r);
      if (a === 'hang') {
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      }
      const status = typeof a === 'number' ? a : a.status;
      res.writeHead(status, { 'content-type': 'text/plain', ...(typeof a === 'object' ? a.headers : {}) });
      res.end(status >= 300 ? `answer ${status} ${'x'.repeat(4000)}` : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  (rcv as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return rcv;
}
