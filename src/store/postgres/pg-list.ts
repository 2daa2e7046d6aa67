/**
 * Reads that answer in ONE statement (docs/storage.md "Round trips"): a list query's page,
 * its relations (`members`, `groups`) and, when the page does not tell it, its total, and a
 * resource with its relations. One statement sees one snapshot, so the total, the page and
 * the relations agree without a REPEATABLE READ transaction around them (whose BEGIN and
 * COMMIT would be two more round trips).
 */
import type { JobResource, JobResult, QueryJob } from '../sql/plan-query.ts';
import { RESOURCE_COLUMNS } from '../sql/plan-query.ts';
import type { ScimResource } from '../../scim/schema/types.ts';
import type { Member, ResourceKind } from '../../domain/resource.ts';
import type { LoadedResource } from '../store.ts';
import type { Sql } from './pg-sql.ts';

/** A resources row as selected by `RESOURCE_COLUMNS`. */
export interface PgResourceRow {
  tenant_id: string;
  type: ResourceKind;
  id: string;
  data: string;
  version: number;
  created: string;
  last_modified: string;
}

/** Groups of a user as LoadedResource.groups renders them (RFC 7643 §4.1.2, direct only). */
export type UserGroup = { value: string; display?: string; type: 'direct' };

/** The relation columns a statement of this module adds to a resource row. */
type RelationRow = { rel_over: boolean | null; rel_ids: string[] | null; rel_types: ResourceKind[] | null; rel_texts: (string | null)[] | null };

/**
 * The lateral joins that read the relations of the row aliased `p` as arrays, ordered as
 * `loadMembers` / `loadGroups` order them. `overParam` (a placeholder) bounds them as
 * `QueryOptions.maxRelations` does: past it `rel_over` is true and no relation row is read
 * (member_counts, migration 4; a probe of at most bound + 1 index entries for a user's groups).
 */
function relationJoins(kind: 'members' | 'groups', p: string, overParam: string | undefined): string {
  const over = overParam === undefined
    ? 'FALSE'
    : kind === 'members'
      ? `EXISTS (SELECT 1 FROM member_counts mc WHERE mc.tenant_id = ${p}.tenant_id AND mc.group_id = ${p}.id AND mc.n > ${overParam})`
      : `EXISTS (SELECT 1 FROM members mo WHERE mo.tenant_id = ${p}.tenant_id AND mo.member_id = ${p}.id OFFSET ${overParam} LIMIT 1)`;
  const rel = kind === 'members'
    ? `SELECT array_agg(m.member_id ORDER BY m.member_id) AS rel_ids, array_agg(m.member_type ORDER BY m.member_id) AS rel_types,
         array_agg(m.display ORDER BY m.member_id) AS rel_texts
       FROM members m WHERE m.tenant_id = ${p}.tenant_id AND m.group_id = ${p}.id AND NOT o.rel_over`
    : `SELECT array_agg(m.group_id ORDER BY m.group_id) AS rel_ids, NULL::text[] AS rel_types, array_agg(g.data ORDER BY m.group_id) AS rel_texts
       FROM members m JOIN resources g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
       WHERE m.tenant_id = ${p}.tenant_id AND m.member_id = ${p}.id AND NOT o.rel_over`;
  return ` LEFT JOIN LATERAL (SELECT ${over} AS rel_over) o ON TRUE LEFT JOIN LATERAL (${rel}) rel ON TRUE`;
}

/** The members of a row's relation columns (RFC 7643 §4.2). */
function membersOf(r: RelationRow): Member[] {
  const ids = r.rel_ids ?? [];
  return ids.map((value, i) => {
    const type = r.rel_types?.[i] as 'User' | 'Group';
    const display = r.rel_texts?.[i] ?? null;
    return display === null ? { value, type } : { value, type, display };
  });
}

/** The groups of a row's relation columns (RFC 7643 §4.1.2, direct only). */
function groupsOf(r: RelationRow): UserGroup[] {
  const ids = r.rel_ids ?? [];
  return ids.map((value, i) => {
    const display = (JSON.parse(r.rel_texts?.[i] ?? '{}') as ScimResource)['displayName'];
    return typeof display === 'string' ? { value, display, type: 'direct' } : { value, type: 'direct' };
  });
}

