/**
 * The list query as SQL, for every dialect (docs/principles.md rule 4): filter, sort
 * and page in SQL, never in JS. Index paging uses LIMIT/OFFSET; keyset paging
 * (RFC 9865 cursors) seeks past (sortKey, id). totalResults: the per-type counter
 * when unfiltered, `offset + rows` when the page is not full, else a COUNT(*) of
 * the same WHERE.
 *
 * Order: with no sortBy, `id` ascending. With sortBy, ascending is
 * (key IS NULL, key, id) ascending — nulls last — and descending is its exact
 * reverse (nulls first, ties by id descending), so a keyset can walk either way.
 * Each store runs the plan on its own connection (`src/store/sqlite/sqlite-query.ts`,
 * `src/store/postgres/pg-query.ts`).
 */
import { Params } from './dialect.ts';
import type { SqlDialect } from './dialect.ts';
import { compileFilter } from './compile-filter.ts';
import { compileSort } from './compile-sort.ts';
import { AliasNames } from './attribute-source.ts';
import type { CompileContext } from './compile-filter.ts';
import type { CompiledSort } from './compile-sort.ts';
import { CostMeter } from './filter-cost.ts';
import type { LoadedResource, QueryOptions, QueryResult } from '../store.ts';
import type { ResourceKind } from '../../domain/resource.ts';
import type { SchemaRegistry, ScimResource } from '../../scim/schema/types.ts';

/** The columns a page row is read from, on the `resources` table aliased `r`. */
export const RESOURCE_COLUMNS = 'r.tenant_id, r.type, r.id, r.data, r.version, r.created, r.last_modified';

/**
 * What one list query runs, in a form a reader worker can receive (structured clone):
 * the page statement, the count statement and when the count is needed, the relations.
 */
export interface QueryJob {
  readonly tenantId: string;
  readonly type: ResourceKind;
  /** The page statement; absent when only `totalResults` is asked (`count=0`). */
  readonly page?: {
    readonly sql: string;
    readonly params: unknown[];
    /** The page's ORDER BY over its own output columns (`id`, `sort_key`), for a statement that wraps it. */
    readonly order: string;
  };
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

/** What a list query is compiled with: the dialect, the schemas, the cost bound, the counter statement. */
export interface PlanSettings {
  readonly dialect: SqlDialect;
  readonly registry: SchemaRegistry;
  readonly filterMaxCost: number;
  /** The per-type counter read, with the tenant and the type as its two parameters (migration 2). */
  readonly typeCountSql: string;
}

/** Compiles a list query (no SQL runs); throws 400 `invalidFilter` past the cost bound. */
export function planSqlQuery(settings: PlanSettings, tenantId: string, type: ResourceKind, opts: QueryOptions): QueryPlan {
  const { dialect } = settings;
  const ctx: CompileContext = {
    rs: settings.registry.resourceSchema(type),
    type,
    tenantId,
    dialect,
    alias: 'r',
    names: new AliasNames(),
    ...(opts.locationBase !== undefined ? { locationBase: opts.locationBase } : {}),
  };
  const meter = new CostMeter(settings.filterMaxCost);
  const params = new Params(dialect.placeholder);
  // SQLite: scim_live(r.rowid) checks the deadline once per candidate row, tested
  // before the filter's correlated subqueries (docs/storage.md "Query deadline");
  // PostgreSQL enforces it with statement_timeout.
  const guard = dialect.rowGuard('r');
  let where = `r.tenant_id = ${params.add(tenantId)} AND r.type = ${params.add(type)}${guard === undefined ? '' : ` AND ${guard}`}`;
  if (opts.filter !== undefined) where += ` AND ${compileFilter(opts.filter, { ...ctx, meter }, params)}`;
  const filterParams = [...params.values];
  // RFC 7644 §3.4.2: totalResults counts every match, not the page. Unfiltered: the
  // counter row (migration 2); filtered: COUNT(*) unless the page itself tells.
  const countStmt =
    opts.filter === undefined
      ? { sql: settings.typeCountSql, params: [tenantId, type], fixed: true }
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
  const order = key === undefined ? `id ${dir}` : `sort_key IS NULL ${dir}, sort_key ${dir}, id ${dir}`;
  return { job: { ...base, page: { sql, params: [...params.values], order }, offset, reverse }, cost: meter.spent, ...(sort !== undefined ? { sort } : {}) };
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

