/**
 * One load run with autocannon's API: a warm-up (discarded), then the measured
 * run. Latencies are collected from autocannon's `response` events (floating-point
 * milliseconds; its own histogram rounds to whole ms), 2xx responses only.
 */
import autocannon from 'autocannon';
import type { AutocannonRequest } from 'autocannon';
import { performance } from 'node:perf_hooks';

/** One request: method, path (with query), optional JSON body. */
export interface BenchRequest {
  readonly method: 'GET' | 'POST' | 'PATCH';
  readonly path: string;
  readonly body?: string;
}

export interface LoadResult {
  /** 2xx responses in the measured run. */
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly statusCodes: Record<string, number>;
  readonly seconds: number;
  /** 2xx responses per second. */
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
}

export interface LoadSpec {
  readonly origin: string;
  readonly token: string;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  /** Called once per request, in send order. */
  readonly next: () => BenchRequest;
  /** Fixed number of requests instead of a duration (SCIM load rate). */
  readonly amount?: number;
  /** Requests per second across all connections (open-loop pacing); default as fast as answered. */
  readonly overallRate?: number;
  /** Stops the run early (what was answered so far is the result). */
  readonly signal?: AbortSignal;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

async function once(spec: LoadSpec, seconds: number, amount?: number): Promise<LoadResult> {
  const headers = { authorization: `Bearer ${spec.token}`, 'content-type': 'application/scim+json', accept: 'application/scim+json' };
  const request: AutocannonRequest = {
    setupRequest: (req) => {
      const r = spec.next();
      // A fresh headers object each time: autocannon adds Content-Length to the one it is given,
      // which a following request without a body would then carry (and stall on).
      return { ...req, method: r.method, path: r.path, headers: { ...headers }, ...(r.body !== undefined ? { body: r.body } : { body: undefined }) };
    },
  };
  const lat: number[] = [];
  const statusCodes: Record<string, number> = {};
  let ok = 0;
  const started = performance.now();
  const instance = autocannon({
    url: spec.origin,
    connections: spec.connections,
    timeout: 30,
    ...(spec.overallRate !== undefined ? { overallRate: spec.overallRate } : {}),
    ...(amount !== undefined ? { amount } : { duration: seconds }),
    requests: [request],
  });
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    statusCodes[status] = (statusCodes[status] ?? 0) + 1;
    if (status >= 200 && status < 300) {
      ok++;
      lat.push(ms);
    }
  });
  const stop = (): void => instance.stop();
  spec.signal?.addEventListener('abort', stop, { once: true });
  if (spec.signal?.aborted === true) stop();
  const res = await instance;
  spec.signal?.removeEventListener('abort', stop);
  const elapsed = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(lat).sort();
  const non2xx = Object.entries(statusCodes).reduce((n, [code, c]) => (code.startsWith('2') ? n : n + c), 0);
  return {
    ok,
    non2xx,
    errors: res.errors,
    timeouts: res.timeouts,
    statusCodes,
    seconds: elapsed,
    rps: ok / elapsed,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
}

/** Warm-up then measured run. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  if (spec.amount === undefined && spec.warmupSeconds > 0) await once(spec, spec.warmupSeconds);
  return once(spec, spec.seconds, spec.amount);
}
