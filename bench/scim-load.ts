/**
 * The rate at which users load through SCIM itself, as an IdP's first sync does:
 * `POST /Users` one by one (10 concurrent), and `POST /Bulk` with 100 POSTs per
 * request (10 concurrent requests). Every operation's status is checked.
 */
import { performance } from 'node:perf_hooks';
import { runLoad } from './load.ts';
import { userBody } from './seed.ts';
import type { ServerProc } from './servers.ts';

export interface LoadRate {
  readonly users: number;
  readonly failed: number;
  readonly seconds: number;
  readonly usersPerSecond: number;
}

const BULK_URN = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

export async function postRate(server: ServerProc, token: string, users: number, tag: string): Promise<LoadRate> {
  let i = 0;
  const r = await runLoad({
    origin: server.origin,
    token,
    connections: 10,
    warmupSeconds: 0,
    seconds: 0,
    amount: users,
    next: () => {
      const n = i++;
      return { method: 'POST', path: `${server.basePath}/Users`, body: JSON.stringify(userBody(`${tag}-post-${n}@load.example`, n)) };
    },
  });
  return { users: r.ok, failed: r.non2xx + r.errors, seconds: r.seconds, usersPerSecond: r.ok / r.seconds };
}

export async function bulkRate(server: ServerProc, token: string, users: number, tag: string, perRequest = 100, concurrency = 10): Promise<LoadRate> {
  const requests = Math.ceil(users / perRequest);
  let next = 0;
  let created = 0;
  let failed = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < requests) {
      const k = next++;
      const Operations = Array.from({ length: perRequest }, (_, j) => {
        const n = k * perRequest + j;
        return { method: 'POST', path: '/Users', bulkId: `u${n}`, data: userBody(`${tag}-bulk-${n}@load.example`, n) };
      });
      const res = await fetch(`${server.origin}${server.basePath}/Bulk`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        body: JSON.stringify({ schemas: [BULK_URN], Operations }),
      });
      const body = (await res.json()) as { Operations?: { status?: string }[] };
      if (res.status !== 200) {
        failed += perRequest;
        continue;
      }
      for (const op of body.Operations ?? []) if (op.status === '201') created++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { users: created, failed, seconds, usersPerSecond: created / seconds };
}
