/**
 * One webhook request (docs/webhooks.md "Delivery"): a POST of the signed JSON body to
 * the endpoint, connecting only to an address checked by `resolveAllowed` (AU-12),
 * never following a redirect (a 3xx is a failed attempt), the whole attempt (name
 * resolution included) bounded by the timeout, at most 1 KiB of the response kept and
 * no more than 64 KiB read.
 */
import { request as httpRequest } from 'node:http';
import type { Agent as HttpAgent, IncomingMessage, RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Agent as HttpsAgent } from 'node:https';
import { isIP } from 'node:net';
import { resolveAllowed, WebhookUrlError } from './address.ts';

/** Response bytes kept with an attempt. */
export const RESPONSE_KEPT_BYTES = 1024;
/** Response bytes read at most; the connection is closed past it. */
export const RESPONSE_READ_BYTES = 64 * 1024;

/** What to send. */
export interface WebhookRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly timeoutMs: number;
  readonly allowPrivateNetworks: boolean;
  /** Aborts the attempt (shutdown): the result is `aborted`. */
  readonly signal?: AbortSignal;
  /**
   * Keep-alive agents (default: a new connection per request). A kept connection is
   * to an address checked when it was opened; each request is checked again first.
   */
  readonly agents?: { readonly http: HttpAgent; readonly https: HttpsAgent };
}

/** How it went. */
export interface WebhookResponse {
  /** A 2xx answer. */
  readonly ok: boolean;
  readonly aborted: boolean;
  readonly status: number | null;
  readonly latencyMs: number;
  readonly response: string | null;
  readonly error: string | null;
}

/** Sends one attempt; never throws. */
export async function postWebhook(r: WebhookRequest): Promise<WebhookResponse> {
  const started = performance.now();
  const done = (status: number | null, response: string | null, error: string | null, aborted = false): WebhookResponse => ({
    ok: error === null && status !== null && status >= 200 && status < 300,
    aborted, status, latencyMs: performance.now() - started, response, error,
  });
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new Error('timeout')), r.timeoutMs);
  const onAbort = (): void => ac.abort(new Error('aborted'));
  r.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const url = new URL(r.url);
    const addr = await Promise.race([
      resolveAllowed(url.hostname, r.allowPrivateNetworks),
      new Promise<never>((_, reject) => ac.signal.addEventListener('abort', () => reject(ac.signal.reason as Error), { once: true })),
    ]);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const opts: RequestOptions & { servername?: string } = {
      method: 'POST',
      host,
      port: url.port === '' ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      headers: { ...r.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(r.body)), 'user-agent': 'Roster-Webhooks/1' },
      agent: r.agents === undefined ? false : url.protocol === 'https:' ? r.agents.https : r.agents.http,
      signal: ac.signal,
      // Connect to the address just checked, not to a second DNS answer (rebinding).
      lookup: (_h, o, cb) => {
        if ((o as { all?: boolean }).all) (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [addr]);
        else cb(null, addr.address, addr.family);
      },
      ...(url.protocol === 'https:' && isIP(host) === 0 ? { servername: host } : {}),
    };
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(opts, resolve);
      req.once('error', reject);
      req.end(r.body);
    });
    const { status, text } = await readCapped(res);
    const error = status >= 300 && status < 400 ? 'redirect not followed' : status >= 200 && status < 300 ? null : `HTTP ${status}`;
    return done(status, text, error);
  } catch (e) {
    const reason = ac.signal.aborted ? (ac.signal.reason as Error).message : undefined;
    if (reason === 'aborted') return done(null, null, 'aborted', true);
    if (reason === 'timeout') return done(null, null, `timeout after ${r.timeoutMs} ms`);
    if (e instanceof WebhookUrlError) return done(null, null, e.message);
    return done(null, null, (e as NodeJS.ErrnoException).code ?? (e as Error).message.slice(0, 200));
  } finally {
    clearTimeout(timer);
    r.signal?.removeEventListener('abort', onAbort);
  }
}

async function readCapped(res: IncomingMessage): Promise<{ status: number; text: string }> {
  const status = res.statusCode ?? 0;
  const chunks: Buffer[] = [];
  let read = 0;
  let whole = false;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      if (read < RESPONSE_KEPT_BYTES) chunks.push(chunk);
      read += chunk.length;
      if (read >= RESPONSE_READ_BYTES) break;
    }
    whole = read < RESPONSE_READ_BYTES;
  } catch {
    // A body cut short still has its status.
  }
  // A body read to its end leaves the connection to be kept alive; one cut short closes it.
  if (!whole) res.destroy();
  return { status, text: Buffer.concat(chunks).subarray(0, RESPONSE_KEPT_BYTES).toString('utf8') };
}
