/**
 * The embedded SQLite store (better-sqlite3, synchronous under an async interface).
 *
 * Two connections: a writer used only while holding the mutex, inside BEGIN
 * IMMEDIATE (docs/reliability.md CC-6: a write transaction takes the write lock up front,
 * so it waits in busy_timeout instead of failing with SQLITE_BUSY half-way), and
 * a reader for reads outside transactions (WAL: reads see the last commit and go
 * on during writes). See docs/storage.md.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { serviceUnavailable } from '../../scim/errors.ts';
import type { SchemaRegistry } from '../../scim/schema/types.ts';
import { durability, migrate, openConnection } from './connection.ts';
import type { SqliteDb, Synchronous, StatementCache, StatementCacheStats } from './connection.ts';
import { mapSqliteError } from './errors.ts';
import { listIgnored, recordIgnored } from './ignored-input.ts';
import { DEFAULT_GROUP_COMMIT, GroupCommit } from './group-commit.ts';
import type { GroupCommitStats } from './group-commit.ts';
import { Mutex } from './mutex.ts';
import { readMembers } from './sqlite-query.ts';
import { DEFAULT_READER_WORKERS, ReaderPool, routeQuery } from './reader-pool.ts';
import type { ReaderPoolStats } from './reader-pool.ts';
import { KEY_COLUMNS, SqliteOps, toKey } from './sqlite-ops.ts';
import type { KeyRow } from './sqlite-ops.ts';
import { listAudit, listOutbox, pruneAudit, pruneOutbox, readFeed, setSubscriberCursor, subscriberCursor } from './events.ts';
import { readHealth, recordStats } from './request-stats.ts';
import { DEFAULT_QUERY_LIMITS } from './sqlite-shared.ts';
import type { QueryLimits } from './sqlite-shared.ts';
import type { AuditEvent, AuditPage, EventPage, FeedPage, FeedQuery, RequestErrorRecord, RequestHour, OperatorTokenRecord, OutboxEvent, PlatformRoles, PlatformUsers, Store, StoreObserver, StoreStats, StoreTx, SubscriberCursors } from '../store.ts';
import type { WebhookStore } from '../webhooks.ts';
import { outsideViews, transactionView } from '../outside-views.ts';
import type { IgnoredInputRecord, IgnoredItem } from '../../domain/ignored-input.ts';
import type { ApiKeyRecord, IdpName, Tenant } from '../../domain/tenant.ts';

export interface SqliteStoreOptions {
  /** Database file (default `./data/roster.db`); its directory is created. */
  readonly file?: string;
  readonly registry: SchemaRegistry;
  /** docs/reliability.md CF-2: FULL (default) survives power loss; NORMAL may lose the last commits. */
  readonly synchronous?: Synchronous;
  /** How long a writer waits for another process's write lock (default 5000 ms). */
  readonly busyTimeoutMs?: number;
  /** Most transactions waiting for the writer at once; more are refused with 503 (default unbounded; docs/storage.md). */
  readonly writeQueueMax?: number;
  /** Longest wait for the writer in ms before a 503 (default 0 = no limit). */
  readonly writeQueueTimeoutMs?: number;
  /** Most queued write transactions one COMMIT covers (default 16; 1 = each commits alone; docs/storage.md "Group commit"). */
  readonly groupCommit?: number;
  /** Called with every SQL statement either connection runs, values inlined (query-plan tests, bench tracing). */
  readonly trace?: (sql: string) => void;
  /** Largest compiled filter cost (default 100); past it 400 `invalidFilter` (docs/filters.md "Caps"). */
  readonly filterMaxCost?: number;
  /** How long one query may run (default 2000 ms); past it 503 (docs/storage.md "Query deadline"). */
  readonly queryTimeoutMs?: number;
  /**
   * Reader worker threads for expensive list queries (default 1; 0 = every query on the
   * main thread; docs/storage.md "Reader workers").
   */
  readonly readerWorkers?: number;
  /** Clock of the query deadline in milliseconds (default `performance.now`; tests move it). */
  readonly now?: () => number;
}


