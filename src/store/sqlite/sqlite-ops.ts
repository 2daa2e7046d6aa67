/**
 * The StoreTx operations over one SQLite connection. The store uses one instance
 * on the writer connection (inside transactions) and one on the reader.
 */
import { uniqueness } from '../../scim/errors.ts';
import { foldCase } from '../../scim/schema/fold.ts';
import type { SchemaRegistry, ScimResource } from '../../scim/schema/types.ts';
import { buildSearchDoc, emailValues } from '../sql/search-doc.ts';
import { memberCount, runQuery } from './sqlite-query.ts';
import { DEFAULT_QUERY_LIMITS, RESOURCE_COLUMNS, rowToResource, SQL } from './sqlite-shared.ts';
import type { QueryLimits, ResourceRow, SqliteReader, UserGroup } from './sqlite-shared.ts';
import { StatementCache } from './connection.ts';
import type { SqliteDb } from './connection.ts';
import { QueryDeadlineExceeded } from './errors.ts';
import type { Transaction } from 'better-sqlite3';
import { appendEvents } from './events.ts';
import { SqlitePlatformUsers } from './platform-users.ts';
import { SqlitePlatformRoles } from './platform-roles.ts';
import { SqliteWebhooks } from './webhooks.ts';
import type { AuditEventInput, LoadedResource, MembershipChange, OutboxEventInput, QueryOptions, QueryResult, StoredResource, StoreTx } from '../store.ts';
import type { Member, MembershipDelta, ResourceKind } from '../../domain/resource.ts';
import type { ApiKeyRecord, IdpName, Tenant } from '../../domain/tenant.ts';

const CHUNK = 500;
const chunks = <T>(xs: readonly T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
};

function canonicalTime(t: string): string {
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? t : new Date(ms).toISOString();
}

/** Runs a resource write, turning a unique violation into 409 `uniqueness` naming the attribute (never the value). */
function uniqueNamed<T>(type: ResourceKind, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      // RFC 7644 §3.3: 409 uniqueness; RFC 7643 §4.1.1 userName / Roster's Group displayName.
      throw uniqueness(`${type === 'User' ? 'userName' : 'displayName'} is already in use in this tenant`);
    }
    throw e;
  }
}

export class SqliteOps implements StoreTx, SqliteReader {
  readonly db: SqliteDb;
  readonly stmts: StatementCache;
  readonly registry: SchemaRegistry;
  /** The platform side of Users (platform-users.ts). */
  readonly users: SqlitePlatformUsers;
  /** The platform side of Groups: roles and grants (platform-roles.ts). */
  readonly roles: SqlitePlatformRoles;
  /** Webhook endpoints and their delivery state (webhooks.ts). */
  readonly webhooks: SqliteWebhooks;

  readonly limits: QueryLimits;
  /** Runs a function in one transaction (`.deferred` for a read snapshot); built once, not per call. */
  readonly snapshot: Transaction<(fn: () => unknown) => unknown>;
  /** When the running query must stop (the clock of `limits.now`); Infinity outside queries. */
  #deadline = Number.POSITIVE_INFINITY;

