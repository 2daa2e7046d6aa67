/**
 * The pool of reader workers (docs/storage.md "Reader workers"). better-sqlite3 is
 * synchronous, so a query that scans a tenant's rows holds the main thread — and every
 * other tenant's requests — for its whole run. The store sends the expensive list
 * queries (`isExpensive`) here; each runs on a worker thread with its own read-only
 * connection, and the main thread only waits for the answer.
 *
 * Failure modes all end in a 503 (RFC 7644 §3.12) and a working pool: the deadline inside
 * the worker (`scim_live`, as on the main thread); a worker that does not answer within
 * the deadline plus `OVERRUN_MARGIN_MS` is terminated and replaced; a worker that dies
 * fails its jobs and is replaced on the next job. `close` terminates every worker.
 */
import { Worker } from 'node:worker_threads';
import { serviceUnavailable } from '../../scim/errors.ts';
import { COST_SUBQUERY } from '../sql/filter-cost.ts';
import { QueryDeadlineExceeded } from './errors.ts';
import type { JobMessage, JobReply, ReaderWorkerData } from './reader-worker.ts';
import { finishQuery, planQuery, runPlan } from './sqlite-query.ts';
import type { JobResult, QueryPlan } from './sqlite-query.ts';
import type { SqliteReader } from './sqlite-shared.ts';
import type { QueryOptions, QueryResult } from '../store.ts';
import type { ResourceKind } from '../../domain/resource.ts';

/** A page of more rows than this is read on a worker, whatever its filter. */
export const WORKER_MIN_ROWS = 100;
/** How long past its deadline a worker may stay silent before it is terminated. */
export const OVERRUN_MARGIN_MS = 1000;
/** Default number of reader workers (`--reader-workers`; 0 runs every query on the main thread). */
export const DEFAULT_READER_WORKERS = 1;

/**
 * Whether a compiled query goes to a worker: a correlated subquery in its filter
 * (docs/filters.md "Caps": it walks an array of every candidate row), or a large page.
 * Indexed lookups (`userName eq`, Test Connection's `count=1`) stay on the main thread.
 */
export function isExpensive(plan: QueryPlan): boolean {
  return plan.cost >= COST_SUBQUERY || plan.job.limit > WORKER_MIN_ROWS;
}

/**
 * `Store.query` outside a transaction: compiled on the main thread (a filter past the
 * cost bound is refused before any SQL runs), then run on a worker when expensive, else
 * on `ops` (the main reader). The deadline counts from the call, on `ops.limits.now`.
 */
export async function routeQuery(pool: ReaderPool, ops: SqliteReader, tenantId: string, type: ResourceKind, opts: QueryOptions): Promise<QueryResult> {
  const start = ops.limits.now();
  const plan = planQuery(ops, tenantId, type, opts);
  if (!isExpensive(plan)) return runPlan(ops, plan);
  const budget = start + ops.limits.queryTimeoutMs - ops.limits.now();
  return finishQuery(plan, await pool.run(plan, budget, ops.limits.queryTimeoutMs));
}

/** What the pool has done (tests, diagnostics). */
export interface ReaderPoolStats {
  /** Jobs answered by a worker (rows or an error from SQLite). */
  readonly jobs: number;
  /** Worker threads that have not exited yet. */
  readonly workers: number;
  /** Workers terminated or lost (overrun, crash) and replaced. */
  readonly replaced: number;
}

interface Pending {
  readonly resolve: (r: JobResult) => void;
  readonly reject: (e: unknown) => void;
  readonly timer: NodeJS.Timeout;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  dead: boolean;
}

const wallClock = (): number => performance.timeOrigin + performance.now();

/**
 * The worker's entry: the compiled `.js` beside this file, or under tsx (tests, the bench
 * from sources) the `.ts` file, loaded through tsx's loader registered in the worker
 * (Node 20 does not apply the parent's `--import tsx` hooks to a worker's entry).
 */
function spawn(data: ReaderWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./reader-worker.js', import.meta.url), { workerData: data });
  const entry = JSON.stringify(new URL('./reader-worker.ts', import.meta.url).href);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return new Worker(`import(${tsx}).then((m) => { m.register(); return import(${entry}); })`, { eval: true, workerData: data });
}

/** A fixed-size pool of reader workers, started on first use. */
export class ReaderPool {
  readonly #data: ReaderWorkerData;
  readonly #slots: (Slot | undefined)[];
  #next = 0;
  #ids = 0;
  #jobs = 0;
  #replaced = 0;
  #closed = false;
  readonly #live = new Set<Worker>();
  readonly #marginMs: number;