/** The `settings` row holding the URL `roster serve` answers at (docs/cli.md "Public URL"). */
const SERVED_URL = 'served_public_url';
/** The SQLite store, with what it reports about itself. */
export interface SqliteStore extends Store {
  readonly file: string;
  /** Effective settings read back from the database (log them at start, CF-2). */
  readonly settings: { readonly journalMode: string; readonly synchronous: string };
  /** What the reader connection's statement cache holds (docs/storage.md "Prepared statements"). */
  statementStats(): StatementCacheStats;
  /** What the reader workers have done (docs/storage.md "Reader workers"); undefined without workers. */
  readerStats(): ReaderPoolStats | undefined;
  /** COMMITs and the write transactions they covered (docs/storage.md "Group commit"). */
  groupCommitStats(): GroupCommitStats;
}

type TenantRow = { id: string; name: string; idp: string; created_at: string };

const toTenant = (r: TenantRow): Tenant => ({ id: r.id, name: r.name, idp: r.idp as IdpName, createdAt: r.created_at });

/** Opens (creating and migrating if needed) the SQLite store. */
export async function openSqliteStore(opts: SqliteStoreOptions): Promise<SqliteStore> {
  const file = opts.file ?? './data/roster.db';
  const conn = {
    synchronous: opts.synchronous ?? 'FULL',
    busyTimeoutMs: opts.busyTimeoutMs ?? 5000,
    ...(opts.trace !== undefined ? { trace: opts.trace } : {}),
  } as const;
  const writerDb = openConnection(file, conn);
  let readerDb: SqliteDb | undefined;
  try {
    migrate(writerDb);
    readerDb = openConnection(file, { ...conn, readOnly: true });
  } catch (e) {
    writerDb.close();
    throw e;
  }
  const limits: QueryLimits = {
    filterMaxCost: opts.filterMaxCost ?? DEFAULT_QUERY_LIMITS.filterMaxCost,
    queryTimeoutMs: opts.queryTimeoutMs ?? DEFAULT_QUERY_LIMITS.queryTimeoutMs,
    now: opts.now ?? DEFAULT_QUERY_LIMITS.now,
  };
  const mutex = new Mutex({ maxWaiting: opts.writeQueueMax, maxWaitMs: opts.writeQueueTimeoutMs });
  const workers = Math.max(0, Math.floor(opts.readerWorkers ?? DEFAULT_READER_WORKERS));
  // An in-memory database is private to its connection: no worker can see it.
  const pool = workers > 0 && file !== ':memory:' && file !== '' ? new ReaderPool({ file, synchronous: conn.synchronous, busyTimeoutMs: conn.busyTimeoutMs }, workers) : undefined;
  const group = new GroupCommit(writerDb, mutex, opts.groupCommit ?? DEFAULT_GROUP_COMMIT);
  return new SqliteStoreImpl(file, writerDb, readerDb, opts.registry, limits, mutex, group, pool);
}

class SqliteStoreImpl implements SqliteStore {
  readonly dialect = 'sqlite' as const;
  readonly file: string;
  readonly settings: { journalMode: string; synchronous: string };
  readonly #writer: SqliteOps;
  readonly #reader: SqliteOps;
  readonly #mutex: Mutex;
  readonly #group: GroupCommit;
  readonly #wstmts: StatementCache;
  readonly #rstmts: StatementCache;
  readonly #pool: ReaderPool | undefined;
  #closed = false;
  readonly #observers = new Set<StoreObserver>();

  constructor(
    file: string, writer: SqliteDb, reader: SqliteDb, registry: SchemaRegistry, limits: QueryLimits, mutex: Mutex, group: GroupCommit, pool?: ReaderPool,
  ) {
    this.file = file;
    this.#pool = pool;
    this.#mutex = mutex;
    this.#group = group;
    this.#writer = new SqliteOps(writer, registry, limits);
    this.#reader = new SqliteOps(reader, registry, limits);
    this.#wstmts = this.#writer.stmts;
    this.#rstmts = this.#reader.stmts;
    this.settings = durability(writer);
  }

