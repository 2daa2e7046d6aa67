/**
 * The PostgreSQL store (PostgreSQL 14+ through `pg`): the whole Store contract on a
 * bounded connection pool (docs/storage.md "PostgreSQL").
 *
 * - `transaction` runs one PostgreSQL transaction (READ COMMITTED) on one connection;
 *   uniqueness is the unique indexes', lost updates are prevented by row locks
 *   (`pg-ops.ts`). A serialization failure or deadlock (40001, 40P01) runs the whole
 *   transaction again, at most `TX_ATTEMPTS` times, then answers 503.
 * - Reads outside a transaction run on any pooled connection; a list query runs in one
 *   REPEATABLE READ READ ONLY snapshot (its count, page and members agree).
 * - Every statement is bounded by `statement_timeout` (`--query-timeout`), a new
 *   connection by `connectionTimeoutMillis` (`--pg-connect-timeout`): a database that is
 *   down, restarting or overloaded answers 503 with Retry-After, never a hang or a 500,
 *   and the pool reconnects by itself once it is back.
 * - Observers (`pg-session.ts`) hear each committed write transaction and each write's
 *   wait for a pooled connection; the event feed's `gseq` follows commit order through
 *   the one `event_feed` counter row (`pg-events.ts`, docs/storage.md "PostgreSQL").
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { serviceUnavailable } from '../../scim/errors.ts';
import type { SchemaRegistry } from '../../scim/schema/types.ts';
import { DEFAULT_FILTER_MAX_COST } from '../sql/filter-cost.ts';
import type { IgnoredInputRecord, IgnoredItem } from '../../domain/ignored-input.ts';
import type { ApiKeyRecord, IdpName, Tenant } from '../../domain/tenant.ts';
import type {
  AuditEvent, AuditPage, EventPage, FeedPage, FeedQuery, MemberPage, OperatorTokenRecord, OutboxEvent, PlatformRoles, PlatformUsers,
  RequestErrorRecord, RequestHour, Store, StoreObserver, StoreStats, StoreTx, SubscriberCursors,
} from '../store.ts';
import { isRetryable, mapPgError } from './pg-errors.ts';
import { listPgAudit, listPgOutbox, pgSubscriberCursor, prunePgAudit, prunePgOutbox, readPgFeed, setPgSubscriberCursor } from './pg-events.ts';
import { migratePg } from './pg-migrate.ts';
import { PG_KEY_COLUMNS, PgOps, toKey } from './pg-ops.ts';
import type { PgKeyRow } from './pg-ops.ts';
import { readPgMembers } from './pg-query.ts';
import { listPgIgnored, readPgHealth, recordPgIgnored, recordPgStats } from './pg-records.ts';
import { PgSessions, SNAPSHOT, WRITE } from './pg-session.ts';
import { sqlOf } from './pg-sql.ts';
import type { Sql } from './pg-sql.ts';
import type { WebhookStore } from '../webhooks.ts';
import { outsideViews, transactionView } from '../outside-views.ts';

/** Attempts of one transaction when PostgreSQL reports a serialization failure or a deadlock. */
export const TX_ATTEMPTS = 3;
/** Default `--pg-pool-max`. */
export const DEFAULT_POOL_MAX = 10;
/** Default `--pg-connect-timeout` in ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

export interface PgStoreOptions {
  /** `postgres://` or `postgresql://` URL (libpq form; `pg` reads it). */
  readonly url: string;
  readonly registry: SchemaRegistry;
  /** Most connections this process opens (default 10). */
  readonly poolMax?: number;
  /** Longest wait for a connection, new or pooled, in ms (default 5000); past it 503. */
  readonly connectTimeoutMs?: number;
  /** `statement_timeout` of every statement in ms (default 2000); past it 503. */
  readonly queryTimeoutMs?: number;
  /** Largest compiled filter cost (default 100); past it 400 `invalidFilter`. */
  readonly filterMaxCost?: number;
}

/** The PostgreSQL store, with its pool for what reports on it. */
export interface PgStore extends Store {
  readonly dialect: 'postgres';
  /** Connections: total, idle, and requests waiting for one. */
  poolStats(): { total: number; idle: number; waiting: number };
}

type TenantRow = { id: string; name: string; idp: string; created_at: string };
const toTenant = (r: TenantRow): Tenant => ({ id: r.id, name: r.name, idp: r.idp as IdpName, createdAt: r.created_at });
const SERVED_URL = 'served_public_url';

