/**
 * SCIM protocol messages (RFC 7644 §3.4.2, §3.4.3, §3.5.2, §3.7, §3.12; RFC 9865
 * cursors): URNs, paging parameters, the ListResponse body, the SearchRequest body.
 */
import { invalidSyntax, invalidValue } from './errors.ts';

export { ERROR_URN } from './errors.ts';
export const LIST_RESPONSE_URN = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const SEARCH_REQUEST_URN = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
export const PATCH_OP_URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const BULK_REQUEST_URN = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_RESPONSE_URN = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

const INTEGER = /^[+-]?\d+$/;

/** An integer from a query string or JSON number; undefined when absent/blank. */
function readInteger(name: string, v: string | number | null | undefined): number | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw invalidValue(`"${name}" must be an integer`);
    return v;
  }
  const t = v.trim();
  if (t === '') return undefined;
  if (!INTEGER.test(t)) throw invalidValue(`"${name}" must be an integer`);
  return Number(t);
}

/**
 * Index-based paging (RFC 7644 §3.4.2.4): startIndex is 1-based, values < 1 are
 * read as 1; count < 0 is read as 0 (a count of 0 asks for totalResults only);
 * count above `maxCount` is lowered to it; absent count → `defaultCount`. Huge
 * digit strings clamp the same way. Non-integer text → 400 `invalidValue`.
 */
export function parsePaging(
  params: { startIndex?: string | number | null; count?: string | number | null },
  limits: { defaultCount: number; maxCount: number },
): { startIndex: number; count: number } {
  const start = readInteger('startIndex', params.startIndex);
  const count = readInteger('count', params.count);
  const startIndex = start === undefined || !(start >= 1) ? 1 : Math.min(start, Number.MAX_SAFE_INTEGER);
  const c = count === undefined ? limits.defaultCount : count;
  return { startIndex, count: Math.max(0, Math.min(c, limits.maxCount)) };
}

/** The body of a list or query response (RFC 7644 §3.4.2). */
export interface ListResponseBody<T> {
  schemas: [typeof LIST_RESPONSE_URN];
  totalResults: number;
  startIndex?: number;
  itemsPerPage: number;
  nextCursor?: string;
  previousCursor?: string;
  Resources: T[];
}

/**
 * Builds a ListResponse: integer `totalResults`, `itemsPerPage` (defaults to the
 * number of resources), `startIndex` (omitted in cursor mode when not given),
 * RFC 9865 `nextCursor` / `previousCursor` when given, and `Resources` always
 * present, even empty (Okta reads it on an empty result).
 */
export function listResponse<T>(
  resources: readonly T[],
  opts: {
    totalResults: number;
    startIndex?: number;
    itemsPerPage?: number;
    nextCursor?: string;
    previousCursor?: string;
  },
): ListResponseBody<T> {
  // Key order as in the RFC 7644 §3.4.2 examples.
  return {
    schemas: [LIST_RESPONSE_URN],
    totalResults: Math.trunc(opts.totalResults),
    itemsPerPage: Math.trunc(opts.itemsPerPage ?? resources.length),
    ...(opts.startIndex !== undefined ? { startIndex: Math.trunc(opts.startIndex) } : {}),
    ...(opts.nextCursor !== undefined ? { nextCursor: opts.nextCursor } : {}),
    ...(opts.previousCursor !== undefined ? { previousCursor: opts.previousCursor } : {}),
    Resources: resources.slice(),
  };
}

/** A parsed `POST /.search` body (RFC 7644 §3.4.3, RFC 9865 `cursor`). */
export interface SearchRequest {
  attributes?: string[];
  excludedAttributes?: string[];
  filter?: string;
  sortBy?: string;
  sortOrder?: 'ascending' | 'descending';
  startIndex?: number;
  count?: number;
  cursor?: string;
}

const SEARCH_KEYS = new Map(
  ['attributes', 'excludedAttributes', 'filter', 'sortBy', 'sortOrder', 'startIndex', 'count', 'cursor'].map((k) => [
    k.toLowerCase(),
    k,
  ]),
);

/**
 * Parses a SearchRequest body. Not an object, `schemas` missing or without the
 * SearchRequest URN → `invalidSyntax`; a member of the wrong type → `invalidValue`.
 * Member names are case-insensitive; unknown members are ignored. `sortOrder` is
 * matched case-insensitively. Numbers are returned as given (apply `parsePaging`).
 * `attributes`/`excludedAttributes` may also be a comma-separated string, the
 * form of the query parameter.
 */
export function parseSearchRequest(body: unknown): SearchRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidSyntax('The SearchRequest body must be a JSON object');
  }
  const src = body as Record<string, unknown>;
  const schemasKey = Object.keys(src).find((k) => k.toLowerCase() === 'schemas');
  const schemas = schemasKey === undefined ? undefined : src[schemasKey];
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === SEARCH_REQUEST_URN.toLowerCase())) {
    throw invalidSyntax(`"schemas" must contain ${SEARCH_REQUEST_URN}`);
  }
  const out: SearchRequest = {};
  for (const key of Object.keys(src)) {
    const name = SEARCH_KEYS.get(key.toLowerCase());
    const v = src[key];
    if (name === undefined || v === null) continue;
    switch (name) {
      case 'attributes':
      case 'excludedAttributes':
        if (typeof v === 'string') out[name] = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
        else if (Array.isArray(v) && v.every((s) => typeof s === 'string')) out[name] = [...(v as string[])];
        else throw invalidValue(`"${name}" must be an array of strings`);
        break;
      case 'filter':
      case 'sortBy':
      case 'cursor':
        if (typeof v !== 'string') throw invalidValue(`"${name}" must be a string`);
        out[name] = v;
        break;
      case 'sortOrder': {
        const o = typeof v === 'string' ? v.toLowerCase() : undefined;
        if (o !== 'ascending' && o !== 'descending') throw invalidValue('"sortOrder" must be "ascending" or "descending"');
        out.sortOrder = o;
        break;
      }
      case 'startIndex':
      case 'count':
        if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidValue(`"${name}" must be an integer`);
        out[name] = v;
        break;
    }
  }
  return out;
}
