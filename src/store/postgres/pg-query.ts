/**
 * The list query on PostgreSQL: the plan of the shared layer (`src/store/sql/plan-query.ts`,
 * compiled with the PostgreSQL dialect), run on one connection, and the relations
 * (`members`, `groups`) of its page. The caller provides the read snapshot.
 */
import { postgresDialect } from '../sql/dialect.ts';
import { finishQuery, planSqlQuery } from '../sql/plan-query.ts';
import type { SchemaRegistry, ScimResource } from '../../scim/schema/types.ts';
import type { Member, ResourceKind } from '../../domain/resource.ts';
import type { MemberPage, QueryOptions, QueryResult } from '../store.ts';
import type { Sql } from './pg-sql.ts';
import { runPgJob } from './pg-list.ts';
import type { PgResourceRow, UserGroup } from './pg-list.ts';

/** The per-type counter (migration 2). */
export const TYPE_COUNT = 'SELECT n FROM resource_counts WHERE tenant_id = $1 AND type = $2';

export type { PgResourceRow, UserGroup };

/** Members of each group, by group id, ordered by member id. */
export async function loadMembers(sql: Sql, tenantId: string, groupIds: readonly string[]): Promise<Map<string, Member[]>> {
  const out = new Map<string, Member[]>(groupIds.map((g) => [g, []]));
  if (groupIds.length === 0) return out;
  const rows = await sql.rows<{ group_id: string; member_id: string; member_type: ResourceKind; display: string | null }>(
    'SELECT group_id, member_id, member_type, display FROM members WHERE tenant_id = $1 AND group_id = ANY($2::text[]) ORDER BY group_id, member_id',
    [tenantId, groupIds],
  );
  for (const r of rows) {
    out.get(r.group_id)?.push(r.display === null ? { value: r.member_id, type: r.member_type } : { value: r.member_id, type: r.member_type, display: r.display });
  }
  return out;
}

/** Groups of each member, by member id, ordered by group id. */
export async function loadGroups(sql: Sql, tenantId: string, memberIds: readonly string[]): Promise<Map<string, UserGroup[]>> {
  const out = new Map<string, UserGroup[]>(memberIds.map((m) => [m, []]));
  if (memberIds.length === 0) return out;
  const rows = await sql.rows<{ member_id: string; group_id: string; data: string }>(
    `SELECT m.member_id, m.group_id, g.data FROM members m JOIN resources g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
     WHERE m.tenant_id = $1 AND m.member_id = ANY($2::text[]) ORDER BY m.member_id, m.group_id`,
    [tenantId, memberIds],
  );
  for (const r of rows) {
    const display = (JSON.parse(r.data) as ScimResource)['displayName'];
    out.get(r.member_id)?.push(typeof display === 'string' ? { value: r.group_id, display, type: 'direct' } : { value: r.group_id, type: 'direct' });
  }
  return out;
}

/** What a query is compiled with on this store. */
export interface PgQuerySettings {
  readonly registry: SchemaRegistry;
  readonly filterMaxCost: number;
}

/** `StoreTx.query` in one statement (`pg-list.ts`): it needs no snapshot transaction. */
export async function runPgQuery(sql: Sql, settings: PgQuerySettings, tenantId: string, type: ResourceKind, opts: QueryOptions): Promise<QueryResult> {
  const plan = planSqlQuery({ dialect: postgresDialect, registry: settings.registry, filterMaxCost: settings.filterMaxCost, typeCountSql: TYPE_COUNT }, tenantId, type, opts);
  return finishQuery(plan, await runPgJob(sql, plan.job));
}

/** A keyset page of a group's members with its version (`Store.readMembers`); run it in one snapshot. */
export async function readPgMembers(sql: Sql, tenantId: string, groupId: string, page: { after?: string; limit: number }): Promise<MemberPage | undefined> {
  const [g] = await sql.rows<{ version: number }>("SELECT version FROM resources WHERE tenant_id = $1 AND id = $2 AND type = 'Group'", [tenantId, groupId]);
  if (g === undefined) return undefined;
  const limit = Math.max(0, Math.floor(page.limit));
  const rows = await sql.rows<{ member_id: string; member_type: 'User' | 'Group'; display: string | null }>(
    'SELECT member_id, member_type, display FROM members WHERE tenant_id = $1 AND group_id = $2 AND member_id > $3 ORDER BY member_id LIMIT $4',
    [tenantId, groupId, page.after ?? '', limit],
  );
  const members = rows.map((r) => (r.display === null ? { value: r.member_id, type: r.member_type } : { value: r.member_id, type: r.member_type, display: r.display }));
  return { version: g.version, members };
}
