/**
 * `query`: filter, sort and page in SQL (docs/principles.md rule 4) — never load a tenant's
 * resources to filter them in JS. Index paging uses LIMIT/OFFSET; keyset paging
 * (RFC 9865 cursors) seeks past (sortKey, id). totalResults: the per-type counter
 * when unfiltered, `offset + rows` when the page is not full, else a COUNT(*) of
 * the same WHERE.
 *
 * Order: with no sortBy, `id` ascending. With sortBy, ascending is
 * (key IS NULL, key, id) ascending — nulls last — and descending is its exact
 * reverse (nulls first, ties by id descending), so a keyset can walk either way.
 */
import { sqliteDialect } from '../sql/dialect.ts';
import { finishQuery, planSqlQuery } from '../sql/plan-query.ts';
import type { JobResource, JobResult, QueryJob, QueryPlan } from '../sql/plan-query.ts';
import { SQL } from './sqlite-shared.ts';
import type { ResourceRow, SqliteReader } from './sqlite-shared.ts';
import type { MemberPage, QueryOptions, QueryResult } from '../store.ts';
import type { Member, ResourceKind } from '../../domain/resource.ts';
import type { ScimResource } from '../../scim/schema/types.ts';

export { finishQuery } from '../sql/plan-query.ts';
export type { JobResource, JobResult, QueryJob, QueryPlan } from '../sql/plan-query.ts';

/** Compiles a list query for SQLite (no SQL runs); throws 400 `invalidFilter` past the cost bound. */
export function planQuery(ops: SqliteReader, tenantId: string, type: ResourceKind, opts: QueryOptions): QueryPlan {
  return planSqlQuery({ dialect: sqliteDialect, registry: ops.registry, filterMaxCost: ops.limits.filterMaxCost, typeCountSql: SQL.typeCount }, tenantId, type, opts);
}

export function runQuery(ops: SqliteReader, tenantId: string, type: ResourceKind, opts: QueryOptions): QueryResult {
  // One read snapshot for the count, the page and its members (the wrapper is built once per connection),
  // all under one deadline (docs/storage.md "Query deadline").
  return ops.withDeadline(() => {
    const plan = planQuery(ops, tenantId, type, opts);
    const raw = ops.db.inTransaction ? executeJob(ops, plan.job) : (ops.snapshot.deferred(() => executeJob(ops, plan.job)) as JobResult);
    return finishQuery(plan, raw);
  });
}

/** Runs a compiled query on this connection: one read snapshot, under the query deadline. */
export function runPlan(ops: SqliteReader, plan: QueryPlan): QueryResult {
  return ops.withDeadline(() => {
    const raw = ops.db.inTransaction ? executeJob(ops, plan.job) : (ops.snapshot.deferred(() => executeJob(ops, plan.job)) as JobResult);
    return finishQuery(plan, raw);
  });
}

/**
 * Runs a job's statements on one connection; the caller holds the read snapshot and
 * the deadline. The main thread and the reader workers (`reader-worker.ts`) both run it.
 */
export function executeJob(ops: SqliteReader, job: QueryJob): JobResult {
  return runJob(ops, job, (text) => JSON.parse(text) as ScimResource);
}

/**
 * `executeJob` for a reader worker: bodies stay JSON text. Strings cross to the main
 * thread for a fraction of what parsed objects cost to deserialise there (~1.5 ms against
 * ~6–9 ms for 1,000 users), and the main thread parses them in slices (`parseInSlices`).
 */
export function executeJobText(ops: SqliteReader, job: QueryJob): JobResult<string> {
  return runJob(ops, job, (text) => text);
}

function runJob<D>(ops: SqliteReader, job: QueryJob, body: (text: string) => D): JobResult<D> {
  const countAll = (): number => {
    const stmt = job.count.fixed ? ops.stmts.get(job.count.sql) : ops.stmts.compiled(job.count.sql);
    return (stmt.get(...job.count.params) as { n: number } | undefined)?.n ?? 0;
  };
  if (job.page === undefined) return { totalResults: countAll(), resources: [] };
  const rows = ops.stmts.compiled(job.page.sql).all(...job.page.params) as (ResourceRow & { sort_key?: unknown })[];
  if (job.reverse) rows.reverse();
  // A page that is not full ends the result set: offset + rows is the total, no COUNT
  // (a `userName eq` lookup costs one indexed read). An empty page past the start does not tell.
  const total = !job.keyset && rows.length < job.limit && (rows.length > 0 || job.offset === 0) ? job.offset + rows.length : countAll();
  const resources = rows.map((row): JobResource<D> => {
    const r = { tenantId: row.tenant_id, type: row.type, id: row.id, data: body(row.data), version: row.version, created: row.created, lastModified: row.last_modified };
    return row.sort_key !== undefined ? { ...r, sortKey: row.sort_key } : r;
  });
  return { totalResults: total, resources: attachRelations(ops, job, resources) };
}

