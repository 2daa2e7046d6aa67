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

/** Reads back the effective durability settings (docs/reliability.md CF-2). */
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

/**
 * Bytes of SQL text the compiled-query part of a statement cache keeps prepared
 * (docs/storage.md "Prepared statements"). SQLite's prepared program takes roughly
 * 10–20 times its SQL text, so this is some 10–20 MiB per connection.
 */
export const COMPILED_CACHE_MAX_BYTES = 1024 * 1024;
/** Most compiled statements kept, whatever their size. */
export const COMPILED_CACHE_MAX_ENTRIES = 256;

/** What a statement cache holds (tests, diagnostics). */
export interface StatementCacheStats {
  /** Statements of the code's fixed SQL, never evicted. */
  readonly fixed: number;
  /** Compiled query statements (filters, sorts) in the LRU. */
  readonly compiled: number;
  /** Bytes of SQL text of those compiled statements. */
  readonly compiledBytes: number;
  readonly maxCompiledBytes: number;
}

/**
 * A per-connection cache of prepared statements, keyed by SQL text, in two parts.
 * `get` is for the code's fixed SQL (a finite set: key lookup, inserts, member
 * rows…), prepared once and never evicted. `compiled` is for SQL compiled from a
 * request (filters, sorts): an LRU bounded by SQL bytes and entries, so a stream of
 * one-off filters can neither grow memory nor evict the hot fixed statements.
 */
export class StatementCache {
  readonly #db: SqliteDb;
  readonly #fixed = new Map<string, Database.Statement>();
  readonly #lru = new Map<string, Database.Statement>();
  readonly #maxBytes: number;
  readonly #maxEntries: number;
  #bytes = 0;

  constructor(db: SqliteDb, maxBytes = COMPILED_CACHE_MAX_BYTES, maxEntries = COMPILED_CACHE_MAX_ENTRIES) {
    this.#db = db;
    this.#maxBytes = maxBytes;
    this.#maxEntries = maxEntries;
  }

  /** A statement of fixed SQL (a literal of the code, never built from a request). */
  get(sql: string): Database.Statement {
    let s = this.#fixed.get(sql);
    if (s === undefined) {
      s = this.#db.prepare(sql);
      this.#fixed.set(sql, s);
    }
    return s;
  }

  /** A statement of SQL compiled from a request, through the byte-bounded LRU. */
  compiled(sql: string): Database.Statement {
    const hit = this.#lru.get(sql);
    if (hit !== undefined) {
      // Most recently used goes last.
      this.#lru.delete(sql);
      this.#lru.set(sql, hit);
      return hit;
    }
    const s = this.#db.prepare(sql);
    const bytes = Buffer.byteLength(sql, 'utf8');
    // A statement bigger than an eighth of the budget is used once and not kept:
    // it would push out many small, hot ones.
    if (bytes > this.#maxBytes / 8) return s;
    this.#lru.set(sql, s);
    this.#bytes += bytes;
    for (const oldest of this.#lru.keys()) {
      if (this.#bytes <= this.#maxBytes && this.#lru.size <= this.#maxEntries) break;
      this.#lru.delete(oldest);
      this.#bytes -= Buffer.byteLength(oldest, 'utf8');
    }
    return s;
  }

  stats(): StatementCacheStats {
    return { fixed: this.#fixed.size, compiled: this.#lru.size, compiledBytes: this.#bytes, maxCompiledBytes: this.#maxBytes };
  }
}