  constructor(db: SqliteDb, registry: SchemaRegistry, limits: QueryLimits = DEFAULT_QUERY_LIMITS) {
    this.db = db;
    this.snapshot = db.transaction((fn: () => unknown): unknown => fn());
    this.stmts = new StatementCache(db);
    this.users = new SqlitePlatformUsers(this.stmts);
    this.roles = new SqlitePlatformRoles(this.stmts);
    this.webhooks = new SqliteWebhooks(this.stmts);
    this.registry = registry;
    this.limits = limits;
    // better-sqlite3 is synchronous and cannot interrupt a statement: compiled queries
    // call this once per candidate row (docs/storage.md "Query deadline"), and the
    // exception it throws makes SQLite abandon the statement. Not deterministic, so
    // SQLite never hoists it out of the loop; the rowid argument ties it to the row.
    db.function('scim_live', { deterministic: false, directOnly: true }, (_rowid: unknown) => {
      if (this.limits.now() > this.#deadline) throw new QueryDeadlineExceeded(this.limits.queryTimeoutMs);
      return 1;
    });
  }

  /** Runs `fn` (one query's statements) under a deadline of `limits.queryTimeoutMs` from now. */
  withDeadline<T>(fn: () => T): T {
    const outer = this.#deadline;
    this.#deadline = Math.min(outer, this.limits.now() + this.limits.queryTimeoutMs);
    try {
      return fn();
    } finally {
      this.#deadline = outer;
    }
  }

  /** The columns derived from a resource body: search doc, name_fold, external_id. */
  #derived(type: ResourceKind, data: ScimResource): { search: Record<string, unknown>; nameFold: string | null; externalId: string | null } {
    const rs = this.registry.resourceSchema(type);
    const search = buildSearchDoc(rs, data);
    const name = type === 'User' ? data['userName'] : data['displayName'];
    const externalId = data['externalId'];
    return {
      search,
      nameFold: typeof name === 'string' ? foldCase(name) : null,
      externalId: typeof externalId === 'string' ? externalId : null,
    };
  }