function attachRelations<R extends JobResource<unknown>>(ops: SqliteReader, job: QueryJob, page: R[]): R[] {
  const { tenantId } = job;
  const ids = page.map((r) => r.id);
  const max = job.maxRelations;
  if (job.withMembers) {
    // Groups past the bound are left without `members`: their rows are never read.
    const over = max === undefined ? new Set<string>() : groupsOver(ops, tenantId, ids, max);
    const members = ops.loadMembers(tenantId, ids.filter((id) => !over.has(id)));
    return page.map((r) => (over.has(r.id) ? r : { ...r, members: members.get(r.id) ?? [] }));
  }
  if (job.withGroups) {
    const over = max === undefined ? new Set<string>() : usersOver(ops, tenantId, ids, max);
    const groups = ops.loadGroups(tenantId, ids.filter((id) => !over.has(id)));
    return page.map((r) => (over.has(r.id) ? r : { ...r, groups: groups.get(r.id) ?? [] }));
  }
  return page;
}

/** The groups of `ids` with more than `max` members (the member_counts row, migration 4). */
function groupsOver(ops: SqliteReader, tenantId: string, ids: readonly string[], max: number): Set<string> {
  if (ids.length === 0) return new Set();
  const rows = ops.stmts
    .get('SELECT c.group_id FROM json_each(?) j CROSS JOIN member_counts c WHERE c.tenant_id = ? AND c.group_id = j.value AND c.n > ?')
    .all(JSON.stringify(ids), tenantId, max) as { group_id: string }[];
  return new Set(rows.map((r) => r.group_id));
}

/** The users of `ids` in more than `max` groups: a probe that steps at most `max` + 1 index entries per user. */
function usersOver(ops: SqliteReader, tenantId: string, ids: readonly string[], max: number): Set<string> {
  if (ids.length === 0) return new Set();
  const rows = ops.stmts
    .get('SELECT j.value AS id FROM json_each(?) j WHERE EXISTS (SELECT 1 FROM members m WHERE m.tenant_id = ? AND m.member_id = j.value LIMIT 1 OFFSET ?)')
    .all(JSON.stringify(ids), tenantId, max) as { id: string }[];
  return new Set(rows.map((r) => r.id));
}

/** The member count of a group (migration 4's counter: no scan of the member rows). */
export function memberCount(ops: SqliteReader, tenantId: string, groupId: string): number {
  const row = ops.stmts.get('SELECT n FROM member_counts WHERE tenant_id = ? AND group_id = ?').get(tenantId, groupId) as { n: number } | undefined;
  return row?.n ?? 0;
}

/** `Store.readMembers`: the group's version and one keyset page of its members, in one read snapshot. */
export function readMembers(ops: SqliteReader, tenantId: string, groupId: string, page: { after?: string; limit: number }): MemberPage | undefined {
  const read = (): MemberPage | undefined => {
    const g = ops.stmts.get("SELECT version FROM resources WHERE tenant_id = ? AND id = ? AND type = 'Group'").get(tenantId, groupId) as { version: number } | undefined;
    if (g === undefined) return undefined;
    const limit = Math.max(0, Math.floor(page.limit));
    const rows = (
      page.after === undefined
        ? ops.stmts.get('SELECT member_id, member_type, display FROM members WHERE tenant_id = ? AND group_id = ? ORDER BY member_id LIMIT ?').all(tenantId, groupId, limit)
        : ops.stmts
            .get('SELECT member_id, member_type, display FROM members WHERE tenant_id = ? AND group_id = ? AND member_id > ? ORDER BY member_id LIMIT ?')
            .all(tenantId, groupId, page.after, limit)
    ) as { member_id: string; member_type: ResourceKind; display: string | null }[];
    const members: Member[] = rows.map((r) => (r.display === null ? { value: r.member_id, type: r.member_type } : { value: r.member_id, type: r.member_type, display: r.display }));
    return { version: g.version, members };
  };
  return ops.db.inTransaction ? read() : (ops.snapshot.deferred(read) as MemberPage | undefined);
}