/** bigint (int8) columns as numbers: counters and sequences stay far below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Opens the pool and applies the migrations (under the advisory lock). */
export async function openPgStore(opts: PgStoreOptions): Promise<PgStore> {
  const queryTimeoutMs = opts.queryTimeoutMs ?? 2000;
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolMax ?? DEFAULT_POOL_MAX,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    statement_timeout: queryTimeoutMs,
    // A transaction left open by a vanished client is ended by the server.
    idle_in_transaction_session_timeout: 60_000,
    application_name: 'roster',
    types,
  });
  // An idle connection the server closes (restart, failover) is dropped from the pool;
  // without a listener the error would end the process.
  pool.on('error', () => undefined);
  try {
    await migratePg(pool);
  } catch (e) {
    await pool.end();
    throw e;
  }
  return new PgStoreImpl(pool, opts.registry, opts.filterMaxCost ?? DEFAULT_FILTER_MAX_COST, queryTimeoutMs);
}

class PgStoreImpl implements PgStore {
  readonly dialect = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #sql: Sql;
  readonly #reader: PgOps;
  readonly #registry: SchemaRegistry;
  readonly #filterMaxCost: number;
  readonly #timeoutMs: number;
  readonly #sessions: PgSessions;
  #closed = false;

  constructor(pool: pg.Pool, registry: SchemaRegistry, filterMaxCost: number, timeoutMs: number) {
    this.#pool = pool;
    this.#sql = sqlOf(pool);
    this.#registry = registry;
    this.#filterMaxCost = filterMaxCost;
    this.#timeoutMs = timeoutMs;
    this.#reader = new PgOps(this.#sql, registry, filterMaxCost, false);
    this.#sessions = new PgSessions(pool, (e) => this.#map(e));
  }