/** A resource row with its relations, as the Store contract returns it. */
function withRelations<R extends { id: string }>(res: R, row: RelationRow, kind: 'members' | 'groups' | undefined): R & { members?: Member[]; groups?: UserGroup[] } {
  if (kind === undefined || row.rel_over === true) return res;
  return kind === 'members' ? { ...res, members: membersOf(row) } : { ...res, groups: groupsOf(row) };
}

const relationKind = (job: { withMembers: boolean; withGroups: boolean }): 'members' | 'groups' | undefined =>
  job.withMembers ? 'members' : job.withGroups ? 'groups' : undefined;

/** A list query (a compiled `QueryJob`) in one statement. */
export async function runPgJob(sql: Sql, job: QueryJob): Promise<JobResult> {
  const count = job.count;
  if (job.page === undefined) {
    const rows = await sql.rows<{ n: number }>(count.sql, count.params, count.fixed);
    return { totalResults: Number(rows[0]?.n ?? 0), resources: [] };
  }
  const page = job.page;
  // The COUNT reuses the page's placeholders: its parameters are the page's first ones.
  if (count.params.some((v, i) => v !== page.params[i])) throw new Error('list query: the count parameters are not the page parameters');
  const params = [...page.params, job.keyset, job.limit, job.offset];
  const at = (i: number): string => `$${page.params.length + i}`;
  const kind = relationKind(job);
  if (kind !== undefined && job.maxRelations !== undefined) params.push(job.maxRelations);
  const joins = kind === undefined ? '' : relationJoins(kind, 'p', job.maxRelations === undefined ? undefined : `${at(4)}::int`);
  const relCols = kind === undefined ? '' : ', o.rel_over, rel.rel_ids, rel.rel_types, rel.rel_texts';
  // RFC 7644 §3.4.2: a page that is not full ends the result set (offset + rows is the
  // total); otherwise the COUNT runs, in the same statement (an InitPlan run only when needed).
  const needCount = `${at(1)}::boolean OR NOT ((SELECT count(*) FROM page) < ${at(2)}::int AND ((SELECT count(*) FROM page) > 0 OR ${at(3)}::int = 0))`;
  const text = `WITH page AS MATERIALIZED (${page.sql})
    SELECT p.*${relCols}, CASE WHEN ${needCount} THEN coalesce((${count.sql}), 0) END AS total_n
    FROM (SELECT 1) AS one(x) LEFT JOIN page p ON TRUE${joins} ORDER BY ${page.order}`;
  const rows = await sql.rows<PgResourceRow & RelationRow & { sort_key?: unknown; total_n: number | null }>(text, params, false);
  const found = rows.filter((row) => row.id !== null);
  if (job.reverse) found.reverse();
  const resources = found.map((row): JobResource<ScimResource> => {
    const r = { tenantId: row.tenant_id, type: row.type, id: row.id, data: JSON.parse(row.data) as ScimResource, version: row.version, created: row.created, lastModified: row.last_modified };
    return withRelations(row.sort_key !== undefined ? { ...r, sortKey: row.sort_key } : r, row, kind);
  });
  const total = rows[0]?.total_n;
  return { totalResults: total === null || total === undefined ? job.offset + found.length : Number(total), resources };
}

/** A resource with its relations in one statement (outside a write transaction: no row lock). */
export async function readPgResource(sql: Sql, tenantId: string, type: ResourceKind, id: string, opts: { withMembers: boolean; withGroups: boolean }): Promise<LoadedResource | undefined> {
  const kind = relationKind({ withMembers: type === 'Group' && opts.withMembers, withGroups: type === 'User' && opts.withGroups });
  const relCols = kind === undefined ? '' : ', o.rel_over, rel.rel_ids, rel.rel_types, rel.rel_texts';
  const joins = kind === undefined ? '' : relationJoins(kind, 'r', undefined);
  const [row] = await sql.rows<PgResourceRow & RelationRow>(
    `SELECT ${RESOURCE_COLUMNS}${relCols} FROM resources r${joins} WHERE r.tenant_id = $1 AND r.id = $2 AND r.type = $3`, [tenantId, id, type],
  );
  if (row === undefined) return undefined;
  const res = { tenantId: row.tenant_id, type: row.type, id: row.id, data: JSON.parse(row.data) as ScimResource, version: row.version, created: row.created, lastModified: row.last_modified };
  return withRelations(res, row, kind);
}
