/**
 * Lists and searches: `GET /Users`, `POST /Users/.search` (RFC 7644 §3.4.2, §3.4.3),
 * index paging (§3.4.2.4) and cursor paging (RFC 9865), and the root `POST /.search`.
 */
import { checkFilter } from '../scim/filter/evaluate.ts';
import { listResources } from '../directory/list.ts';
import { renderResource } from '../directory/render.ts';
import { invalidPath, invalidValue, isScimError } from '../scim/errors.ts';
import { parseFilter } from '../scim/filter/parser.ts';
import { parsePaging } from '../scim/messages.ts';
import { formatAttrPath, formatFilter } from '../scim/filter/format.ts';
import { parseAttrPath } from '../scim/path/parse.ts';
import { projectResource } from '../scim/schema/project.ts';
import { listReply } from './list-body.ts';
import { contextFor } from './scim-env.ts';
import { readOptionsFor } from './scim-params.ts';
import type { Filter } from '../scim/filter/ast.ts';
import type { ResourceSchema, ScimResource } from '../scim/schema/types.ts';
import type { LoadedResource, SortSpec } from '../store/store.ts';
import type { CursorBinding } from './cursor.ts';
import type { ScimEnv } from './scim-env.ts';
import type { SearchParams } from './scim-params.ts';
import type { ScimRequest, ScimResponse } from './types.ts';

function parseSort(rs: ResourceSchema, p: SearchParams): SortSpec | undefined {
  if (p.sortBy === undefined) return undefined;
  const path = parseAttrPath(p.sortBy);
  const r = rs.resolve(path);
  // Decision: an unknown sortBy attribute is 400 `invalidPath` (the same scimType a
  // malformed attribute path gets); RFC 7644 §3.4.2.3 names no error for it.
  if (r === undefined || r.attribute.returned === 'never' || r.sub?.returned === 'never') {
    throw invalidPath(`Cannot sort by "${p.sortBy.slice(0, 100)}": no such attribute`);
  }
  const o = (p.sortOrder ?? 'ascending').toLowerCase();
  // RFC 7644 §3.4.2.3: "ascending" (default) or "descending".
  if (o !== 'ascending' && o !== 'descending') throw invalidValue('sortOrder must be "ascending" or "descending"');
  return { path, order: o };
}

/** RFC 7644 §3.4.2.4: startIndex < 1 → 1; count < 0 → 0; count > maxResults → maxResults (RL-4). */
const paging = (env: ScimEnv, p: SearchParams): { startIndex: number; count: number } =>
  parsePaging({ startIndex: p.startIndex ?? null, count: p.count ?? null }, { defaultCount: env.limits.defaultCount, maxCount: env.limits.maxResults });

function parseFilterText(env: ScimEnv, text: string | undefined): Filter | undefined {
  if (text === undefined) return undefined;
  return parseFilter(text, { maxLength: env.limits.filterMaxLength, maxDepth: env.limits.filterMaxDepth });
}

