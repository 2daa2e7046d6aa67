/**
 * A reader worker (docs/storage.md "Reader workers"): a `worker_threads` thread with its
 * own read-only connection on the store's file (WAL: readers run beside the writer and
 * the main thread's reader). It runs the expensive list queries the main thread sends
 * it (`QueryJob`, compiled there), each in one read snapshot under the query deadline,
 * and answers with the page (bodies as JSON text) or what stopped it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { defaultRegistry } from '../../scim/schema/registry.ts';
import { openConnection } from './connection.ts';
import { QueryDeadlineExceeded } from './errors.ts';
import { SqliteOps } from './sqlite-ops.ts';
import { executeJobText } from './sqlite-query.ts';
import type { JobResult, QueryJob } from './sqlite-query.ts';
import type { QueryLimits } from './sqlite-shared.ts';
import type { Synchronous } from './connection.ts';

/** What the pool passes to a new worker. */
export interface ReaderWorkerData {
  readonly file: string;
  readonly synchronous: Synchronous;
  readonly busyTimeoutMs: number;
}

/** A job as sent: its id and the time left of its deadline (the worker starts it at once). */
export interface JobMessage {
  readonly id: number;
  readonly budgetMs: number;
  readonly job: QueryJob;
}

/** The answer to one job; `{ ready: true }` once, when the connection is open. */
export type JobReply =
  | { readonly ready: true }
  | { readonly id: number; readonly ok: true; readonly result: JobResult<string> }
  | { readonly id: number; readonly ok: false; readonly deadline: boolean; readonly message: string; readonly code?: string };


function main(): void {
  const port = parentPort;
  if (port === null) return;
  const data = workerData as ReaderWorkerData;
  const db = openConnection(data.file, { synchronous: data.synchronous, busyTimeoutMs: data.busyTimeoutMs, readOnly: true });
  // Each job sets its own deadline (`budgetMs` from when it starts here).
  const limits: { -readonly [K in keyof QueryLimits]: QueryLimits[K] } = { filterMaxCost: Number.POSITIVE_INFINITY, queryTimeoutMs: 0, now: () => performance.now() };
  // The registry is only read by writes; the compiled SQL comes from the main thread.
  const ops = new SqliteOps(db, defaultRegistry, limits);
  port.on('message', (msg: JobMessage) => {
    limits.queryTimeoutMs = msg.budgetMs;
    let reply: JobReply;
    try {
      const result = ops.withDeadline(() => ops.snapshot.deferred(() => executeJobText(ops, msg.job)) as JobResult<string>);
      reply = { id: msg.id, ok: true, result };
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      reply = {
        id: msg.id,
        ok: false,
        deadline: e instanceof QueryDeadlineExceeded,
        message: e instanceof Error ? e.message : String(e),
        ...(typeof code === 'string' ? { code } : {}),
      };
    }
    port.postMessage(reply);
  });
  port.postMessage({ ready: true } satisfies JobReply);
}

main();