  poolStats(): { total: number; idle: number; waiting: number } {
    return { total: this.#pool.totalCount, idle: this.#pool.idleCount, waiting: this.#pool.waitingCount };
  }

  /** Throws 503 once closed; every caller is async, so it is a rejection, never a synchronous throw. */
  #open(): void {
    if (this.#closed) throw serviceUnavailable('The store is closed');
  }

  #map(e: unknown): unknown {
    return mapPgError(e, 'resource', this.#timeoutMs);
  }

  async #read<T>(fn: (ops: PgOps) => Promise<T>): Promise<T> {
    this.#open();
    try {
      return await fn(this.#reader);
    } catch (e) {
      throw this.#map(e);
    }
  }

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    this.#open();
    for (let attempt = 1; ; attempt++) {
      let active = true;
      try {
        return await this.#sessions.run(WRITE, async (sql) => {
          const w = new PgOps(sql, this.#registry, this.#filterMaxCost, true);
          const tx = transactionView(w, () => active);
          try {
            return await fn(tx);
          } finally {
            active = false;
          }
        });
      } catch (e) {
        // The unit of work builds its rows inside `fn`, so running it again is safe.
        if (isRetryable(e) && attempt < TX_ATTEMPTS) continue;
        throw this.#map(e);
      }
    }
  }

  /** A single write in its own transaction, on the transaction's own operations. */
  async #writeOps<T>(fn: (ops: PgOps) => Promise<T>): Promise<T> {
    this.#open();
    return this.#retrying(() => this.#sessions.run(WRITE, (sql) => fn(new PgOps(sql, this.#registry, this.#filterMaxCost, true))));
  }

  async #retrying<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (e) {
        if (isRetryable(e) && attempt < TX_ATTEMPTS) continue;
        throw this.#map(e);
      }
    }
  }

  // Outside a transaction: reads on the pool, each write in its own transaction (outside-views.ts).
  readonly #views = outsideViews<PgOps>((fn) => this.#read(async (o) => fn(o)), (fn) => this.#writeOps(async (o) => fn(o)));
  readonly users: PlatformUsers = this.#views.users;
  readonly roles: PlatformRoles = this.#views.roles;
  readonly webhooks: WebhookStore = this.#views.webhooks;
  getResource: StoreTx['getResource'] = (...a) => this.#read((o) => o.getResource(...a));
  existingIds: StoreTx['existingIds'] = (...a) => this.#read((o) => o.existingIds(...a));
  memberCount: StoreTx['memberCount'] = (...a) => this.#read((o) => o.memberCount(...a));
  // One statement for the count, the page and its relations: one snapshot (pg-list.ts).
  query: StoreTx['query'] = (...a) => this.#read((o) => o.query(...a));
  insertResource: StoreTx['insertResource'] = (...a) => this.#writeOps((o) => o.insertResource(...a));
  updateResource: StoreTx['updateResource'] = (...a) => this.#writeOps((o) => o.updateResource(...a));
  deleteResource: StoreTx['deleteResource'] = (...a) => this.#writeOps((o) => o.deleteResource(...a));
  applyMembership: StoreTx['applyMembership'] = (...a) => this.#writeOps((o) => o.applyMembership(...a));
  changeMembership: StoreTx['changeMembership'] = (...a) => this.#writeOps((o) => o.changeMembership(...a));
  appendEvents: StoreTx['appendEvents'] = (...a) => this.#writeOps((o) => o.appendEvents(...a));
  createTenant: StoreTx['createTenant'] = (...a) => this.#writeOps((o) => o.createTenant(...a));
  insertApiKey: StoreTx['insertApiKey'] = (...a) => this.#writeOps((o) => o.insertApiKey(...a));
  expireApiKeys: StoreTx['expireApiKeys'] = (...a) => this.#writeOps((o) => o.expireApiKeys(...a));
  deleteTenant: StoreTx['deleteTenant'] = (...a) => this.#writeOps((o) => o.deleteTenant(...a));
  expireApiKey: StoreTx['expireApiKey'] = (...a) => this.#writeOps((o) => o.expireApiKey(...a));
  updateTenant: StoreTx['updateTenant'] = (...a) => this.#writeOps((o) => o.updateTenant(...a));

  async touchApiKeys(uses: readonly { id: string; at: string }[]): Promise<void> {
    if (uses.length === 0) return;
    // One statement for the batch; only forward, so two processes flushing out of order
    // never move a key's time back (the latest of a batch's repeats wins).
    await this.#writeOps((o) => o.sql.count(
      `UPDATE api_keys k SET last_used_at = u.at
       FROM (SELECT id, max(at COLLATE "C") AS at FROM unnest($1::text[], $2::text[]) AS v(id, at) GROUP BY id) u
       WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.at)`,
      [uses.map((u) => u.id), uses.map((u) => u.at)],
    ));
  }

  async readMembers(tenantId: string, groupId: string, page: { after?: string; limit: number }): Promise<MemberPage | undefined> {
    this.#open();
    return this.#retrying(() => this.#sessions.run(SNAPSHOT, (sql) => readPgMembers(sql, tenantId, groupId, page)));
  }

  async createTenantWithKey(t: Tenant, k: ApiKeyRecord): Promise<void> {
    await this.#writeOps(async (o) => {
      await o.createTenant(t);
      await o.insertApiKey(k);
    });
  }

  getTenant(id: string): Promise<Tenant | undefined> {
    return this.#read(async () => {
      const [r] = await this.#sql.rows<TenantRow>('SELECT id, name, idp, created_at FROM tenants WHERE id = $1', [id]);
      return r === undefined ? undefined : toTenant(r);
    });
  }

  listTenants(): Promise<Tenant[]> {
    return this.#read(async () => (await this.#sql.rows<TenantRow>('SELECT id, name, idp, created_at FROM tenants ORDER BY created_at, id')).map(toTenant));
  }

  async insertOperatorToken(t: OperatorTokenRecord): Promise<void> {
    await this.#writeOps((o) => o.sql.count('INSERT INTO operator_tokens (id, digest, created_at, revoked_at) VALUES ($1, $2, $3, $4)', [t.id, t.digest, t.createdAt, t.revokedAt]));
  }

  findOperatorToken(id: string): Promise<OperatorTokenRecord | undefined> {
    return this.#read(async () => {
      const [r] = await this.#sql.rows<{ id: string; digest: string; created_at: string; revoked_at: string | null }>(
        'SELECT id, digest, created_at, revoked_at FROM operator_tokens WHERE id = $1', [id],
      );
      return r === undefined ? undefined : { id: r.id, digest: r.digest, createdAt: r.created_at, revokedAt: r.revoked_at };
    });
  }

  findApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    return this.#read(async () => {
      const [r] = await this.#sql.rows<PgKeyRow>(`SELECT ${PG_KEY_COLUMNS} FROM api_keys WHERE id = $1`, [id]);
      return r === undefined ? undefined : toKey(r);
    });
  }

  findApiKeyWithTenant(id: string): Promise<{ key: ApiKeyRecord; tenant: Tenant } | undefined> {
    return this.#read(async () => {
      const [r] = await this.#sql.rows<PgKeyRow & { t_name: string; t_idp: string; t_created_at: string }>(
        `SELECT k.id, k.tenant_id, k.digest, k.last4, k.created_at, k.expires_at, k.last_used_at, t.name AS t_name, t.idp AS t_idp, t.created_at AS t_created_at
         FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.id = $1`, [id],
      );
      if (r === undefined) return undefined;
      return { key: toKey(r), tenant: toTenant({ id: r.tenant_id, name: r.t_name, idp: r.t_idp, created_at: r.t_created_at }) };
    });
  }

  listApiKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    return this.#read(async () =>
      (await this.#sql.rows<PgKeyRow>(`SELECT ${PG_KEY_COLUMNS} FROM api_keys WHERE tenant_id = $1 ORDER BY created_at, id`, [tenantId])).map(toKey));
  }

  async rotateApiKey(k: ApiKeyRecord, expireOthersAt: string): Promise<void> {
    await this.#writeOps(async (o) => {
      await o.expireApiKeys(k.tenantId, expireOthersAt);
      await o.insertApiKey(k);
    });
  }

  async recordIgnoredInput(tenantId: string, items: readonly IgnoredItem[], at: string): Promise<void> {
    if (items.length === 0) return;
    await this.#writeOps((o) => recordPgIgnored(o.sql, tenantId, items, at));
  }

  listIgnoredInput(tenantId: string): Promise<IgnoredInputRecord[]> {
    return this.#read(() => listPgIgnored(this.#sql, tenantId));
  }

  listAuditEvents(tenantId: string, page: AuditPage): Promise<AuditEvent[]> {
    return this.#read(() => listPgAudit(this.#sql, tenantId, page));
  }

  recordRequestStats(hours: readonly RequestHour[], errors: readonly RequestErrorRecord[]): Promise<void> {
    return this.#writeOps((o) => recordPgStats(o.sql, hours, errors));
  }

  requestHealth(tenantId: string, sinceHour: string): Promise<{ hours: RequestHour[]; errors: RequestErrorRecord[] }> {
    return this.#read(() => readPgHealth(this.#sql, tenantId, sinceHour));
  }

  pruneAuditEvents(before: string, limit: number): Promise<number> {
    return this.#writeOps((o) => prunePgAudit(o.sql, before, limit));
  }

  listOutboxEvents(tenantId: string, page: EventPage): Promise<OutboxEvent[]> {
    return this.#read(() => listPgOutbox(this.#sql, tenantId, page));
  }

  async readEventFeed(query: FeedQuery): Promise<FeedPage> {
    this.#open();
    // One snapshot: the rows and the kept bounds agree (docs/events.md).
    return this.#retrying(() => this.#sessions.run(SNAPSHOT, (sql) => readPgFeed(sql, query)));
  }

  pruneOutboxEvents(before: string, limit: number, keepFrom?: number): Promise<number> {
    return this.#writeOps((o) => prunePgOutbox(o.sql, before, limit, keepFrom));
  }

  readonly subscribers: SubscriberCursors = {
    get: (name) => this.#read(() => pgSubscriberCursor(this.#sql, name)),
    set: (name, gseq) => this.#writeOps((o) => setPgSubscriberCursor(o.sql, name, gseq, new Date().toISOString())),
  };

  observe(observer: StoreObserver): () => void {
    return this.#sessions.observe(observer);
  }

  stats(): StoreStats {
    return this.#sessions.stats();
  }

  async secret(name: string): Promise<Buffer> {
    const read = async (sql: Sql) => (await sql.rows<{ value: Buffer }>('SELECT value FROM settings WHERE name = $1', [name]))[0];
    const existing = await this.#read(() => read(this.#sql));
    if (existing !== undefined) return Buffer.from(existing.value);
    // Insert-if-absent then read: the first process to commit wins, every process reads its value.
    return this.#writeOps(async (o) => {
      await o.sql.count('INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, randomBytes(32)]);
      const row = await read(o.sql);
      if (row === undefined) throw new Error(`secret ${name} was not stored`);
      return Buffer.from(row.value);
    });
  }

  async recordServedUrl(url: string): Promise<void> {
    await this.#writeOps((o) => o.sql.count('INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value', [SERVED_URL, Buffer.from(url, 'utf8')]));
  }

  async servedUrl(): Promise<string | undefined> {
    const [row] = await this.#read(() => this.#sql.rows<{ value: Buffer }>('SELECT value FROM settings WHERE name = $1', [SERVED_URL]));
    return row === undefined ? undefined : Buffer.from(row.value).toString('utf8');
  }

  async ping(): Promise<void> {
    await this.#read(() => this.#sql.rows('SELECT 1'));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
