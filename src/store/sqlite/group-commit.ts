/**
 * Group commit (docs/storage.md "Group commit"): under `synchronous=FULL` every COMMIT
 * waits for an fsync of the WAL, and that wait, not the SQL, is most of a write's cost
 * (docs/benchmark.md). A write transaction does not commit at the end of its turn: it
 * leaves the writer's transaction open and schedules the COMMIT for the end of this
 * turn of the event loop (`setImmediate`). Write requests that reach the store in the
 * same turn run in the same open transaction, each in its own SAVEPOINT, and one COMMIT
 * (one fsync) covers them all.
 *
 * What does not change: each transaction is atomic (a failing one rolls back to its
 * savepoint and leaves the others' writes alone; its audit and outbox rows are in the
 * same savepoint as its change, docs/reliability.md CF-7), and no transaction resolves
 * before the COMMIT that made it durable has returned (CF-1, CF-2): a caller is only
 * ever told "done" about writes on disk. If that COMMIT fails, every transaction of the
 * group fails with its error (none was acknowledged). A group is bounded in size
 * (`--sqlite-group-commit`) and in age (`GROUP_COMMIT_MAX_MS`), so the first
 * transaction's wait for the commit stays short; `--sqlite-group-commit 1` commits each
 * transaction alone at the end of its turn, as before.
 */
import type { SqliteDb } from './connection.ts';
import type { Mutex } from './mutex.ts';

/** Longest time a group stays open: past it the holder commits even with writers queued. */
export const GROUP_COMMIT_MAX_MS = 10;

/** Default most transactions per COMMIT (`--sqlite-group-commit`). */
export const DEFAULT_GROUP_COMMIT = 16;

interface Pending {
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

interface Group {
  readonly startedAt: number;
  units: number;
  readonly pending: Pending[];
}

/** What group commit has done (docs/storage.md "Group commit"). */
export interface GroupCommitStats {
  readonly commits: number;
  readonly transactions: number;
}

/**
 * The writer connection's open group, if any. `begin`, `keep`, `undo` and `end` run
 * only while holding the writer mutex; the scheduled COMMIT takes the mutex too.
 */
export class GroupCommit {
  readonly #db: SqliteDb;
  readonly #mutex: Mutex;
  readonly #max: number;
  readonly #now: () => number;
  #group: Group | undefined;
  #scheduled = false;
  #commits = 0;
  #transactions = 0;

  /** `max` = most transactions per COMMIT; 1 commits every transaction alone. */
  constructor(db: SqliteDb, mutex: Mutex, max: number, now: () => number = () => performance.now()) {
    this.#db = db;
    this.#mutex = mutex;
    this.#max = Math.max(1, Math.floor(max));
    this.#now = now;
  }

  stats(): GroupCommitStats {
    return { commits: this.#commits, transactions: this.#transactions };
  }

  /** Starts one transaction: opens a group (BEGIN IMMEDIATE) or joins the open one, then its savepoint. */
  begin(): void {
    if (this.#group === undefined) {
      this.#db.exec('BEGIN IMMEDIATE');
      this.#group = { startedAt: this.#now(), units: 0, pending: [] };
    }
    this.#group.units++;
    this.#db.exec('SAVEPOINT unit_of_work');
  }

  /** Keeps the transaction's writes in the group. */
  keep(): void {
    this.#db.exec('RELEASE unit_of_work');
  }

  /** Undoes the transaction's writes; the group's earlier transactions keep theirs. */
  undo(): void {
    // A failure SQLite answers by rolling back the whole transaction (a full disk, an
    // I/O error) leaves no savepoint: `end` then fails the group.
    if (!this.#db.inTransaction) return;
    this.#db.exec('ROLLBACK TO unit_of_work');
    this.#db.exec('RELEASE unit_of_work');
  }

  /**
   * Ends the holder's turn and releases the mutex. The group is committed now when it
   * is full or old or this transaction failed, else at the end of this turn of the event loop. Resolves once the
   * transaction's writes are committed (at once for one that kept nothing: `kept`
   * false); rejects when the group's COMMIT failed.
   */
  end(release: () => void, kept: boolean): Promise<void> {
    const group = this.#group;
    let done: Promise<void> = Promise.resolve();
    try {
      if (group === undefined) return done;
      if (kept) done = new Promise<void>((resolve, reject) => void group.pending.push({ resolve, reject }));
      // A failed transaction ends its group at once: its caller learns of the failure with
      // the write lock released (nothing of a group is held open past a refusal).
      if (!kept || group.units >= this.#max || this.#now() - group.startedAt >= GROUP_COMMIT_MAX_MS || !this.#db.inTransaction) this.#commit();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
      return done;
    } finally {
      release();
    }
  }

  /**
   * Commits the open group, if any; only while holding the writer mutex (closing the
   * store calls it before closing the connection).
   */
  commitOpen(): void {
    this.#commit();
  }

  /** The scheduled COMMIT: waits its turn for the writer (FIFO), then commits what is open. */
  async #flush(): Promise<void> {
    this.#scheduled = false;
    const release = await this.#mutex.acquire({ bounded: false });
    try {
      this.#commit();
    } finally {
      release();
    }
  }

  #commit(): void {
    const group = this.#group;
    if (group === undefined) return;
    this.#group = undefined;
    try {
      if (!this.#db.inTransaction) throw new Error('The write transaction was rolled back by SQLite');
      this.#db.exec('COMMIT');
    } catch (e) {
      try {
        if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      } catch {
        // The group fails with the COMMIT's error either way.
      }
      for (const p of group.pending) p.reject(e);
      return;
    }
    this.#commits++;
    this.#transactions += group.units;
    for (const p of group.pending) p.resolve();
  }
}
