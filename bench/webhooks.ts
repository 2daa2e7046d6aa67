/**
 * The webhooks workload (docs/benchmark.md "Webhooks", docs/webhooks.md): SCIM
 * `POST /Users` load on one tenant with a webhook endpoint subscribed to every
 * event, delivered to a `node:http` receiver on loopback, against the same load on
 * a copy of the database with delivery off (`--webhooks false`). Reports the SCIM
 * throughput with webhooks on ÷ off (target ≥ 0.85), the events delivered per second
 * while the load runs and until the backlog is gone, and the delay from the event's
 * time (taken in its write transaction) to its arrival, p50 and p99.
 */
import { copyFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createOperatorToken } from '../src/app/operator-tokens.ts';
import { defaultRegistry } from '../src/scim/schema/registry.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { Synchronous } from '../src/store/sqlite/connection.ts';
import { createTenant } from '../src/tenants/tenants.ts';
import { runLoad } from './load.ts';
import type { LoadResult } from './load.ts';
import { userBody } from './seed.ts';
import { startRoster } from './servers.ts';
import type { ServerProc } from './servers.ts';

export interface WebhooksResult {
  readonly on: LoadResult;
  readonly off: LoadResult;
  /** SCIM req/s with delivery on ÷ off. */
  readonly ratio: number;
  readonly target: number;
  /** Events the receiver got while the load ran, per second of load. */
  readonly deliveredPerSecondUnderLoad: number;
  /** `user.created` events committed during the run (one per user created). */
  readonly events: number;
  /** `user.created` events the receiver got (each once, by `webhook-id`). */
  readonly delivered: number;
  /** How long after the load the last event arrived. */
  readonly drainSeconds: number;
  /** Delay from the event's timestamp to its arrival, in ms. */
  readonly delayP50: number;
  readonly delayP99: number;
}

const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/** A loopback receiver answering 204 and noting each delivery's delay. */
async function startReceiver(): Promise<{ url: string; delays: number[]; ids: Set<string>; arrivals: number[]; close(): Promise<void> }> {
  const delays: number[] = [];
  const arrivals: number[] = [];
  const ids = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const now = Date.now();
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type?: string; timestamp?: string };
        const id = String(req.headers['webhook-id'] ?? '');
        if (body.type === 'user.created' && !ids.has(id)) {
          ids.add(id);
          arrivals.push(performance.now());
          if (typeof body.timestamp === 'string') delays.push(now - Date.parse(body.timestamp));
        }
      } catch {
        // counted as not delivered
      }
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, delays, ids, arrivals, close: () => new Promise((r) => server.close(() => r())) };
}

/** Runs the webhooks workload in `dir`. */
export async function runWebhooks(o: { dir: string; synchronous: Synchronous; logLevel: string; seconds: number; connections: number; unlimited: readonly string[] }): Promise<WebhooksResult> {
  const file = join(o.dir, 'webhooks.db');
  const store = await openSqliteStore({ file, registry: defaultRegistry, synchronous: o.synchronous });
  let tenantId: string;
  let apiKey: string;
  let operator: string;
  try {
    const t = await createTenant(store, { name: 'webhooks', idp: 'generic' }, { publicUrl: null, port: 0 });
    tenantId = t.tenant.id;
    apiKey = t.apiKey;
    operator = (await createOperatorToken(store)).token;
  } finally {
    await store.close();
  }
  const offFile = join(o.dir, 'webhooks-off.db');
  copyFileSync(file, offFile);

  const receiver = await startReceiver();
  const load = async (server: ServerProc, tag: string): Promise<LoadResult> => {
    let i = 0;
    return runLoad({
      origin: server.origin, token: apiKey, connections: o.connections, warmupSeconds: 0, seconds: o.seconds,
      next: () => ({ method: 'POST', path: `${server.basePath}/Users`, body: JSON.stringify(userBody(`${tag}-${i++}@hooks.example`, i)) }),
    });
  };
  const common = { tenantId, logDir: o.dir, synchronous: o.synchronous, logLevel: o.logLevel };
  const on = await startRoster({ ...common, db: file, name: 'roster-webhooks-on', args: [...o.unlimited, '--webhooks-allow-private-networks', 'true'] });
  let onResult: LoadResult;
  let deliveredUnderLoad = 0;
  let events = 0;
  let drainSeconds = 0;
  try {
    const reg = await fetch(`${on.origin}/api/v1/tenants/${tenantId}/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url, events: ['*'] }),
    });
    if (reg.status !== 201) throw new Error(`webhook registration: ${reg.status} ${await reg.text()}`);
    const started = performance.now();
    onResult = await load(on, 'on');
    const loadEnd = performance.now();
    deliveredUnderLoad = receiver.arrivals.filter((t) => t >= started && t <= loadEnd).length;
    // Every user created is one `user.created` event (requests still in flight at the end included).
    const count = await fetch(`${on.origin}${on.basePath}/Users?count=0`, { headers: { authorization: `Bearer ${apiKey}` } });
    events = ((await count.json()) as { totalResults: number }).totalResults;
    // The backlog: wait until every committed event arrived (bounded).
    while (receiver.ids.size < events && performance.now() - loadEnd < 120_000) await sleep(20);
    drainSeconds = (performance.now() - loadEnd) / 1000;
  } finally {
    await on.stop();
  }
  const off = await startRoster({ ...common, db: offFile, name: 'roster-webhooks-off', args: [...o.unlimited, '--webhooks', 'false'] });
  let offResult: LoadResult;
  try {
    offResult = await load(off, 'off');
  } finally {
    await off.stop();
    await receiver.close();
  }
  return {
    on: onResult, off: offResult, ratio: offResult.rps === 0 ? 0 : onResult.rps / offResult.rps, target: 0.85,
    deliveredPerSecondUnderLoad: deliveredUnderLoad / onResult.seconds, events, delivered: receiver.ids.size, drainSeconds,
    delayP50: pct(receiver.delays, 50), delayP99: pct(receiver.delays, 99),
  };
}

/** Prints the workload's figures. */
export function printWebhooks(w: WebhooksResult): void {
  console.log('\nWebhooks (POST /Users with one endpoint subscribed to every event, loopback receiver):');
  const ms = (r: LoadResult): string => `p50 ${r.p50.toFixed(1)} / p99 ${r.p99.toFixed(1)} ms`;
  console.log(`  SCIM req/s: delivery on ${w.on.rps.toFixed(0)} (${ms(w.on)}), off ${w.off.rps.toFixed(0)} (${ms(w.off)}): ×${w.ratio.toFixed(2)} (target ≥ ${w.target})`);
  console.log(`  delivered ${w.delivered} of ${w.events} events; ${w.deliveredPerSecondUnderLoad.toFixed(0)}/s while the load ran; backlog gone ${w.drainSeconds.toFixed(1)} s after it`);
  console.log(`  commit → delivery delay p50 ${w.delayP50} ms, p99 ${w.delayP99} ms`);
}
