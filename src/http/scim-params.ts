/**
 * Query parameters and SearchRequest bodies (RFC 7644 §3.4.2, §3.4.3, §3.9;
 * RFC 9865 `cursor`) → one normalised shape, plus what the projection asks to load.
 */
import { parseSearchRequest } from '../scim/messages.ts';
import { parseAttributeList } from '../scim/schema/project.ts';
import type { AttrPath } from '../scim/filter/ast.ts';
import type { ResourceSchema } from '../scim/schema/types.ts';
import type { ReadOptions } from '../directory/resources.ts';

export interface Projection {
  readonly attributes: readonly AttrPath[];
  readonly excludedAttributes: readonly AttrPath[];
}

export interface SearchParams extends Projection {
  readonly filter?: string;
  readonly sortBy?: string;
  readonly sortOrder?: string;
  /** Raw paging values (query text or JSON numbers); `parsePaging` reads them. */
  readonly startIndex?: string | number;
  readonly count?: string | number;
  /** RFC 9865: present (possibly '') selects cursor paging. */
  readonly cursor?: string;
}

/** `attributes=a,b.c` → paths (RFC 7644 §3.9, H2's parser); malformed → 400 `invalidValue`. */
export function parseAttributeNames(raw: string | readonly string[] | null | undefined): AttrPath[] {
  if (raw === null || raw === undefined) return [];
  return parseAttributeList(typeof raw === 'string' ? raw : raw.join(','));
}

/** The first value of each parameter, by lower-cased name (RFC 7644 §3.4.2 names are attribute-like: case-insensitive). */
function byName(q: URLSearchParams): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of q) {
    const n = k.toLowerCase();
    if (!out.has(n)) out.set(n, v);
  }
  return out;
}

/** Reads the list parameters of a GET (RFC 7644 §3.4.2). */
export function searchParamsFromQuery(q: URLSearchParams): SearchParams {
  const m = byName(q);
  const filter = m.get('filter');
  const sortBy = m.get('sortby');
  const sortOrder = m.get('sortorder');
  const startIndex = m.get('startindex');
  const count = m.get('count');
  const cursor = m.get('cursor');
  return {
    ...(filter !== undefined ? { filter } : {}),
    ...(sortBy !== undefined && sortBy !== '' ? { sortBy } : {}),
    ...(sortOrder !== undefined && sortOrder !== '' ? { sortOrder } : {}),
    ...(startIndex !== undefined && startIndex.trim() !== '' ? { startIndex } : {}),
    ...(count !== undefined && count.trim() !== '' ? { count } : {}),
    ...(cursor !== undefined ? { cursor } : {}),
    ...projection(m),
  };
}

const NO_PATHS: readonly AttrPath[] = Object.freeze([]);
const attrs = (raw: string | undefined): readonly AttrPath[] => (raw === undefined || raw === '' ? NO_PATHS : parseAttributeNames(raw));
const projection = (m: Map<string, string>): Projection => ({ attributes: attrs(m.get('attributes')), excludedAttributes: attrs(m.get('excludedattributes')) });

export function projectionFromQuery(q: URLSearchParams): Projection {
  return projection(byName(q));
}

/** Reads a SearchRequest body (RFC 7644 §3.4.3) with H2's `parseSearchRequest`. */
export function searchParamsFromBody(body: unknown): SearchParams {
  const r = parseSearchRequest(body);
  return {
    ...(r.filter !== undefined ? { filter: r.filter } : {}),
    ...(r.sortBy !== undefined && r.sortBy !== '' ? { sortBy: r.sortBy } : {}),
    ...(r.sortOrder !== undefined ? { sortOrder: r.sortOrder } : {}),
    ...(r.startIndex !== undefined ? { startIndex: r.startIndex } : {}),
    ...(r.count !== undefined ? { count: r.count } : {}),
    ...(r.cursor !== undefined ? { cursor: r.cursor } : {}),
    attributes: parseAttributeNames(r.attributes),
    excludedAttributes: parseAttributeNames(r.excludedAttributes),
  };
}

/** Whether the projection returns a top-level core attribute (decides whether members/groups are read). */
function wants(rs: ResourceSchema, name: string, p: Projection): boolean {
  const names = (paths: readonly AttrPath[]): boolean =>
    paths.some((a) => {
      const r = rs.resolve({ ...(a.uri !== undefined ? { uri: a.uri } : {}), name: a.name });
      return r !== undefined && !r.extension && r.attribute.name === name;
    });
  // RFC 7644 §3.9: `attributes` overrides the default set; `excludedAttributes` removes from it.
  if (p.attributes.length > 0) return names(p.attributes);
  return !names(p.excludedAttributes);
}

/** RFC 7644 §3.9 with Entra's `excludedAttributes=members`: members/groups rows are read only when returned. */
export function readOptionsFor(rs: ResourceSchema, p: Projection): ReadOptions {
  const kind = rs.resourceType.name;
  return { withMembers: kind === 'Group' && wants(rs, 'members', p), withGroups: kind === 'User' && wants(rs, 'groups', p) };
}