  statementStats(): StatementCacheStats {
    return this.#rstmts.stats();
  }

  readerStats(): ReaderPoolStats | undefined {
    return this.#pool?.stats();
  }

  groupCommitStats(): GroupCommitStats {
    return this.#group.stats();
  }

  #open(): void {
    if (this.#closed) throw serviceUnavailable('The store is closed');
  }

  /** Reads outside a transaction run on the reader connection. */
  async #read<T>(fn: (ops: SqliteOps) => T | Promise<T>): Promise<T> {
    this.#open();
    try {
      return await fn(this.#reader);
    } catch (e) {
      throw mapSqliteError(e);
    }
  }

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    this.#open();
    const waitStart = this.#observers.size > 0 ? performance.now() : 0;
    let release: () => void;
    try {
      release = await this.#mutex.acquire();
    } catch (e) {
      this.#notifyWait(waitStart, true);
      throw e;
    }
    this.#notifyWait(waitStart, false);
    let active = true;
    // A view of the writer that refuses use after the transaction ended.
    const tx = transactionView(this.#writer, () => active);
    // One transaction = one savepoint of the writer's open group (group-commit.ts): its
    // result is returned once the COMMIT covering it has returned.
    let kept = false;
    let result: T;
    try {
      try {
        this.#group.begin();
        result = await fn(tx);
        this.#group.keep();
        kept = true;
      } catch (e) {
        // Never leave a failed transaction's writes in the group: a failed fn or statement.
        this.#group.undo();
        throw e;
      } finally {
        active = false;
        await this.#group.end(release, kept);
      }
    } catch (e) {
      throw mapSqliteError(e, 'resource');
    }
    // Committed (the group's COMMIT covering it has returned): wake in-process readers of the outbox.
    for (const o of this.#observers) o.committed?.();
    return result;
  }

  #notifyWait(start: number, refused: boolean): void {
    if (this.#observers.size === 0) return;
    const ms = performance.now() - start;
    for (const o of this.#observers) o.writeWait?.(ms, refused);
  }

  /** A single write outside an explicit transaction is its own transaction. */
  #write<T>(fn: (ops: SqliteOps) => T | Promise<T>): Promise<T> {
    return this.transaction(async () => fn(this.#writer));
  }

  // StoreTx outside a transaction: reads on the reader, writes in their own transaction (outside-views.ts).
  readonly #views = outsideViews<SqliteOps>((fn) => this.#read(fn), (fn) => this.#write(fn));
  readonly users: PlatformUsers = this.#views.users;
  readonly roles: PlatformRoles = this.#views.roles;
  readonly webhooks: WebhookStore = this.#views.webhooks;
  getResource: StoreTx['getResource'] = (...a) => this.#read((o) => o.getResource(...a));
  existingIds: StoreTx['existingIds'] = (...a) => this.#read((o) => o.existingIds(...a));
  memberCount: StoreTx['memberCount'] = (...a) => this.#read((o) => o.memberCount(...a));
  readMembers: Store['readMembers'] = (t, g, p) => this.#read((o) => readMembers(o, t, g, p));
  // Outside a transaction an expensive list query may run on a reader worker; `tx.query`
  // stays on the writer connection (the transaction's own snapshot).
  query: StoreTx['query'] = (t, type, opts) => this.#read((o) => (this.#pool === undefined ? o.query(t, type, opts) : routeQuery(this.#pool, o, t, type, opts)));
  insertResource: StoreTx['insertResource'] = (...a) => this.#write((o) => o.insertResource(...a));
  updateResource: StoreTx['updateResource'] = (...a) => this.#write((o) => o.updateResource(...a));
  deleteResource: StoreTx['deleteResource'] = (...a) => this.#write((o) => o.deleteResource(...a));
  applyMembership: StoreTx['applyMembership'] = (...a) => this.#write((o) => o.applyMembership(...a));
  changeMembership: StoreTx['changeMembership'] = (...a) => this.#write((o) => o.changeMembership(...a));
  appendEvents: StoreTx['appendEvents'] = (...a) => this.#write((o) => o.appendEvents(...a));
  createTenant: StoreTx['createTenant'] = (...a) => this.#write((o) => o.createTenant(...a));
  insertApiKey: StoreTx['insertApiKey'] = (...a) => this.#write((o) => o.insertApiKey(...a));
  expireApiKeys: StoreTx['expireApiKeys'] = (...a) => this.#write((o) => o.expireApiKeys(...a));
  deleteTenant: StoreTx['deleteTenant'] = (...a) => this.#write((o) => o.deleteTenant(...a));
  expireApiKey: StoreTx['expireApiKey'] = (...a) => this.#write((o) => o.expireApiKey(...a));
  updateTenant: StoreTx['updateTenant'] = (...a) => this.#write((o) => o.updateTenant(...a));

  async touchApiKeys(uses: readonly { id: string; at: string }[]): Promise<void> {
    if (uses.length === 0) return;
    await this.#write(() => {
      // Only forward: two processes flushing out of order never move a key's time back.
      const stmt = this.#wstmts.get('UPDATE api_keys SET last_used_at = @at WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @at)');
      for (const u of uses) stmt.run({ at: u.at, id: u.id });
    });
  }

  async createTenantWithKey(t: Tenant, k: ApiKeyRecord): Promise<void> {
    await this.#write(async (o) => {
      await o.createTenant(t);
      await o.insertApiKey(k);
    });
  }

  getTenant(id: string): Promise<Tenant | undefined> {
    return this.#read(() => {
      const r = this.#rstmts.get('SELECT id, name, idp, created_at FROM tenants WHERE id = ?').get(id) as TenantRow | undefined;
      return r === undefined ? undefined : toTenant(r);
    });
  }

  listTenants(): Promise<Tenant[]> {
    return this.#read(() => (this.#rstmts.get('SELECT id, name, idp, created_at FROM tenants ORDER BY created_at, id').all() as TenantRow[]).map(toTenant));
  }

  async insertOperatorToken(t: OperatorTokenRecord): Promise<void> {
    await this.#write(() => {
      this.#wstmts.get('INSERT INTO operator_tokens (id, digest, created_at, revoked_at) VALUES (?, ?, ?, ?)').run(t.id, t.digest, t.createdAt, t.revokedAt);
    });
  }

  findOperatorToken(id: string): Promise<OperatorTokenRecord | undefined> {
    return this.#read(() => {
      const r = this.#rstmts.get('SELECT id, digest, created_at, revoked_at FROM operator_tokens WHERE id = ?').get(id) as
        | { id: string; digest: string; created_at: string; revoked_at: string | null }
        | undefined;
      return r === undefined ? undefined : { id: r.id, digest: r.digest, createdAt: r.created_at, revokedAt: r.revoked_at };
    });
  }

  findApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    return this.#read(() => {
      const r = this.#rstmts.get(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = ?`).get(id) as KeyRow | undefined;
      return r === undefined ? undefined : toKey(r);
    });
  }

  findApiKeyWithTenant(id: string): Promise<{ key: ApiKeyRecord; tenant: Tenant } | undefined> {
    return this.#read(() => {
      const r = this.#rstmts
        .get(
          `SELECT k.id, k.tenant_id, k.digest, k.last4, k.created_at, k.expires_at, k.last_used_at, t.name AS t_name, t.idp AS t_idp, t.created_at AS t_created_at
           FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.id = ?`,
        )
        .get(id) as (KeyRow & { t_name: string; t_idp: string; t_created_at: string }) | undefined;
      if (r === undefined) return undefined;
      return { key: toKey(r), tenant: toTenant({ id: r.tenant_id, name: r.t_name, idp: r.t_idp, created_at: r.t_created_at }) };
    });
  }

  listApiKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    return this.#read(() =>
      (this.#rstmts.get(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id`).all(tenantId) as KeyRow[]).map(toKey),
    );
  }

  async rotateApiKey(k: ApiKeyRecord, expireOthersAt: string): Promise<void> {
    await this.#write(async (o) => {
      await o.expireApiKeys(k.tenantId, expireOthersAt);
      await o.insertApiKey(k);
    });
  }

  async recordIgnoredInput(tenantId: string, items: readonly IgnoredItem[], at: string): Promise<void> {
    if (items.length === 0) return;
    await this.#write(() => recordIgnored(this.#wstmts, tenantId, items, at));
  }

  listIgnoredInput(tenantId: string): Promise<IgnoredInputRecord[]> {
    return this.#read(() => listIgnored(this.#rstmts, tenantId));
  }

  listAuditEvents(tenantId: string, page: AuditPage): Promise<AuditEvent[]> {
    return this.#read(() => listAudit(this.#rstmts, tenantId, page));
  }

  recordRequestStats(hours: readonly RequestHour[], errors: readonly RequestErrorRecord[]): Promise<void> {
    return this.#write(() => recordStats(this.#wstmts, hours, errors));
  }

  requestHealth(tenantId: string, sinceHour: string): Promise<{ hours: RequestHour[]; errors: RequestErrorRecord[] }> {
    return this.#read(() => readHealth(this.#rstmts, tenantId, sinceHour));
  }

  pruneAuditEvents(before: string, limit: number): Promise<number> {
    return this.#write(() => pruneAudit(this.#wstmts, before, limit));
  }

  listOutboxEvents(tenantId: string, page: EventPage): Promise<OutboxEvent[]> {
    return this.#read(() => listOutbox(this.#rstmts, tenantId, page));
  }

  readEventFeed(query: FeedQuery): Promise<FeedPage> {
    // One read transaction: the rows and the kept bounds from one snapshot (docs/events.md).
    return this.#read(() => this.#reader.db.transaction(() => readFeed(this.#rstmts, query))());
  }

  pruneOutboxEvents(before: string, limit: number, keepFrom?: number): Promise<number> {
    return this.#write(() => pruneOutbox(this.#wstmts, before, limit, keepFrom));
  }

  readonly subscribers: SubscriberCursors = {
    get: (name) => this.#read(() => subscriberCursor(this.#rstmts, name)),
    set: (name, gseq) => this.#write(() => setSubscriberCursor(this.#wstmts, name, gseq, new Date().toISOString())),
  };

  observe(observer: StoreObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  stats(): StoreStats {
    const pool = this.#pool?.stats();
    return { writeWaiting: this.#mutex.waiting, readQueued: pool?.queued ?? 0, readers: pool?.workers ?? 0 };
  }

  async secret(name: string): Promise<Buffer> {
    const existing = await this.#read(() => this.#rstmts.get('SELECT value FROM settings WHERE name = ?').get(name) as { value: Buffer } | undefined);
    if (existing !== undefined) return Buffer.from(existing.value);
    // INSERT OR IGNORE then SELECT: the first process to commit wins, everyone reads its value.
    return this.#write(() => {
      this.#wstmts.get('INSERT OR IGNORE INTO settings (name, value) VALUES (?, ?)').run(name, randomBytes(32));
      const row = this.#wstmts.get('SELECT value FROM settings WHERE name = ?').get(name) as { value: Buffer };
      return Buffer.from(row.value);
    });
  }

  recordServedUrl(url: string): Promise<void> {
    return this.#write(() => {
      this.#wstmts.get('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value')
        .run(SERVED_URL, Buffer.from(url, 'utf8'));
    });
  }

  async servedUrl(): Promise<string | undefined> {
    const row = await this.#read(() => this.#rstmts.get('SELECT value FROM settings WHERE name = ?').get(SERVED_URL) as { value: Buffer } | undefined);
    return row === undefined ? undefined : Buffer.from(row.value).toString('utf8');
  }

  ping(): Promise<void> {
    return this.#read(() => {
      this.#rstmts.get('SELECT 1').get();
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    const release = await this.#mutex.acquire({ bounded: false });
    try {
      this.#closed = true;
      this.#group.commitOpen();
      await this.#pool?.close();
      this.#reader.db.close();
      this.#writer.db.close();
    } finally {
      release();
    }
  }
}
