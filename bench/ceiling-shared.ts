/**
 * What both bare ceilings (`bench/ceiling.ts` on SQLite, `bench/ceiling-pg.ts` on
 * PostgreSQL) compute alike: the search document of a written resource, and the schema
 * URNs and `meta` of their answers (docs/benchmark.md "The ceiling is the same database work").
 */

/** RFC 7643 §8.7.1 core schema URNs. */
export const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';

/** The search document: the body with caseExact=false strings folded (lower-case suffices for the bench's ASCII data). */
export function searchOf(data: Record<string, unknown>): Record<string, unknown> {
  const fold = (v: unknown, key: string): unknown => {
    if (typeof v === 'string') return key === 'externalId' ? v : v.toLowerCase();
    if (Array.isArray(v)) return v.map((x) => fold(x, key));
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fold(x, k)]));
    return v;
  };
  return fold(data, '') as Record<string, unknown>;
}

/** The stored timestamps and version of a row, as both ceilings read it. */
export interface MetaRow {
  readonly id: string;
  readonly version: number;
  readonly created: string;
  readonly last_modified: string;
}

/** A resource's `meta` member (RFC 7643 §3.1), as Roster renders it, under `base` (the tenant's SCIM base URL). */
export const metaJson = (base: string, type: string, row: MetaRow): string =>
  `"meta":{"resourceType":"${type}","created":"${row.created}","lastModified":"${row.last_modified}","location":"${base}/${type}s/${row.id}","version":"W/\\"${row.version}\\""}`;
