/**
 * Response projection: `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9)
 * and the `returned` characteristic (RFC 7643 §7).
 */
import { invalidValue, isScimError } from '../errors.ts';
import type { AttrPath } from '../filter/ast.ts';
import { parseAttrPath } from '../path/parse.ts';
import { commonAttributes } from './common.ts';
import { isJsonObject, ownValue } from './json.ts';
import { nameKey } from './lookup.ts';
import type { AttributeDefinition, ResourceSchema, ScimResource, SchemaDefinition } from './types.ts';

/**
 * Most names one `attributes` or `excludedAttributes` list may carry (duplicates
 * included). A User has fewer than 100 attribute and sub-attribute names in all, so
 * no real client comes near it; past it the list is refused (docs/scim-api.md).
 */
export const MAX_ATTRIBUTE_NAMES = 200;

/**
 * Parses an `attributes` / `excludedAttributes` query value: comma-separated
 * attribute paths (RFC 7644 §3.10 form, URN-qualified allowed), spaces around
 * names trimmed, empty entries skipped, repeated names (compared case-insensitively,
 * RFC 7643 §2.1) kept once. null/undefined/blank → []. A malformed name, or more
 * than `maxNames` entries (default `MAX_ATTRIBUTE_NAMES`) → 400 `invalidValue` (a bad
 * query parameter value; `invalidPath` is the PATCH "path" error of RFC 7644 §3.5.2).
 */
export function parseAttributeList(text: string | null | undefined, maxNames: number = MAX_ATTRIBUTE_NAMES): AttrPath[] {
  if (text === null || text === undefined) return [];
  const out: AttrPath[] = [];
  const seen = new Set<string>();
  let entries = 0;
  for (const part of text.split(',')) {
    const name = part.trim();
    if (name === '') continue;
    if (++entries > maxNames) throw invalidValue(`An attribute list may name at most ${maxNames} attributes`);
    const key = nameKey(name);
    if (seen.has(key)) continue;
    seen.add(key);
    try {
      out.push(parseAttrPath(name));
    } catch (e) {
      if (isScimError(e)) throw invalidValue(`Invalid attribute name in attribute list: ${e.detail}`);
      throw e;
    }
  }
  return out;
}

/**
 * The schema a path names as a whole, for `attributes=<schema URN>`: the parser
 * splits `urn:…:enterprise:2.0:User` into uri `urn:…:enterprise:2.0` and name `User`.
 */
export function schemaNamedBy(rs: ResourceSchema, path: AttrPath): SchemaDefinition | undefined {
  if (path.sub !== undefined) return undefined;
  const full = nameKey(path.uri === undefined ? path.name : `${path.uri}:${path.name}`);
  if (nameKey(rs.core.id) === full) return rs.core;
  return rs.extensions.find((e) => nameKey(e.id) === full);
}

/** What a list selects: whole schemas, whole attributes, or some sub-attributes. */
export interface Selection {
  readonly schemas: Set<SchemaDefinition>;
  readonly attrs: Map<AttributeDefinition, Set<AttributeDefinition> | 'all'>;
}

function select(rs: ResourceSchema, paths: readonly AttrPath[] | undefined): Selection | undefined {
  // Resolving each name once: repeated names land in the same Set/Map entry.
  if (paths === undefined || paths.length === 0) return undefined;
  const sel: Selection = { schemas: new Set(), attrs: new Map() };
  for (const p of paths) {
    const schema = schemaNamedBy(rs, p);
    if (schema !== undefined) {
      sel.schemas.add(schema);
      continue;
    }
    const r = rs.resolve(p);
    if (r === undefined) continue; // Unknown names select nothing.
    const cur = sel.attrs.get(r.attribute);
    if (r.sub === undefined) sel.attrs.set(r.attribute, 'all');
    else if (cur === undefined) sel.attrs.set(r.attribute, new Set([r.sub]));
    else if (cur !== 'all') cur.add(r.sub);
  }
  return sel;
}

/** RFC 7643 §7: is a (sub-)attribute returned, given how its parent was selected? */
function wanted(def: AttributeDefinition, named: boolean, listGiven: boolean): boolean {
  switch (def.returned) {
    case 'never':
      return false;
    case 'always':
      return true;
    case 'request':
      return named;
    case 'default':
      return listGiven ? named : true;
  }
}

