/**
 * Opening the SQLite file: pragmas (WAL, foreign keys, synchronous, busy timeout),
 * the fold function, and versioned migrations under BEGIN IMMEDIATE.
 */
import { closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { foldCase } from '../../scim/schema/fold.ts';
import { mapSqliteError } from './errors.ts';
import { migrations } from './migrations.ts';
import type { Migration } from './migrations.ts';

export type SqliteDb = Database.Database;
export type Synchronous = 'FULL' | 'NORMAL';

export interface ConnectionOptions {
  readonly synchronous: Synchronous;
  readonly busyTimeoutMs: number;
  /** The reader connection refuses writes (`query_only`). */
  readonly readOnly?: boolean;
  /** Called with every statement run (values inlined): tests pin query plans with it, the bench records the ceiling's SQL. */
  readonly trace?: (sql: string) => void;
}

/** Mode of a database directory Roster creates: owner only (every tenant's personal data). */
export const DB_DIR_MODE = 0o700;
/** Mode of a database file Roster creates; SQLite gives `-wal`, `-shm` and `-journal` the same. */
export const DB_FILE_MODE = 0o600;

/**
 * Creates the parent directory (0700) and the file (0600, empty: SQLite reads a
 * 0-byte file as an empty database) when they do not exist, so a new database
 * is owner-only from its first byte; SQLite copies the main file's mode to the
 * `-wal`/`-shm` files it creates. Existing ones are left as they are
 * (`looseDatabaseFiles` reports them; docs/storage.md, File permissions).
 */
export function createOwnerOnly(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: DB_DIR_MODE });
  try {
    closeSync(openSync(file, 'wx', DB_FILE_MODE));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

/** The database file and its `-wal`/`-shm` files that group or others may read or write, with their modes. */
export function looseDatabaseFiles(file: string): { file: string; mode: string }[] {
  if (file === ':memory:' || file === '') return [];
  const out: { file: string; mode: string }[] = [];
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      const mode = statSync(f).mode & 0o777;
      if ((mode & 0o077) !== 0) out.push({ file: f, mode: `0${mode.toString(8)}` });
    } catch {
      // Not there (yet): nothing to report.
    }
  }
  return out;
}

/** Opens one connection with Roster's pragmas; creates the directory and file owner-only when missing. */
export function openConnection(file: string, opts: ConnectionOptions): SqliteDb {
  if (file !== ':memory:' && file !== '') createOwnerOnly(file);
  const trace = opts.trace;
  const db = new Database(file, trace !== undefined ? { verbose: (sql?: unknown) => trace(String(sql)) } : {});
  try {
    // busy_timeout first: switching to WAL itself may have to wait for a lock.
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs))}`);
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (file !== ':memory:' && String(mode).toLowerCase() !== 'wal') {
      throw new Error(`SQLite refused WAL mode (journal_mode=${String(mode)})`);
    }
    db.pragma(`synchronous = ${opts.synchronous}`);
    db.pragma('foreign_keys = ON');
    if (opts.readOnly === true) db.pragma('query_only = ON');
    // The SQL twin of foldCase, for the few comparisons not served by the search document.
    db.function('scim_fold', { deterministic: true }, (v: unknown) => (typeof v === 'string' ? foldCase(v) : v));
    return db;
  } catch (e) {
    db.close();
    throw mapSqliteError(e);
  }
}

/** Reads back the effective durability settings (RELIABILITY CF-2). */
export function durability(db: SqliteDb): { journalMode: string; synchronous: Synchronous | 'OFF' | 'EXTRA' } {
  const journalMode = String(db.pragma('journal_mode', { simple: true }));
  const level = Number(db.pragma('synchronous', { simple: true }));
  const synchronous = (['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const)[level] ?? 'FULL';
  return { journalMode, synchronous };
}

/**
 * Applies the migrations not yet recorded, each recorded in the same transaction.
 * BEGIN IMMEDIATE takes the write lock first, so a second process starting at the
 * same moment waits, then sees the versions recorded and applies nothing.
 */
export function migrate(db: SqliteDb, list: readonly Migration[] = migrations): number[] {
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT',
    );
    const done = new Set(
      (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
    );
    const applied: number[] = [];
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of [...list].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
      applied.push(m.version);
    }
    db.exec('COMMIT');
    return applied;
  } catch (e) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw mapSqliteError(e);
  }
}

/** A per-connection cache of prepared statements, keyed by SQL text. */
export class StatementCache {
  readonly #db: SqliteDb;
  readonly #cache = new Map<string, Database.Statement>();
  readonly #max: number;

  constructor(db: SqliteDb, max = 500) {
    this.#db = db;
    this.#max = max;
  }

  get(sql: string): Database.Statement {
    let s = this.#cache.get(sql);
    if (s === undefined) {
      s = this.#db.prepare(sql);
      // Compiled filters make the key space open-ended: drop the oldest entry.
      if (this.#cache.size >= this.#max) {
        const oldest = this.#cache.keys().next().value;
        if (oldest !== undefined) this.#cache.delete(oldest);
      }
      this.#cache.set(sql, s);
    }
    return s;
  }
}
