/**
 * Listing and searching one resource type (RFC 7644 §3.4.2), by index or by
 * keyset (RFC 9865 cursors). Filtering and sorting run in the database
 * (docs/principles.md rule 4); the filter's attributes are checked against the schema first.
 */
import { checkFilter } from '../scim/filter/evaluate.ts';
import type { DirectoryContext, ReadOptions } from './resources.ts';
import type { Filter } from '../scim/filter/ast.ts';
import type { Keyset, LoadedResource, SortSpec } from '../store/store.ts';
import type { ResourceKind } from '../domain/resource.ts';

export interface ListQuery {
  readonly filter?: Filter;
  readonly sort?: SortSpec;
  /** 1-based (already clamped). Ignored in keyset mode. */
  readonly startIndex: number;
  /** Already clamped to [0, maxResults]. */
  readonly count: number;
  /** Keyset mode: undefined `keyset` with `cursorMode` = the first page. */
  readonly cursorMode?: boolean;
  readonly keyset?: Keyset;
  readonly read: ReadOptions;
  /**
   * A group with more members (a user in more groups) comes without `members`
   * (`groups`): a list response stays bounded (RFC 7644 §3.4.2; docs/scim-api.md).
   */
  readonly maxRelations?: number;
  /** The caller has already run `checkFilter(filter, rs)` on this filter (skip the second check). */
  readonly filterChecked?: boolean;
}

export interface ListPage {
  readonly totalResults: number;
  readonly resources: readonly LoadedResource[];
  /** Keyset mode: rows exist after the last returned row. */
  readonly moreAfter: boolean;
  /** Keyset mode: rows exist before the first returned row. */
  readonly moreBefore: boolean;
}

/** Runs a list query in the tenant; throws `invalidFilter` for unknown attributes. */
export async function listResources(ctx: DirectoryContext, type: string, q: ListQuery): Promise<ListPage> {
  const rs = ctx.registry.resourceSchema(type);
  const kind = rs.resourceType.name as ResourceKind;
  if (q.filter !== undefined && q.filterChecked !== true) checkFilter(q.filter, rs);
  // `withGroups` and `locationBase` are optional extras the SQL stores read beyond QueryOptions.
  const base = {
    ...(q.filter !== undefined ? { filter: q.filter } : {}),
    ...(q.sort !== undefined ? { sort: q.sort } : {}),
    withMembers: kind === 'Group' && q.read.withMembers,
    withGroups: kind === 'User' && q.read.withGroups,
    ...(q.maxRelations !== undefined ? { maxRelations: q.maxRelations } : {}),
    ...(ctx.baseUrl !== undefined ? { locationBase: ctx.baseUrl } : {}),
  };
  if (q.cursorMode !== true) {
    const r = await ctx.store.query(ctx.tenantId, kind, { ...base, startIndex: q.startIndex, count: q.count });
    return { totalResults: r.totalResults, resources: r.resources, moreAfter: false, moreBefore: false };
  }
  if (q.count === 0) {
    const r = await ctx.store.query(ctx.tenantId, kind, { ...base, startIndex: 1, count: 0 });
    return { totalResults: r.totalResults, resources: [], moreAfter: false, moreBefore: false };
  }
  // One row more than asked tells whether another page exists in that direction.
  const r = await ctx.store.query(ctx.tenantId, kind, {
    ...base,
    startIndex: 1,
    count: q.count + 1,
    ...(q.keyset !== undefined ? { keyset: q.keyset } : {}),
  });
  const rows = [...r.resources];
  if (q.keyset?.direction === 'before') {
    // Rows come in result order; the extra row is the one farthest from the keyset.
    const extra = rows.length > q.count;
    return { totalResults: r.totalResults, resources: extra ? rows.slice(rows.length - q.count) : rows, moreAfter: true, moreBefore: extra };
  }
  const extra = rows.length > q.count;
  return { totalResults: r.totalResults, resources: extra ? rows.slice(0, q.count) : rows, moreAfter: extra, moreBefore: q.keyset !== undefined };
}