  #writeEmails(tenantId: string, id: string, search: Record<string, unknown>, replace: boolean): void {
    if (replace) this.stmts.get('DELETE FROM email_values WHERE tenant_id = ? AND resource_id = ?').run(tenantId, id);
    const ins = this.stmts.get('INSERT OR IGNORE INTO email_values (tenant_id, resource_id, value_fold) VALUES (?, ?, ?)');
    for (const v of emailValues(search)) ins.run(tenantId, id, v);
  }

  loadMembers(tenantId: string, groupIds: readonly string[]): Map<string, Member[]> {
    const out = new Map<string, Member[]>(groupIds.map((g) => [g, []]));
    if (groupIds.length === 0) return out;
    const rows = this.stmts
      .get(
        'SELECT group_id, member_id, member_type, display FROM members WHERE tenant_id = ? AND group_id IN (SELECT value FROM json_each(?)) ORDER BY group_id, member_id',
      )
      .all(tenantId, JSON.stringify(groupIds)) as { group_id: string; member_id: string; member_type: ResourceKind; display: string | null }[];
    for (const r of rows) {
      const m: Member = r.display === null ? { value: r.member_id, type: r.member_type } : { value: r.member_id, type: r.member_type, display: r.display };
      out.get(r.group_id)?.push(m);
    }
    return out;
  }

  loadGroups(tenantId: string, memberIds: readonly string[]): Map<string, UserGroup[]> {
    const out = new Map<string, UserGroup[]>(memberIds.map((m) => [m, []]));
    if (memberIds.length === 0) return out;
    const rows = this.stmts
      .get(
        `SELECT m.member_id, m.group_id, json_extract(g.data, '$.displayName') AS display
         FROM members m JOIN resources g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
         WHERE m.tenant_id = ? AND m.member_id IN (SELECT value FROM json_each(?)) ORDER BY m.member_id, m.group_id`,
      )
      .all(tenantId, JSON.stringify(memberIds)) as { member_id: string; group_id: string; display: unknown }[];
    for (const r of rows) {
      const g: UserGroup = typeof r.display === 'string' ? { value: r.group_id, display: r.display, type: 'direct' } : { value: r.group_id, type: 'direct' };
      out.get(r.member_id)?.push(g);
    }
    return out;
  }

  async getResource(
    tenantId: string,
    type: ResourceKind,
    id: string,
    opts: { withMembers: boolean; withGroups: boolean },
  ): Promise<LoadedResource | undefined> {
    const row = this.stmts
      .get(`SELECT ${RESOURCE_COLUMNS} FROM resources r WHERE r.tenant_id = ? AND r.id = ? AND r.type = ?`)
      .get(tenantId, id, type) as ResourceRow | undefined;
    if (row === undefined) return undefined;
    const res = rowToResource(row);
    if (type === 'Group' && opts.withMembers) return { ...res, members: this.loadMembers(tenantId, [id]).get(id) ?? [] };
    if (type === 'User' && opts.withGroups) return { ...res, groups: this.loadGroups(tenantId, [id]).get(id) ?? [] };
    return res;
  }

  async insertResource(r: StoredResource): Promise<void> {
    uniqueNamed(r.type, () => this.#insert(r));
  }

  #insert(r: StoredResource): void {
    const d = this.#derived(r.type, r.data);
    this.stmts
      .get(
        `INSERT INTO resources (tenant_id, type, id, data, search, version, created, last_modified, name_fold, external_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(r.tenantId, r.type, r.id, JSON.stringify(r.data), JSON.stringify(d.search), r.version, canonicalTime(r.created), canonicalTime(r.lastModified), d.nameFold, d.externalId);
    this.#writeEmails(r.tenantId, r.id, d.search, false);
  }

  async updateResource(r: StoredResource, expectedVersion: number): Promise<boolean> {
    return uniqueNamed(r.type, () => this.#update(r, expectedVersion));
  }

  #update(r: StoredResource, expectedVersion: number): boolean {
    const d = this.#derived(r.type, r.data);
    const info = this.stmts
      .get(
        `UPDATE resources SET data = ?, search = ?, version = ?, last_modified = ?, name_fold = ?, external_id = ?
         WHERE tenant_id = ? AND type = ? AND id = ? AND version = ?`,
      )
      .run(JSON.stringify(r.data), JSON.stringify(d.search), r.version, canonicalTime(r.lastModified), d.nameFold, d.externalId, r.tenantId, r.type, r.id, expectedVersion);
    if (info.changes !== 1) return false;
    this.#writeEmails(r.tenantId, r.id, d.search, true);
    return true;
  }

  async deleteResource(tenantId: string, type: ResourceKind, id: string): Promise<boolean> {
    // ON DELETE CASCADE removes its member rows (as group and as member) and email values.
    return this.stmts.get('DELETE FROM resources WHERE tenant_id = ? AND type = ? AND id = ?').run(tenantId, type, id).changes > 0;
  }

  async applyMembership(tenantId: string, groupId: string, delta: MembershipDelta): Promise<boolean> {
    const c = this.#membership(tenantId, groupId, delta);
    return c.added.length + c.removed.length > 0;
  }

  async changeMembership(tenantId: string, groupId: string, delta: MembershipDelta): Promise<MembershipChange> {
    return this.#membership(tenantId, groupId, delta);
  }

  #membership(tenantId: string, groupId: string, delta: MembershipDelta): MembershipChange {
    const added: string[] = [];
    const removed: string[] = [];
    const del = this.stmts.get(
      'DELETE FROM members WHERE tenant_id = ? AND group_id = ? AND member_id IN (SELECT value FROM json_each(?)) RETURNING member_id',
    );
    const ins = this.stmts.get('INSERT OR IGNORE INTO members (tenant_id, group_id, member_id, member_type, display) VALUES (?, ?, ?, ?, ?)');
    const insert = (ms: readonly Member[]): void => {
      for (const m of ms) if (ins.run(tenantId, groupId, m.value, m.type, m.display ?? null).changes > 0) added.push(m.value);
    };
    const remove = (ids: readonly string[]): void => {
      for (const c of chunks(ids)) for (const r of del.all(tenantId, groupId, JSON.stringify(c)) as { member_id: string }[]) removed.push(r.member_id);
    };
    if (delta.replace !== undefined) {
      // The difference, not delete-all + insert: unchanged members keep their rows.
      const want = new Set(delta.replace.map((m) => m.value));
      const have = (this.stmts.get('SELECT member_id FROM members WHERE tenant_id = ? AND group_id = ?').all(tenantId, groupId) as { member_id: string }[]).map(
        (r) => r.member_id,
      );
      remove(have.filter((id) => !want.has(id)));
      insert(delta.replace);
    }
    remove(delta.remove);
    insert(delta.add);
    return { added, removed };
  }

  async memberCount(tenantId: string, groupId: string): Promise<number> {
    return memberCount(this, tenantId, groupId);
  }

  async existingIds(tenantId: string, ids: readonly string[]): Promise<Map<string, ResourceKind>> {
    const out = new Map<string, ResourceKind>();
    if (ids.length === 1) {
      // The common case (one member added): a primary-key point lookup.
      const r = this.stmts.get(SQL.idKind).get(tenantId, ids[0]) as { id: string; type: ResourceKind } | undefined;
      if (r !== undefined) out.set(r.id, r.type);
      return out;
    }
    // CROSS JOIN fixes the join order: json_each outside, one primary-key lookup per id inside.
    // (`id IN (SELECT value FROM json_each(?))` is planned as a scan of the tenant's index.)
    const stmt = this.stmts.get(SQL.idKinds);
    for (const c of chunks(ids)) {
      for (const r of stmt.all(JSON.stringify(c), tenantId) as { id: string; type: ResourceKind }[]) out.set(r.id, r.type);
    }
    return out;
  }

  async query(tenantId: string, type: ResourceKind, opts: QueryOptions): Promise<QueryResult> {
    return runQuery(this, tenantId, type, opts);
  }

  async appendEvents(tenantId: string, audit: readonly AuditEventInput[], outbox: readonly OutboxEventInput[]): Promise<void> {
    appendEvents(this.stmts, tenantId, audit, outbox);
  }

  async createTenant(t: Tenant): Promise<void> {
    this.stmts.get('INSERT INTO tenants (id, name, idp, created_at) VALUES (?, ?, ?, ?)').run(t.id, t.name, t.idp, t.createdAt);
  }

  async insertApiKey(k: ApiKeyRecord): Promise<void> {
    this.stmts
      .get('INSERT INTO api_keys (id, tenant_id, digest, last4, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(k.id, k.tenantId, k.digest, k.last4, k.createdAt, k.expiresAt);
  }

  async expireApiKeys(tenantId: string, at: string): Promise<ApiKeyRecord[]> {
    const sql = `UPDATE api_keys SET expires_at = ? WHERE tenant_id = ? AND (expires_at IS NULL OR expires_at > ?)
                 RETURNING ${KEY_COLUMNS}`;
    return (this.stmts.get(sql).all(at, tenantId, at) as KeyRow[]).map(toKey);
  }

  async expireApiKey(tenantId: string, keyId: string, at: string): Promise<ApiKeyRecord | undefined> {
    const sql = `UPDATE api_keys SET expires_at = ? WHERE tenant_id = ? AND id = ? AND (expires_at IS NULL OR expires_at > ?) RETURNING ${KEY_COLUMNS}`;
    const r = this.stmts.get(sql).get(at, tenantId, keyId, at) as KeyRow | undefined;
    return r === undefined ? undefined : toKey(r);
  }

  async updateTenant(id: string, change: { name?: string; idp?: IdpName }): Promise<boolean> {
    const sql = 'UPDATE tenants SET name = coalesce(?, name), idp = coalesce(?, idp) WHERE id = ?';
    return this.stmts.get(sql).run(change.name ?? null, change.idp ?? null, id).changes > 0;
  }

  async deleteTenant(id: string): Promise<boolean> {
    // ON DELETE CASCADE: keys, resources, and through them members and email values.
    return this.stmts.get('DELETE FROM tenants WHERE id = ?').run(id).changes > 0;
  }
}

/** An api_keys row. */
export type KeyRow = { id: string; tenant_id: string; digest: string; last4: string; created_at: string; expires_at: string | null; last_used_at: string | null };

/** The api_keys columns `KeyRow` is read from. */
export const KEY_COLUMNS = 'id, tenant_id, digest, last4, created_at, expires_at, last_used_at';

/** The record of an api_keys row. */
export const toKey = (r: KeyRow): ApiKeyRecord => ({
  id: r.id,
  tenantId: r.tenant_id,
  digest: r.digest,
  last4: r.last4,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  ...(r.last_used_at !== null ? { lastUsedAt: r.last_used_at } : {}),
});
