/**
 * The StoreTx operations over PostgreSQL: one instance on the pool (reads outside a
 * transaction) and one per transaction on its client. Uniqueness is the unique
 * indexes' (resources_name, the primary keys): an insert that loses a race between
 * processes inserts nothing and answers 409, never a second row.
 */
import { uniqueness } from '../../scim/errors.ts';
import { foldCase } from '../../scim/schema/fold.ts';
import type { SchemaRegistry, ScimResource } from '../../scim/schema/types.ts';
import { buildSearchDoc, emailValues } from '../sql/search-doc.ts';
import { RESOURCE_COLUMNS } from '../sql/plan-query.ts';
import { appendPgEvents } from './pg-events.ts';
import { PgPlatformRoles } from './pg-platform-roles.ts';
import { PgPlatformUsers } from './pg-platform-users.ts';
import { PgWebhooks } from './pg-webhooks.ts';
import { loadGroups, loadMembers, runPgQuery } from './pg-query.ts';
import { readPgResource } from './pg-list.ts';
import type { PgResourceRow } from './pg-query.ts';
import { encodeDeep } from './pg-text.ts';
import { pgCode } from './pg-errors.ts';
import type { Sql } from './pg-sql.ts';
import type { AuditEventInput, LoadedResource, MembershipChange, OutboxEventInput, QueryOptions, QueryResult, StoredResource, StoreTx } from '../store.ts';
import type { Member, MembershipDelta, ResourceKind } from '../../domain/resource.ts';
import type { ApiKeyRecord, IdpName, Tenant } from '../../domain/tenant.ts';

function canonicalTime(t: string): string {
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? t : new Date(ms).toISOString();
}

/** RFC 7644 §3.3: 409 uniqueness naming the attribute (RFC 7643 §4.1.1 userName / Roster's Group displayName), never the value. */
const taken = (type: ResourceKind) => uniqueness(`${type === 'User' ? 'userName' : 'displayName'} is already in use in this tenant`);

/** An api_keys row. */
export type PgKeyRow = { id: string; tenant_id: string; digest: string; last4: string; created_at: string; expires_at: string | null; last_used_at: string | null };

/** The api_keys columns `PgKeyRow` is read from. */
export const PG_KEY_COLUMNS = 'id, tenant_id, digest, last4, created_at, expires_at, last_used_at';

/** The record of an api_keys row; `lastUsedAt` only when set (as the SQLite store). */
export const toKey = (r: PgKeyRow): ApiKeyRecord => ({
  id: r.id, tenantId: r.tenant_id, digest: r.digest, last4: r.last4, createdAt: r.created_at, expiresAt: r.expires_at,
  ...(r.last_used_at !== null ? { lastUsedAt: r.last_used_at } : {}),
});

/** A `resources` row as the Store contract returns it (the body parsed). */
export const rowToResource = (row: PgResourceRow): StoredResource => ({
  tenantId: row.tenant_id, type: row.type, id: row.id, data: JSON.parse(row.data) as ScimResource, version: row.version, created: row.created, lastModified: row.last_modified,
});

/** The platform_users columns a SCIM write derives from a User (SQLite's migration 8 triggers). */
function platformColumns(data: ScimResource): { status: 'active' | 'inactive'; userName: string } {
  const userName = data['userName'];
  return { status: data['active'] === false ? 'inactive' : 'active', userName: typeof userName === 'string' ? userName : '' };
}

export class PgOps implements StoreTx {
  readonly sql: Sql;
  readonly registry: SchemaRegistry;
  readonly filterMaxCost: number;
  /** Inside a write transaction: resource reads lock the row (see `getResource`). */
  readonly #inTx: boolean;
  /** Rows this transaction has locked (`tenant id NUL id`): a second lock of one is a wasted round trip. */
  readonly #locked = new Set<string>();
  /**
   * Member counts (`tenant id NUL group id`) the last membership insert of this transaction
   * read back in its own statement; any later member change drops them.
   */
  readonly #counts = new Map<string, number>();
  readonly users: PgPlatformUsers;
  readonly roles: PgPlatformRoles;
  /**
   * Webhook endpoints and their delivery state (pg-webhooks.ts), as `SqliteOps.webhooks`;
   * the store exposes it once the `WebhookStore` interface and its migration are wired.
   */
  readonly webhooks: PgWebhooks;

