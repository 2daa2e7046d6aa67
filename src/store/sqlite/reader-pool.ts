/**
 * The pool of reader workers (docs/storage.md "Reader workers"). better-sqlite3 is
 * synchronous, so a query that scans a tenant's rows holds the main thread — and every
 * other tenant's requests — for its whole run. The store sends the expensive list
 * queries (`isExpensive`) here; each runs on a worker thread with its own read-only
 * connection, and the main thread only waits for the answer.
 *
 * One job per worker at a time; the others wait here, in arrival order.
 * Failure modes all end in a 503 (RFC 7644 §3.12) and a working pool: the deadline inside
 * the worker (`scim_live`, as on the main thread); a worker that does not answer within
 * the deadline plus `OVERRUN_MARGIN_MS` is terminated and replaced; a worker that dies
 * fails its jobs and is replaced on the next job. `close` terminates every worker.
 */
import { setImmediate as yieldTurn } from 'node:timers/promises';
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
import type { ScimResource } from '../../scim/schema/types.ts';

/**
 * A page of more rows than this is read on a worker, whatever its filter; the one row
 * more that cursor paging reads to know whether a next page exists does not count
 * (a `count=100` cursor page reads 101 rows and stays on the main thread).
 */
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
  return plan.cost >= COST_SUBQUERY || plan.job.limit > WORKER_MIN_ROWS + 1;
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
  return finishQuery(plan, await parseInSlices(await pool.run(plan, budget, ops.limits.queryTimeoutMs)));
}

/** Rows parsed per turn of the event loop when a worker's page is parsed on the main thread. */
export const PARSE_SLICE = 100;

/** Parses the bodies of a worker's page, `PARSE_SLICE` rows per turn of the event loop. */
export async function parseInSlices(raw: JobResult<string>): Promise<JobResult> {
  const out: JobResult['resources'] = [];
  for (let i = 0; i < raw.resources.length; i += PARSE_SLICE) {
    if (i > 0) await yieldTurn();
    const end = Math.min(raw.resources.length, i + PARSE_SLICE);
    for (let j = i; j < end; j++) {
      const r = raw.resources[j]!;
      out.push({ ...r, data: JSON.parse(r.data) as ScimResource });
    }
  }
  return { totalResults: raw.totalResults, resources: out };
}

/** What the pool has done (tests, diagnostics). */
export interface ReaderPoolStats {
  /** Jobs answered by a worker (rows or an error from SQLite). */
  readonly jobs: number;
  /** Worker threads that have not exited yet. */
  readonly workers: number;
  /** Workers terminated or lost (overrun, crash) and replaced. */
  readonly replaced: number;
  /** Jobs waiting for a worker now. */
  readonly queued: number;
}

interface Pending {
  readonly resolve: (r: JobResult<string>) => void;
  readonly reject: (e: unknown) => void;
  readonly timer: NodeJS.Timeout;
}

interface Queued {
  readonly plan: QueryPlan;
  readonly budgetMs: number;
  readonly resolve: (r: JobResult<string>) => void;
  readonly reject: (e: unknown) => void;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  /** The worker has opened its connection (jobs are sent only then). */
  ready: boolean;
  dead: boolean;
}


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
  readonly #queue: Queued[] = [];
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
    return { jobs: this.#jobs, workers: this.#live.size, replaced: this.#replaced, queued: this.#queue.length };
  }

  /**
   * Runs a job on the next idle worker (jobs wait in FIFO order while every worker is
   * busy). `budgetMs` is what is left of the query's deadline when the job starts on its
   * worker (docs/storage.md "Query deadline": time waiting for a free reader does not
   * count, as time waiting for the event loop does not); `timeoutMs` the configured
   * deadline, for the 503's message.
   */
  run(plan: QueryPlan, budgetMs: number, timeoutMs: number): Promise<JobResult<string>> {
    if (this.#closed) return Promise.reject(serviceUnavailable('The store is closed'));
    return new Promise<JobResult<string>>((resolve, reject) => {
      this.#queue.push({
        plan,
        budgetMs,
        resolve,
        reject: (e) => reject(e instanceof QueryDeadlineExceeded ? new QueryDeadlineExceeded(timeoutMs) : e),
      });
      this.#dispatch();
    });
  }

  /** Hands queued jobs to idle workers, starting a worker in an empty or lost slot. */
  #dispatch(): void {
    while (!this.#closed && this.#queue.length > 0) {
      const idle = this.#slots.find((s) => s !== undefined && !s.dead && s.ready && s.pending.size === 0);
      if (idle !== undefined) {
        this.#send(idle, this.#queue.shift()!);
        continue;
      }
      // No idle worker: start one in a free slot (it takes jobs once ready), else wait.
      const free = this.#slots.findIndex((s) => s === undefined || s.dead);
      if (free >= 0 && !this.#slots.some((s) => s !== undefined && !s.dead && !s.ready)) this.#slots[free] = this.#start();
      return;
    }
  }

  #send(slot: Slot, job: Queued): void {
    const id = ++this.#ids;
    const msg: JobMessage = { id, budgetMs: job.budgetMs, job: job.plan.job };
    const timer = setTimeout(() => {
      // The worker neither answered nor stopped at its deadline: a statement that
      // never reaches `scim_live` (or a stuck thread). Its connection goes with it.
      this.#fail(slot, serviceUnavailable('The query did not finish in time and was stopped; retry later (docs/storage.md "Reader workers")'));
    }, Math.max(0, job.budgetMs) + this.#marginMs);
    timer.unref();
    slot.pending.set(id, { resolve: job.resolve, reject: job.reject, timer });
    slot.worker.ref();
    slot.worker.postMessage(msg);
  }

  #start(): Slot {
    const worker = spawn(this.#data);
    const slot: Slot = { worker, pending: new Map(), ready: false, dead: false };
    this.#live.add(worker);
    worker.unref();
    worker.on('message', (reply: JobReply) => {
      if ('ready' in reply) {
        slot.ready = true;
        this.#dispatch();
        return;
      }
      const p = slot.pending.get(reply.id);
      if (p === undefined) return;
      slot.pending.delete(reply.id);
      clearTimeout(p.timer);
      if (slot.pending.size === 0) worker.unref();
      this.#jobs++;
      if (reply.ok) p.resolve(reply.result);
      else if (reply.deadline) p.reject(new QueryDeadlineExceeded(0));
      else p.reject(Object.assign(new Error(reply.message), reply.code !== undefined ? { code: reply.code } : {}));
      this.#dispatch();
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
    // A worker lost before it could open its connection: the next would fail alike
    // (missing file, no memory), so the waiting jobs fail now instead of looping.
    if (!slot.dead && !slot.ready) for (const job of this.#queue.splice(0)) job.reject(error);
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
    // Queued jobs go to a fresh worker.
    this.#dispatch();
  }

  /** Terminates every worker; their jobs fail with 503. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(serviceUnavailable('The store is closed'));
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
