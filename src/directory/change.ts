/**
 * The attribute-level change of a resource, for the audit row and the outbox event
 * (docs/audit.md). Pure: compares the SCIM body before and after a write.
 *
 * - Simple attributes and sub-attributes: `{ path, before, after }`, paths in SCIM
 *   attribute notation (RFC 7644 §3.10: `name.givenName`, `urn:…:User:employeeNumber`).
 * - Multi-valued attributes are compared as sets of values (order is not significant,
 *   RFC 7643 §2.4): `{ path, added, removed }`, each list cut to `MAX_LISTED` values
 *   with the full counts.
 * - Group membership: the ids actually added and removed, cut to `MAX_LISTED`, with counts.
 * - `password` and every writeOnly attribute are never included, at any depth
 *   (RFC 7643 §7 "writeOnly", §4.1.1 `password`).
 */
import type { ResourceSchema, ScimResource } from '../scim/schema/types.ts';

/** Most values listed for one multi-valued attribute or one membership side. */
export const MAX_LISTED = 100;

/** One attribute that changed. */
export interface AttributeChange {
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
  /** Multi-valued: the values added / removed (at most `MAX_LISTED` each) and how many in all. */
  readonly added?: readonly unknown[];
  readonly removed?: readonly unknown[];
  readonly addedCount?: number;
  readonly removedCount?: number;
}

/** Group members added and removed by one change. */
export interface MembersChange {
  /** At most `MAX_LISTED` ids each. */
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly addedCount: number;
  readonly removedCount: number;
}

/** What the audit row's `change` column holds. */
export interface ResourceChange {
  readonly attributes: readonly AttributeChange[];
  readonly members?: MembersChange;
}

const secretCache = new WeakMap<ResourceSchema, ReadonlySet<string>>();

/** Lower-cased names never recorded: `password` and the schema's writeOnly attributes (core and extensions). */
export function secretNames(rs: ResourceSchema | undefined): ReadonlySet<string> {
  if (rs === undefined) return new Set(['password']);
  let cached = secretCache.get(rs);
  if (cached === undefined) secretCache.set(rs, (cached = collectSecretNames(rs)));
  return cached;
}

function collectSecretNames(rs: ResourceSchema): ReadonlySet<string> {
  const out = new Set(['password']);
  for (const a of [...rs.core.attributes, ...rs.extensions.flatMap((e) => e.attributes)]) {
    if (a.mutability === 'writeOnly') out.add(a.name.toLowerCase());
    for (const s of a.subAttributes ?? []) if (s.mutability === 'writeOnly') out.add(s.name.toLowerCase());
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** JSON with object keys sorted: equal values give equal text (for set comparison). */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** The value with secret members removed at every depth. */
function scrub(v: unknown, secret: ReadonlySet<string>): unknown {
  if (Array.isArray(v)) return v.map((x) => scrub(x, secret));
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!secret.has(k.toLowerCase())) out[k] = scrub(x, secret);
  return out;
}

function listDiff(path: string, before: readonly unknown[], after: readonly unknown[], secret: ReadonlySet<string>): AttributeChange | undefined {
  const count = (xs: readonly unknown[]): Map<string, { n: number; v: unknown }> => {
    const m = new Map<string, { n: number; v: unknown }>();
    for (const x of xs) {
      const k = canonical(x);
      const e = m.get(k);
      if (e === undefined) m.set(k, { n: 1, v: x });
      else e.n++;
    }
    return m;
  };
  const b = count(before);
  const a = count(after);
  const minus = (x: Map<string, { n: number; v: unknown }>, y: Map<string, { n: number; v: unknown }>): unknown[] => {
    const out: unknown[] = [];
    for (const [k, e] of x) for (let i = y.get(k)?.n ?? 0; i < e.n; i++) out.push(e.v);
    return out;
  };
  const added = minus(a, b);
  const removed = minus(b, a);
  if (added.length === 0 && removed.length === 0) return undefined;
  return {
    path,
    added: added.slice(0, MAX_LISTED).map((x) => scrub(x, secret)),
    removed: removed.slice(0, MAX_LISTED).map((x) => scrub(x, secret)),
    addedCount: added.length,
    removedCount: removed.length,
  };
}

function walk(out: AttributeChange[], prefix: string, sep: string, before: Record<string, unknown>, after: Record<string, unknown>, secret: ReadonlySet<string>): void {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  for (const k of keys) {
    if (secret.has(k.toLowerCase())) continue;
    const path = prefix === '' ? k : `${prefix}${sep}${k}`;
    const b = before[k];
    const a = after[k];
    if (canonical(b) === canonical(a)) continue;
    if (isObject(b) && isObject(a)) {
      // An extension block's attributes are `urn:…:name`; a complex attribute's `attr.sub`.
      walk(out, path, prefix === '' && k.includes(':') ? ':' : '.', b, a, secret);
    } else if (Array.isArray(b) || Array.isArray(a)) {
      const d = listDiff(path, Array.isArray(b) ? b : b === undefined ? [] : [b], Array.isArray(a) ? a : a === undefined ? [] : [a], secret);
      if (d !== undefined) out.push(d);
    } else {
      out.push({ path, ...(b !== undefined ? { before: scrub(b, secret) } : {}), ...(a !== undefined ? { after: scrub(a, secret) } : {}) });
    }
  }
}

/**
 * The attributes that differ between two bodies (either may be absent: create,
 * delete). `id`, `meta`, `schemas`, `members` and `groups` are not compared (members
 * go through `membersChange`).
 */
export function diffResource(before: ScimResource | undefined, after: ScimResource | undefined, secret: ReadonlySet<string>): AttributeChange[] {
  const skip = new Set(['id', 'meta', 'schemas', 'members', 'groups']);
  const pick = (r: ScimResource | undefined): Record<string, unknown> =>
    Object.fromEntries(Object.entries(r ?? {}).filter(([k, v]) => !skip.has(k) && v !== undefined));
  const out: AttributeChange[] = [];
  walk(out, '', '.', pick(before), pick(after), secret);
  return out;
}

/** The membership part of a change, bounded; undefined when nothing was added or removed. */
export function membersChange(added: readonly string[], removed: readonly string[]): MembersChange | undefined {
  if (added.length === 0 && removed.length === 0) return undefined;
  return { added: added.slice(0, MAX_LISTED), removed: removed.slice(0, MAX_LISTED), addedCount: added.length, removedCount: removed.length };
}

/**
 * The request path as recorded: the path itself, and the query with the value of
 * `filter` replaced by `…` (filter values are personal data; docs/audit.md).
 */
export function redactedPath(path: string, query?: URLSearchParams): string {
  const q = path.indexOf('?');
  const params = new URLSearchParams(q < 0 ? (query?.toString() ?? '') : path.slice(q + 1));
  const base = q < 0 ? path : path.slice(0, q);
  if (params.has('filter')) params.set('filter', '…');
  const s = params.toString();
  return s === '' ? base : `${base}?${s}`;
}