function projectComplex(
  attr: AttributeDefinition,
  value: Record<string, unknown>,
  inc: Set<AttributeDefinition> | 'all' | undefined,
  exc: Set<AttributeDefinition> | 'all' | undefined,
): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const sub of attr.subAttributes ?? []) {
    const v = ownValue(value, sub.name);
    if (unassigned(v)) continue;
    const named = inc instanceof Set ? inc.has(sub) : false;
    const show = inc instanceof Set ? named || sub.returned === 'always' : wanted(sub, false, false);
    const hidden = exc instanceof Set && exc.has(sub) && sub.returned !== 'always';
    if (show && !hidden) out[sub.name] = v;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** RFC 7643 §2.5: unassigned, null and an empty array (or empty complex value) are the same state. */
function unassigned(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return isJsonObject(v) && Object.keys(v).length === 0;
}

const shownWholeCache = new WeakMap<AttributeDefinition, boolean>();

/**
 * With no `attributes`/`excludedAttributes`, an attribute returned by default whose
 * sub-attributes are all returned by default is shown exactly as stored: its value
 * is copied as it is, not rebuilt (the common case on every list page).
 */
function shownWhole(attr: AttributeDefinition): boolean {
  let whole = shownWholeCache.get(attr);
  if (whole === undefined) {
    const byDefault = (d: AttributeDefinition): boolean => d.returned === 'default' || d.returned === 'always';
    whole = byDefault(attr) && (attr.subAttributes ?? []).every(byDefault);
    shownWholeCache.set(attr, whole);
  }
  return whole;
}

const coreAttributesCache = new WeakMap<ResourceSchema, readonly AttributeDefinition[]>();

/** RFC 7643 §3.1: the common attributes (id, externalId, meta) belong to every resource. */
function coreAttributes(rs: ResourceSchema): readonly AttributeDefinition[] {
  let attrs = coreAttributesCache.get(rs);
  if (attrs === undefined) coreAttributesCache.set(rs, (attrs = [...commonAttributes, ...rs.core.attributes]));
  return attrs;
}

function projectAttributes(
  attrs: readonly AttributeDefinition[],
  from: Record<string, unknown>,
  inc: Selection | undefined,
  exc: Selection | undefined,
  wholeSchema: boolean,
  to: Record<string, unknown>,
): void {
  for (const attr of attrs) {
    const value = ownValue(from, attr.name);
    if (unassigned(value)) continue;
    if (inc === undefined && exc === undefined && shownWhole(attr)) {
      to[attr.name] = value;
      continue;
    }
    const incSel = inc?.attrs.get(attr) ?? (wholeSchema && attr.returned !== 'request' ? 'all' : undefined);
    if (!wanted(attr, incSel !== undefined, inc !== undefined)) continue;
    const excSel = exc?.attrs.get(attr);
    if (excSel === 'all' && attr.returned !== 'always') continue;
    if (attr.type !== 'complex') {
      to[attr.name] = value;
      continue;
    }
    // A named sub-attribute list narrows the complex value; otherwise its default subs.
    const subInc = incSel instanceof Set ? incSel : 'all';
    if (Array.isArray(value)) {
      const els = value
        .map((el) => (isJsonObject(el) ? projectComplex(attr, el, subInc, excSel) : undefined))
        .filter((el) => el !== undefined);
      if (els.length > 0) to[attr.name] = els;
    } else if (isJsonObject(value)) {
      const v = projectComplex(attr, value, subInc, excSel);
      if (v !== undefined) to[attr.name] = v;
    }
  }
}

/**
 * `attributes` / `excludedAttributes` resolved against one resource schema, built
 * once per request and applied to every resource of the response: the cost of a
 * list page is resources × schema attributes, not resources × names asked for.
 */
export interface CompiledProjection {
  readonly rs: ResourceSchema;
  readonly include: Selection | undefined;
  readonly exclude: Selection | undefined;
}

/** Resolves the two lists once (unknown names select nothing; repeated names count once). */
export function compileProjection(
  rs: ResourceSchema,
  opts: { attributes?: readonly AttrPath[]; excludedAttributes?: readonly AttrPath[] } = {},
): CompiledProjection {
  return { rs, include: select(rs, opts.attributes), exclude: select(rs, opts.excludedAttributes) };
}

const isCompiled = (o: object): o is CompiledProjection => 'rs' in o && 'include' in o;

/**
 * Returns a new resource holding what the response may show (RFC 7643 §7, RFC 7644
 * §3.4.2.5): `returned: always` attributes (`id`) always; `never` (`password`)
 * never; `default` unless excluded, or — when `attributes` is given — only if named;
 * `request` only when named in `attributes`. Names may be sub-attributes
 * (`name.givenName`), URN-qualified, or a whole schema URN (the whole block). With
 * both lists, `attributes` selects and `excludedAttributes` then removes.
 * `schemas` is kept, listing the core URN and the extensions still present.
 * Only schema-defined attributes are copied; the input is never mutated.
 * Unassigned values are left out: null, `[]` and `{}` (RFC 7643 §2.5 makes them
 * equivalent to an absent attribute), so no response carries an empty array.
 * `opts` may be a `compileProjection` result (lists resolved once per request).
 */
export function projectResource(
  rs: ResourceSchema,
  resource: ScimResource,
  opts: CompiledProjection | { attributes?: readonly AttrPath[]; excludedAttributes?: readonly AttrPath[] } = {},
): ScimResource {
  const compiled = isCompiled(opts) && opts.rs === rs ? opts : compileProjection(rs, isCompiled(opts) ? {} : opts);
  const inc = compiled.include;
  const exc = compiled.exclude;
  const out: ScimResource = { schemas: [rs.core.id] };
  const schemas = out['schemas'] as string[];
  projectAttributes(coreAttributes(rs), resource, inc, exc, inc?.schemas.has(rs.core) ?? false, out);
  for (const ext of rs.extensions) {
    const block = ownValue(resource, ext.id);
    if (!isJsonObject(block)) continue;
    if (exc?.schemas.has(ext)) continue;
    const target: Record<string, unknown> = {};
    projectAttributes(ext.attributes, block, inc, exc, inc?.schemas.has(ext) ?? false, target);
    if (Object.keys(target).length > 0) {
      out[ext.id] = target;
      schemas.push(ext.id);
    }
  }
  return out;
}