/** One resource type (`/Users`, `/Groups`, and their `.search`). */
export async function listRoute(env: ScimEnv, req: ScimRequest, rs: ResourceSchema, p: SearchParams): Promise<ScimResponse> {
  const filter = parseFilterText(env, p.filter);
  if (filter !== undefined) checkFilter(filter, rs);
  const sort = parseSort(rs, p);
  const { startIndex, count } = paging(env, p);
  const read = readOptionsFor(rs, p);
  const maxRelations = env.limits.listMaxMembers;
  const ctx = contextFor(env, req);
  const render = (r: Parameters<typeof renderResource>[1]): ScimResource =>
    projectResource(rs, renderResource(rs, r, req.baseUrl), p);

  if (p.cursor === undefined) {
    const page = await listResources(ctx, rs.resourceType.name, { ...opt(filter, sort), startIndex, count, read, maxRelations, filterChecked: true });
    return listReply(page.totalResults, page.resources, render, { startIndex });
  }

  // RFC 9865: cursor paging; `startIndex` belongs to index paging and is refused with it.
  if (p.startIndex !== undefined) throw invalidValue('Use either "cursor" or "startIndex", not both');
  const codec = await env.cursors();
  const binding: CursorBinding = {
    tenantId: req.tenant.id,
    resourceType: rs.resourceType.name,
    filter: filter === undefined ? '' : formatFilter(filter),
    sort: sort === undefined ? '' : `${formatAttrPath(sort.path).toLowerCase()} ${sort.order}`,
  };
  // RFC 9865: an empty `cursor` asks for the first page.
  const keyset = p.cursor === '' ? undefined : codec.decode(p.cursor, binding);
  const page = await listResources(ctx, rs.resourceType.name, {
    ...opt(filter, sort), startIndex: 1, count, cursorMode: true, ...(keyset !== undefined ? { keyset } : {}), read, maxRelations, filterChecked: true,
  });
  const rows = page.resources;
  const first = rows[0];
  const last = rows[rows.length - 1];
  const extra: { nextCursor?: string; previousCursor?: string } = {};
  if (page.moreAfter && last !== undefined) extra.nextCursor = codec.encode({ sortValue: last.sortValue ?? null, id: last.id, direction: 'after' }, binding);
  if (page.moreBefore && first !== undefined) extra.previousCursor = codec.encode({ sortValue: first.sortValue ?? null, id: first.id, direction: 'before' }, binding);
  return listReply(page.totalResults, rows, render, extra);
}

const opt = (filter: Filter | undefined, sort: SortSpec | undefined): { filter?: Filter; sort?: SortSpec } => ({
  ...(filter !== undefined ? { filter } : {}),
  ...(sort !== undefined ? { sort } : {}),
});

/**
 * `POST /.search` (RFC 7644 §3.4.3): Users then Groups, one index-paged sequence.
 * A type whose schema lacks an attribute the filter names contributes nothing;
 * a filter no type understands is `invalidFilter`. `sortBy` and `cursor` are not
 * supported across types (400 `invalidValue`).
 */
export async function rootSearchRoute(env: ScimEnv, req: ScimRequest, p: SearchParams): Promise<ScimResponse> {
  if (p.sortBy !== undefined) throw invalidValue('sortBy is not supported on a root search; search /Users or /Groups instead');
  if (p.cursor !== undefined) throw invalidValue('cursor paging is not supported on a root search; search /Users or /Groups instead');
  const filter = parseFilterText(env, p.filter);
  const types = [];
  let firstError: unknown;
  for (const rt of env.registry.resourceTypes()) {
    const rs = env.registry.resourceSchema(rt.name);
    try {
      if (filter !== undefined) checkFilter(filter, rs);
      types.push(rs);
    } catch (e) {
      if (!isScimError(e)) throw e;
      firstError ??= e;
    }
  }
  if (types.length === 0) throw firstError;
  const { startIndex, count } = paging(env, p);
  const ctx = contextFor(env, req);
  let skip = startIndex - 1;
  let room = count;
  let total = 0;
  const out: { rs: ResourceSchema; r: LoadedResource }[] = [];
  for (const rs of types) {
    const read = readOptionsFor(rs, p);
    // Count first, then read only the slice of this type that falls in the page.
    const counted = await listResources(ctx, rs.resourceType.name, { ...opt(filter, undefined), startIndex: 1, count: 0, read });
    total += counted.totalResults;
    if (room > 0 && skip < counted.totalResults) {
      const page = await listResources(ctx, rs.resourceType.name, { ...opt(filter, undefined), startIndex: skip + 1, count: room, read, maxRelations: env.limits.listMaxMembers });
      for (const r of page.resources) out.push({ rs, r });
      room -= page.resources.length;
      skip = 0;
    } else {
      skip -= Math.min(skip, counted.totalResults);
    }
  }
  // RFC 7644 §3.4.2: paging numbers are integers (Okta), `Resources` always present.
  return listReply(total, out, (o) => projectResource(o.rs, renderResource(o.rs, o.r, req.baseUrl), p), { startIndex });
}
