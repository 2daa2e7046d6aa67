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
import { sqliteDialect, Params } from '../sql/dialect.ts';
import { compileFilter } from '../sql/compile-filter.ts';
import { compileSort } from '../sql/compile-sort.ts';
import { AliasNames } from '../sql/attribute-source.ts';
import type { CompileContext } from '../sql/compile-filter.ts';
import type { CompiledSort } from '../sql/compile-sort.ts';
import { CostMeter } from '../sql/filter-cost.ts';
import { RESOURCE_COLUMNS, SQL } from './sqlite-shared.ts';
import type { ResourceRow, SqliteReader } from './sqlite-shared.ts';
import type { LoadedResource, MemberPage, QueryOptions, QueryResult } from '../store.ts';
import type { Member, ResourceKind } from '../../domain/resource.ts';
import type { ScimResource } from '../../scim/schema/types.ts';

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
 * What one list query runs, in a form a reader worker can receive (structured clone):
 * the page statement, the count statement and when the count is needed, the relations.
 */
export interface QueryJob {
  readonly tenantId: string;
  readonly type: ResourceKind;
  /** The page statement; absent when only `totalResults` is asked (`count=0`). */
  readonly page?: { readonly sql: string; readonly params: unknown[] };
  /** The COUNT statement (`fixed`: code SQL, the per-type counter). */
  readonly count: { readonly sql: string; readonly params: unknown[]; readonly fixed: boolean };
  readonly limit: number;
  readonly offset: number;
  readonly keyset: boolean;
  readonly reverse: boolean;
  readonly withMembers: boolean;
  readonly withGroups: boolean;
  readonly maxRelations?: number;
}

/** A page row as a job answers it: its body parsed (`D` = ScimResource) or as the stored JSON text (`D` = string). */
export type JobResource<D> = Omit<LoadedResource, 'data'> & { readonly data: D; readonly sortKey?: unknown };

/** A job's answer: the page (relations attached, raw sort keys) and the total. */
export interface JobResult<D = ScimResource> {
  readonly totalResults: number;
  readonly resources: JobResource<D>[];
}

/** A compiled query: the job, the compiled filter's cost (docs/filters.md "Caps") and the sort codec. */
export interface QueryPlan {
  readonly job: QueryJob;
  readonly cost: number;
  readonly sort?: CompiledSort;
}

/** Compiles a list query (no SQL runs); throws 400 `invalidFilter` past the cost bound. */
export function planQuery(ops: SqliteReader, tenantId: string, type: ResourceKind, opts: QueryOptions): QueryPlan {
  const ctx: CompileContext = {
    rs: ops.registry.resourceSchema(type),
    type,
    tenantId,
    dialect: sqliteDialect,
    alias: 'r',
    names: new AliasNames(),
    ...(opts.locationBase !== undefined ? { locationBase: opts.locationBase } : {}),
  };
  const meter = new CostMeter(ops.limits.filterMaxCost);
  const params = new Params(sqliteDialect.placeholder);
  // scim_live(r.rowid) checks the deadline once per candidate row; SQLite tests it
  // before the filter's correlated subqueries (docs/storage.md "Query deadline").
  let where = `r.tenant_id = ${params.add(tenantId)} AND r.type = ${params.add(type)} AND scim_live(r.rowid)`;
  if (opts.filter !== undefined) where += ` AND ${compileFilter(opts.filter, { ...ctx, meter }, params)}`;
  const filterParams = [...params.values];
  // RFC 7644 §3.4.2: totalResults counts every match, not the page. Unfiltered: the
  // counter row (migration 2); filtered: COUNT(*) unless the page itself tells.
  const countStmt =
    opts.filter === undefined
      ? { sql: SQL.typeCount, params: [tenantId, type], fixed: true }
      : { sql: `SELECT COUNT(*) AS n FROM resources r WHERE ${where}`, params: filterParams, fixed: false };
  const count = Math.max(0, Math.floor(opts.count));
  const base = {
    tenantId, type, count: countStmt, limit: count, keyset: opts.keyset !== undefined,
    withMembers: type === 'Group' && opts.withMembers,
    withGroups: type === 'User' && (opts.withGroups ?? true),
    ...(opts.maxRelations !== undefined ? { maxRelations: opts.maxRelations } : {}),
  };
  if (count === 0) return { job: { ...base, offset: 0, reverse: false }, cost: meter.spent };

  const sort = opts.sort === undefined ? undefined : compileSort(ctx, opts.sort.path);
  const key = sort?.expr;
  const desc = opts.sort?.order === 'descending';
  const ks = opts.keyset;
  // Walking backward = reading the reverse order, then flipping the page.
  const reverse = ks?.direction === 'before';
  const down = desc !== reverse;
  const dir = down ? 'DESC' : 'ASC';
  const orderBy = key === undefined ? `r.id ${dir}` : `(${key}) IS NULL ${dir}, (${key}) ${dir}, r.id ${dir}`;

  let seek = '';
  if (ks !== undefined) {
    const gt = down ? '<' : '>';
    if (key === undefined) seek = ` AND r.id ${gt} ${params.add(ks.id)}`;
    else {
      const v = sort?.encode(ks.sortValue) ?? null;
      if (v === null) {
        const id = params.add(ks.id);
        // Among the nulls (after all values ascending, before them descending).
        seek = down ? ` AND ((${key}) IS NOT NULL OR r.id < ${id})` : ` AND ((${key}) IS NULL AND r.id > ${id})`;
      } else {
        const p1 = params.add(v);
        const p2 = params.add(v);
        const id = params.add(ks.id);
        seek = down
          ? ` AND ((${key}) IS NOT NULL AND ((${key}) < ${p1} OR ((${key}) = ${p2} AND r.id < ${id})))`
          : ` AND ((${key}) IS NULL OR (${key}) > ${p1} OR ((${key}) = ${p2} AND r.id > ${id}))`;
      }
    }
  }
  const offset = ks === undefined ? Math.max(0, Math.floor(opts.startIndex) - 1) : 0;
  // LIMIT and OFFSET are parameters: every page of one filter shares one statement.
  const sql = `SELECT ${RESOURCE_COLUMNS}${key !== undefined ? `, (${key}) AS sort_key` : ''} FROM resources r WHERE ${where}${seek} ORDER BY ${orderBy} LIMIT ${params.add(count)} OFFSET ${params.add(offset)}`;
  return { job: { ...base, page: { sql, params: [...params.values] }, offset, reverse }, cost: meter.spent, ...(sort !== undefined ? { sort } : {}) };
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

/** The QueryResult of a job's answer: sort keys decoded into `sortValue`. */
export function finishQuery(plan: QueryPlan, raw: JobResult): QueryResult {
  const sort = plan.sort;
  if (sort === undefined) return raw;
  return {
    totalResults: raw.totalResults,
    resources: raw.resources.map(({ sortKey, ...res }) => ({ ...res, sortValue: sort.decode(sortKey ?? null) })),
  };
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