  /** `overrunMarginMs`: how long past its deadline a job waits before its worker is terminated. */
  constructor(data: ReaderWorkerData, size: number, overrunMarginMs = OVERRUN_MARGIN_MS) {
    this.#data = data;
    this.#marginMs = overrunMarginMs;
    this.#slots = Array.from({ length: Math.max(1, Math.floor(size)) }, () => undefined);
  }

  stats(): ReaderPoolStats {
    return { jobs: this.#jobs, workers: this.#live.size, replaced: this.#replaced };
  }

  /**
   * Runs a job on the least busy worker. `budgetMs` is what is left of the query's
   * deadline; `timeoutMs` the configured deadline (for the 503's message).
   */
  run(plan: QueryPlan, budgetMs: number, timeoutMs: number): Promise<JobResult> {
    if (this.#closed) return Promise.reject(serviceUnavailable('The store is closed'));
    const slot = this.#pick();
    const id = ++this.#ids;
    const msg: JobMessage = { id, deadlineAt: wallClock() + budgetMs, job: plan.job };
    return new Promise<JobResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        // The worker neither answered nor stopped at its deadline: a statement that
        // never reaches `scim_live` (or a stuck thread). Its connection goes with it.
        this.#fail(slot, serviceUnavailable('The query did not finish in time and was stopped; retry later (docs/storage.md "Reader workers")'));
      }, Math.max(0, budgetMs) + this.#marginMs);
      timer.unref();
      slot.pending.set(id, {
        resolve,
        reject: (e) => reject(e instanceof QueryDeadlineExceeded ? new QueryDeadlineExceeded(timeoutMs) : e),
        timer,
      });
      slot.worker.ref();
      slot.worker.postMessage(msg);
    });
  }

  #pick(): Slot {
    // The first idle slot; else round robin.
    let chosen = -1;
    for (let i = 0; i < this.#slots.length; i++) {
      const s = this.#slots[i];
      if (s === undefined || s.dead || s.pending.size === 0) {
        chosen = i;
        break;
      }
    }
    if (chosen < 0) chosen = this.#next++ % this.#slots.length;
    const s = this.#slots[chosen];
    if (s !== undefined && !s.dead) return s;
    const slot = this.#start();
    this.#slots[chosen] = slot;
    return slot;
  }

  #start(): Slot {
    const worker = spawn(this.#data);
    const slot: Slot = { worker, pending: new Map(), dead: false };
    this.#live.add(worker);
    worker.unref();
    worker.on('message', (reply: JobReply) => {
      const p = slot.pending.get(reply.id);
      if (p === undefined) return;
      slot.pending.delete(reply.id);
      clearTimeout(p.timer);
      if (slot.pending.size === 0) worker.unref();
      this.#jobs++;
      if (reply.ok) p.resolve(reply.result);
      else if (reply.deadline) p.reject(new QueryDeadlineExceeded(0));
      else p.reject(Object.assign(new Error(reply.message), reply.code !== undefined ? { code: reply.code } : {}));
    });
    worker.on('error', () => this.#fail(slot, serviceUnavailable('A database reader failed; retry later')));
    worker.on('exit', () => {
      this.#live.delete(worker);
      this.#fail(slot, serviceUnavailable('A database reader stopped; retry later'));
    });
    return slot;
  }

  /** Fails every job of the slot, terminates its worker, and frees the slot for a fresh one. */
  #fail(slot: Slot, error: unknown): void {
    if (!slot.dead) {
      slot.dead = true;
      if (!this.#closed) this.#replaced++;
      // `terminate` takes effect when the thread is back in JS: a statement in SQLite runs
      // to its end first (better-sqlite3 cannot interrupt one). Compiled queries stop by
      // themselves at the deadline (`scim_live` per row); until it stops, the thread must
      // not keep the process alive.
      slot.worker.unref();
      void slot.worker.terminate().catch(() => undefined);
    }
    for (const [id, p] of slot.pending) {
      slot.pending.delete(id);
      clearTimeout(p.timer);
      p.reject(error);
    }
  }

  /** Terminates every worker; their jobs fail with 503. */
  async close(): Promise<void> {
    this.#closed = true;
    const slots = this.#slots.filter((s): s is Slot => s !== undefined);
    this.#slots.fill(undefined);
    for (const s of slots) this.#fail(s, serviceUnavailable('The store is closed'));
    // Bounded: closing never hangs on a thread that does not stop (it is unref'd).
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, OVERRUN_MARGIN_MS);
      timer.unref();
    });
    await Promise.race([Promise.all(slots.map((s) => s.worker.terminate().catch(() => undefined))), bound]);
    clearTimeout(timer);
  }
}