  constructor(sql: Sql, registry: SchemaRegistry, filterMaxCost: number, inTx: boolean) {
    this.sql = sql;
    this.registry = registry;
    this.filterMaxCost = filterMaxCost;
    this.#inTx = inTx;
    this.users = new PgPlatformUsers(sql);
    this.roles = new PgPlatformRoles(sql);
    this.webhooks = new PgWebhooks(sql);
  }

  #derived(type: ResourceKind, data: ScimResource): { search: string; emails: string[]; nameFold: string | null; externalId: string | null } {
    const search = buildSearchDoc(this.registry.resourceSchema(type), data);
    const name = type === 'User' ? data['userName'] : data['displayName'];
    const externalId = data['externalId'];
    return {
      search: JSON.stringify(encodeDeep(search)),
      emails: emailValues(search),
      nameFold: typeof name === 'string' ? foldCase(name) : null,
      externalId: typeof externalId === 'string' ? externalId : null,
    };
  }

  /**
   * Inside a write transaction the row is read `FOR NO KEY UPDATE`: a unit of work reads
   * what it is about to change, so writers of one resource (and of one group's members)
   * queue on its row lock across processes instead of losing an update; foreign-key
   * checks of new member rows are not blocked by it.
   */
  async getResource(tenantId: string, type: ResourceKind, id: string, opts: { withMembers: boolean; withGroups: boolean }): Promise<LoadedResource | undefined> {
    // Outside a transaction: the row and its relations in one statement (one snapshot).
    if (!this.#inTx) return readPgResource(this.sql, tenantId, type, id, opts);
    const lock = ' FOR NO KEY UPDATE';
    const [row] = await this.sql.rows<PgResourceRow>(`SELECT ${RESOURCE_COLUMNS} FROM resources r WHERE r.tenant_id = $1 AND r.id = $2 AND r.type = $3${lock}`, [tenantId, id, type]);
    if (row === undefined) return undefined;
    this.#locked.add(`${tenantId}\u0000${id}`);
    const res = rowToResource(row);
    if (type === 'Group' && opts.withMembers) return { ...res, members: (await loadMembers(this.sql, tenantId, [id])).get(id) ?? [] };
    if (type === 'User' && opts.withGroups) return { ...res, groups: (await loadGroups(this.sql, tenantId, [id])).get(id) ?? [] };
    return res;
  }

  /**
   * The row, its email values and (a User) its platform row in ONE statement
   * (docs/storage.md "Round trips"); the dependent rows are written only when the row was.
   */
  async insertResource(r: StoredResource): Promise<void> {
    const d = this.#derived(r.type, r.data);
    const p = platformColumns(r.data);
    // ON CONFLICT DO NOTHING covers every unique index: a duplicate (or a lost race) inserts
    // nothing and leaves the transaction usable, as a failed SQLite statement does.
    // A restore inserts the SCIM row of a hidden user again: it is visible again (SQLite migration 8).
    const [row] = await this.sql.rows<{ n: number }>(
      `WITH ins AS (INSERT INTO resources (tenant_id, type, id, data, search, version, created, last_modified, name_fold, external_id)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING tenant_id, id),
       em AS (INSERT INTO email_values (tenant_id, resource_id, value_fold) SELECT ins.tenant_id, ins.id, v FROM ins, unnest($11::text[]) AS v
         ON CONFLICT DO NOTHING),
       pu AS (INSERT INTO platform_users (tenant_id, id, status, managed, user_name, name_fold, external_id)
         SELECT ins.tenant_id, ins.id, $12, TRUE, $13, $9, $10 FROM ins WHERE $2 = 'User'
         ON CONFLICT (tenant_id, id) DO UPDATE SET hidden = NULL, deprovisioned_at = NULL,
           user_name = excluded.user_name, name_fold = excluded.name_fold, external_id = excluded.external_id,
           status = CASE WHEN platform_users.suspended_at IS NOT NULL THEN 'suspended' ELSE excluded.status END,
           managed = platform_users.suspended_at IS NULL)
       SELECT count(*) AS n FROM ins`,
      [r.tenantId, r.type, r.id, JSON.stringify(r.data), d.search, r.version, canonicalTime(r.created), canonicalTime(r.lastModified), d.nameFold, d.externalId,
        d.emails, p.status, p.userName],
    );
    if (Number(row?.n ?? 0) === 0) throw taken(r.type);
  }

  /**
   * The row (if still at `expectedVersion`), its email values (those no longer there deleted,
   * the new ones inserted) and (a User) its platform row in ONE statement.
   */
  async updateResource(r: StoredResource, expectedVersion: number): Promise<boolean> {
    const d = this.#derived(r.type, r.data);
    const p = platformColumns(r.data);
    let n: number;
    try {
      const [row] = await this.sql.rows<{ n: number }>(
        `WITH up AS (UPDATE resources SET data = $1, search = $2::jsonb, version = $3, last_modified = $4, name_fold = $5, external_id = $6
           WHERE tenant_id = $7 AND type = $8 AND id = $9 AND version = $10 RETURNING tenant_id, id),
         del AS (DELETE FROM email_values e USING up WHERE e.tenant_id = up.tenant_id AND e.resource_id = up.id AND NOT (e.value_fold = ANY($11::text[]))),
         em AS (INSERT INTO email_values (tenant_id, resource_id, value_fold) SELECT up.tenant_id, up.id, v FROM up, unnest($11::text[]) AS v
           ON CONFLICT DO NOTHING),
         pu AS (UPDATE platform_users pl SET user_name = $12, name_fold = $5, external_id = $6,
             status = CASE WHEN pl.suspended_at IS NOT NULL THEN 'suspended' ELSE $13 END, managed = pl.suspended_at IS NULL
           FROM up WHERE $8 = 'User' AND pl.tenant_id = up.tenant_id AND pl.id = up.id)
         SELECT count(*) AS n FROM up`,
        [JSON.stringify(r.data), d.search, r.version, canonicalTime(r.lastModified), d.nameFold, d.externalId, r.tenantId, r.type, r.id, expectedVersion,
          d.emails, p.userName, p.status],
      );
      n = Number(row?.n ?? 0);
    } catch (e) {
      if (pgCode(e) === '23505') throw taken(r.type);
      throw e;
    }
    return n === 1;
  }

  async deleteResource(tenantId: string, type: ResourceKind, id: string): Promise<boolean> {
    // ON DELETE CASCADE removes its member rows (as group and as member) and email values.
    const n = await this.sql.count('DELETE FROM resources WHERE tenant_id = $1 AND type = $2 AND id = $3', [tenantId, type, id]);
    this.#counts.clear(); // its member rows went with it, in any group
    // A hidden user keeps its platform row; any other deleted User loses it (SQLite migration 8).
    if (n > 0 && type === 'User') await this.sql.count('DELETE FROM platform_users WHERE tenant_id = $1 AND id = $2 AND hidden IS NULL', [tenantId, id]);
    return n > 0;
  }

  async applyMembership(tenantId: string, groupId: string, delta: MembershipDelta): Promise<boolean> {
    const c = await this.#membership(tenantId, groupId, delta);
    return c.added.length + c.removed.length > 0;
  }

  changeMembership(tenantId: string, groupId: string, delta: MembershipDelta): Promise<MembershipChange> {
    return this.#membership(tenantId, groupId, delta);
  }

  async #membership(tenantId: string, groupId: string, delta: MembershipDelta): Promise<MembershipChange> {
    // The group's row lock orders concurrent membership changes of one group across
    // processes: a `replace` reads the member list it diffs against under the lock.
    // A unit of work that read the group in this transaction holds the lock already.
    const key = `${tenantId}\u0000${groupId}`;
    if (!this.#locked.has(key)) {
      const found = await this.sql.rows('SELECT 1 FROM resources WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE', [tenantId, groupId]);
      if (found.length > 0) this.#locked.add(key);
    }
    const added: string[] = [];
    const removed: string[] = [];
    this.#counts.delete(key);
    const remove = async (ids: readonly string[]): Promise<void> => {
      if (ids.length === 0) return;
      this.#counts.delete(key);
      const rows = await this.sql.rows<{ member_id: string }>(
        'DELETE FROM members WHERE tenant_id = $1 AND group_id = $2 AND member_id = ANY($3::text[]) RETURNING member_id', [tenantId, groupId, ids],
      );
      for (const r of rows) removed.push(r.member_id);
    };
    const insert = async (ms: readonly Member[]): Promise<void> => {
      if (ms.length === 0) return;
      // One statement for the batch, in the given order; existing members insert nothing.
      // It reads the group's count as its snapshot has it (the statement trigger adds the
      // inserted rows after it): the size check (`memberCount`) needs no statement of its own.
      const rows = await this.sql.rows<{ member_id: string; was: number | null }>(
        `WITH ins AS (INSERT INTO members (tenant_id, group_id, member_id, member_type, display, display_fold)
           SELECT $1, $2, m.id, m.type, m.display, m.fold FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS m(id, type, display, fold, n)
           ORDER BY m.n ON CONFLICT DO NOTHING RETURNING member_id)
         SELECT ins.member_id, (SELECT c.n FROM member_counts c WHERE c.tenant_id = $1 AND c.group_id = $2) AS was FROM ins`,
        [tenantId, groupId, ms.map((m) => m.value), ms.map((m) => m.type), ms.map((m) => m.display ?? null), ms.map((m) => (m.display === undefined ? null : foldCase(m.display)))],
      );
      this.#counts.delete(key);
      if (rows[0] !== undefined) this.#counts.set(key, Number(rows[0].was ?? 0) + rows.length);
      const got = new Set(rows.map((r) => r.member_id));
      for (const m of ms) if (got.delete(m.value)) added.push(m.value);
    };
    if (delta.replace !== undefined) {
      // The difference, not delete-all + insert: unchanged members keep their rows.
      const want = new Set(delta.replace.map((m) => m.value));
      const have = await this.sql.rows<{ member_id: string }>('SELECT member_id FROM members WHERE tenant_id = $1 AND group_id = $2', [tenantId, groupId]);
      await remove(have.map((r) => r.member_id).filter((id) => !want.has(id)));
      await insert(delta.replace);
    }
    await remove(delta.remove);
    await insert(delta.add);
    return { added, removed };
  }

  async memberCount(tenantId: string, groupId: string): Promise<number> {
    const known = this.#counts.get(`${tenantId}\u0000${groupId}`);
    if (known !== undefined) return known;
    const [row] = await this.sql.rows<{ n: number }>('SELECT n FROM member_counts WHERE tenant_id = $1 AND group_id = $2', [tenantId, groupId]);
    return Number(row?.n ?? 0);
  }

  async existingIds(tenantId: string, ids: readonly string[]): Promise<Map<string, ResourceKind>> {
    const out = new Map<string, ResourceKind>();
    if (ids.length === 0) return out;
    const rows = await this.sql.rows<{ id: string; type: ResourceKind }>('SELECT id, type FROM resources WHERE tenant_id = $1 AND id = ANY($2::text[])', [tenantId, ids]);
    for (const r of rows) out.set(r.id, r.type);
    return out;
  }

  query(tenantId: string, type: ResourceKind, opts: QueryOptions): Promise<QueryResult> {
    return runPgQuery(this.sql, { registry: this.registry, filterMaxCost: this.filterMaxCost }, tenantId, type, opts);
  }

  appendEvents(tenantId: string, audit: readonly AuditEventInput[], outbox: readonly OutboxEventInput[]): Promise<void> {
    return appendPgEvents(this.sql, tenantId, audit, outbox);
  }

  async createTenant(t: Tenant): Promise<void> {
    await this.sql.count('INSERT INTO tenants (id, name, idp, created_at) VALUES ($1, $2, $3, $4)', [t.id, t.name, t.idp, t.createdAt]);
  }

  async insertApiKey(k: ApiKeyRecord): Promise<void> {
    await this.sql.count('INSERT INTO api_keys (id, tenant_id, digest, last4, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [k.id, k.tenantId, k.digest, k.last4, k.createdAt, k.expiresAt]);
  }

  async expireApiKeys(tenantId: string, at: string): Promise<ApiKeyRecord[]> {
    const rows = await this.sql.rows<PgKeyRow>(
      `UPDATE api_keys SET expires_at = $1 WHERE tenant_id = $2 AND (expires_at IS NULL OR expires_at > $1)
       RETURNING ${PG_KEY_COLUMNS}`,
      [at, tenantId],
    );
    return rows.map(toKey);
  }

  async expireApiKey(tenantId: string, keyId: string, at: string): Promise<ApiKeyRecord | undefined> {
    const [r] = await this.sql.rows<PgKeyRow>(
      `UPDATE api_keys SET expires_at = $1 WHERE tenant_id = $2 AND id = $3 AND (expires_at IS NULL OR expires_at > $1) RETURNING ${PG_KEY_COLUMNS}`,
      [at, tenantId, keyId],
    );
    return r === undefined ? undefined : toKey(r);
  }

  async updateTenant(id: string, change: { name?: string; idp?: IdpName }): Promise<boolean> {
    const n = await this.sql.count('UPDATE tenants SET name = coalesce($1, name), idp = coalesce($2, idp) WHERE id = $3', [change.name ?? null, change.idp ?? null, id]);
    return n > 0;
  }

  async deleteTenant(id: string): Promise<boolean> {
    // ON DELETE CASCADE: keys, resources, and through them members and email values.
    return (await this.sql.count('DELETE FROM tenants WHERE id = $1', [id])) > 0;
  }
}
