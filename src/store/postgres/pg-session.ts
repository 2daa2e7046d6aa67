/**
 * Transactions on pooled PostgreSQL connections, and what the store reports about them
 * (docs/metrics.md): a write waits for a pooled connection where SQLite waits for the
 * writer, so that wait is the write wait observers hear, and every committed write
 * transaction wakes the in-process readers of the outbox (docs/embedding.md).
 */
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { StoreObserver, StoreStats } from '../store.ts';
import { sqlOf } from './pg-sql.ts';
import type { Sql } from './pg-sql.ts';

/**
 * The BEGIN of a write transaction (READ COMMITTED, docs/storage.md "PostgreSQL"), named
 * rather than left to the database's `default_transaction_isolation`: the store's writers
 * queue on row locks, which under REPEATABLE READ or SERIALIZABLE would end in 40001 at
 * every lost race and, past the retries, in 503 (docs/reliability.md CC-7).
 */
export const WRITE = 'BEGIN ISOLATION LEVEL READ COMMITTED';
/**
 * The statement bound inside a write transaction. `--query-timeout` bounds reads (as the
 * SQLite store's query deadline does); a write is bounded by the request's own caps (a
 * PATCH of `--max-patch-operations`, a group of `--max-group-members`), and a large one
 * on a loaded server may need more than a read's 2 s, so it gets this longer bound: long
 * enough for the largest allowed write, short enough that a stuck one frees its locks.
 * Waiting for another transaction's row lock stays bounded by `--query-timeout`.
 */
export const WRITE_STATEMENT_TIMEOUT_MS = 30_000;
/**
 * A write's BEGIN with its bounds, sent as one text: a wait for a row lock keeps the read
 * bound (`--query-timeout`, as lock_timeout); its statements get the longer write bound.
 */
const WRITE_BEGIN = `${WRITE}; SELECT set_config('lock_timeout', current_setting('statement_timeout'), true),
  set_config('statement_timeout', '${WRITE_STATEMENT_TIMEOUT_MS}', true)`;
/** The BEGIN of a consistent read: one snapshot for every statement. */
export const SNAPSHOT = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';

/** Runs sessions on the pool; observers and gauges of the waits. */
export class PgSessions {
  readonly #pool: pg.Pool;
  readonly #map: (e: unknown) => unknown;
  readonly #observers = new Set<StoreObserver>();
  /** Write transactions waiting for a pooled connection now. */
  #writeWaiting = 0;

  /** `map` turns a connection failure into the store's error (503). */
  constructor(pool: pg.Pool, map: (e: unknown) => unknown) {
    this.#pool = pool;
    this.#map = map;
  }

  /** Registers an observer; returns its removal. */
  observe(observer: StoreObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  /** Writes waiting for a pooled connection; the pool's other waiters are reads. */
  stats(): StoreStats {
    const waiting = this.#pool.waitingCount;
    return { writeWaiting: this.#writeWaiting, readQueued: Math.max(0, waiting - this.#writeWaiting), readers: this.#pool.totalCount };
  }

  /** A pooled connection for a write; observers hear how long it took and whether it was refused. */
  async #connectForWrite(): Promise<pg.PoolClient> {
    const start = this.#observers.size > 0 ? performance.now() : 0;
    this.#writeWaiting++;
    let refused = true;
    try {
      const client = await this.#pool.connect();
      refused = false;
      return client;
    } finally {
      this.#writeWaiting--;
      if (this.#observers.size > 0) {
        const ms = performance.now() - start;
        for (const o of this.#observers) o.writeWait?.(ms, refused);
      }
    }
  }

  /**
   * Runs `fn` on one connection between `begin` (`WRITE` or `SNAPSHOT`) and COMMIT;
   * ROLLBACK on any failure. Once a write's COMMIT has returned, observers hear `committed`.
   */
  async run<T>(begin: typeof WRITE | typeof SNAPSHOT, fn: (sql: Sql) => Promise<T>): Promise<T> {
    const write = begin === WRITE;
    let client: pg.PoolClient;
    try {
      client = write ? await this.#connectForWrite() : await this.#pool.connect();
    } catch (e) {
      throw this.#map(e);
    }
    let broken = false;
    // A connection that dies while checked out (server restart) emits 'error' on the
    // client; the failing query reports it, and an unheard event would end the process.
    const onError = (): void => {
      broken = true;
    };
    client.on('error', onError);
    let result: T;
    try {
      // One round trip (docs/storage.md "Round trips"): a write's BEGIN and its bounds travel
      // as one simple-protocol text (no parameters).
      await client.query(write ? WRITE_BEGIN : begin);
      result = await fn(sqlOf(client));
      await client.query('COMMIT');
    } catch (e) {
      // Never leave a transaction open: a connection that cannot roll back is discarded.
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw e;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
    if (write) for (const o of this.#observers) o.committed?.();
    return result;
  }
}
