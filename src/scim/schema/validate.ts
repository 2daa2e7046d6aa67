/**
 * Request-body validation for POST and PUT (RFC 7644 §3.3, §3.5.1): checks a client
 * resource against its resource type and returns the canonical resource to store.
 */
import { invalidSyntax, invalidValue, mutability } from '../errors.ts';
import { coerceAttributeValue } from './coerce.ts';
import { isJsonObject, jsonEqual, ownValue } from './json.ts';
import { nameKey } from './lookup.ts';
import { enforcePrecis, precisProfileOf } from './precis.ts';
import type { AttributeDefinition, ResourceSchema, ScimResource, SchemaDefinition } from './types.ts';

export { coerceAttributeValue, coerceSingleValue, isDateTime } from './coerce.ts';

const clip = (s: string): string => (s.length > 100 ? `${s.slice(0, 100)}…` : s);

/**
 * A name the resource type does not have: 400 `invalidValue`, the same answer as the
 * same name in a PATCH path or path-less value (RFC 7644 §3.12 Table 9 "not compatible
 * with the ... resource schema"; docs/schema.md). Provider tenants drop and record
 * such names before the core sees them (src/compat/tolerant.ts).
 */
const unknownAttribute = (rs: ResourceSchema, name: string): Error =>
  invalidValue(`"${clip(name)}" is not an attribute of ${rs.resourceType.name} resources`);

/** Attribute values collected for one schema (core or one extension), keyed by definition. */
type Values = Map<AttributeDefinition, unknown>;

/** Options of `validateResource`. */
export interface ValidateOptions {
  /**
   * Most values one multi-valued attribute may hold (Group `members` aside: members
   * are rows, not part of the body); more is 400 `invalidValue`. Absent: no cap.
   * Roster's limit, advertised in /ServiceProviderConfig (docs/scim-api.md).
   */
  readonly maxMultiValued?: number;
}

/** The message of a multi-valued attribute over the cap (shared with PATCH). */
export const tooManyValuesDetail = (path: string, count: number, max: number): string =>
  `Attribute "${path}" has ${count} values; at most ${max} are allowed (maxMultiValued)`;

type Setter = (values: Values, attr: AttributeDefinition, raw: unknown, path: string) => void;

function setter(rs: ResourceSchema, opts: ValidateOptions): Setter {
  const max = opts.maxMultiValued;
  const members = rs.resourceType.name === 'Group' ? rs.core.attributes.find((a) => a.name === 'members') : undefined;
  return (values, attr, raw, path) => {
    // RFC 7643 §3.1 / §7: readOnly values (id, meta, groups …) are never taken from the
    // client and are not an error: IdPs echo them back on PUT.
    if (attr.mutability === 'readOnly') return;
    if (values.has(attr)) throw invalidSyntax(`Attribute "${path}" is given twice`);
    const v = coerceAttributeValue(attr, raw, path);
    if (max !== undefined && Array.isArray(v) && v.length > max && attr !== members) {
      throw invalidValue(tooManyValuesDetail(path, v.length, max));
    }
    values.set(attr, v);
  };
}

/** Reads `schemas` (RFC 7643 §3): an array of URN strings naming the core schema. */
function readSchemas(rs: ResourceSchema, input: Record<string, unknown>): void {
  let schemas: unknown;
  let seen = false;
  for (const key of Object.keys(input)) {
    if (nameKey(key) !== 'schemas') continue;
    if (seen) throw invalidSyntax('"schemas" is given twice');
    seen = true;
    schemas = input[key];
  }
  // RFC 7644 §3.3: the body carries "schemas"; a body without a well-formed one is malformed.
  if (!Array.isArray(schemas) || !schemas.every((s) => typeof s === 'string')) {
    throw invalidSyntax('"schemas" must be an array of schema URN strings');
  }
  const core = nameKey(rs.core.id);
  let hasCore = false;
  for (const s of schemas as string[]) {
    const k = nameKey(s);
    if (k === core) hasCore = true;
    else if (!rs.extensions.some((e) => nameKey(e.id) === k)) {
      throw invalidValue(`Schema "${clip(s)}" is not supported for ${rs.resourceType.name} resources`);
    }
  }
  if (!hasCore) throw invalidValue(`"schemas" must contain ${rs.core.id}`);
}

function findExtension(rs: ResourceSchema, key: string): SchemaDefinition | undefined {
  const k = nameKey(key);
  return rs.extensions.find((e) => nameKey(e.id) === k);
}

/** Required attributes (RFC 7643 §2.2) must have a non-empty value. */
function checkRequired(schema: SchemaDefinition, values: Values, prefix: string): void {
  for (const attr of schema.attributes) {
    if (!attr.required || attr.mutability === 'readOnly') continue;
    const v = values.get(attr);
    if (v === undefined || v === '') throw invalidValue(`Attribute "${prefix}${attr.name}" is required`);
  }
}

/**
 * PRECIS preparation of userName / Group displayName (docs/schema.md "Identifiers"):
 * 400 `invalidValue` when refused. A value equal to the stored one is kept as it is,
 * so rows written before the rule stay updatable (PUT and PATCH send it back).
 */
function checkIdentifiers(values: Values, existing: Record<string, unknown> | undefined): void {
  for (const [attr, v] of values) {
    const profile = precisProfileOf(attr);
    if (profile === undefined || typeof v !== 'string') continue;
    if (existing !== undefined && ownValue(existing, attr.name) === v) continue;
    enforcePrecis(profile, v, attr.name);
  }
}

/**
 * RFC 7644 §3.5.1: an immutable attribute that already has a value must not change.
 * Omitting it keeps the stored value. Immutable sub-attributes of a single-valued
 * complex attribute are checked the same way; elements of multi-valued attributes
 * are replaced as a whole (Group `members` keep immutable `value`s per element).
 */
function checkImmutable(schema: SchemaDefinition, values: Values, existing: Record<string, unknown>, prefix: string): void {
  for (const attr of schema.attributes) {
    const old = ownValue(existing, attr.name);
    if (old === undefined || old === null) continue;
    if (attr.mutability === 'immutable') {
      const v = values.get(attr);
      if (v === undefined) values.set(attr, old);
      else if (!jsonEqual(v, old)) throw mutability(`Attribute "${prefix}${attr.name}" is immutable`);
      continue;
    }
    if (attr.type !== 'complex' || attr.multiValued || !isJsonObject(old)) continue;
    const immutableSubs = (attr.subAttributes ?? []).filter((s) => s.mutability === 'immutable');
    if (immutableSubs.length === 0) continue;
    const cur = values.get(attr);
    const next: Record<string, unknown> = isJsonObject(cur) ? { ...cur } : {};
    for (const sub of immutableSubs) {
      const was = ownValue(old, sub.name);
      if (was === undefined || was === null) continue;
      const now = ownValue(next, sub.name);
      if (now === undefined) next[sub.name] = was;
      else if (!jsonEqual(now, was)) throw mutability(`Attribute "${prefix}${attr.name}.${sub.name}" is immutable`);
    }
    if (Object.keys(next).length > 0) values.set(attr, next);
  }
}

function render(schema: SchemaDefinition, values: Values, target: Record<string, unknown>): boolean {
  let any = false;
  for (const attr of schema.attributes) {
    const v = values.get(attr);
    if (v === undefined) continue;
    target[attr.name] = v;
    any = true;
  }
  return any;
}

/**
 * Validates a POST (`create`) or PUT (`replace`) body and returns the canonical
 * resource: `schemas` = the core URN plus the URN of each extension block present;
 * then the attributes in schema order, canonical names; extension blocks keyed by
 * their canonical URN. Throws only `ScimError`:
 * - not a JSON object, or `schemas` missing / not an array of strings, or an attribute
 *   given twice (names differ only in case) → `invalidSyntax`;
 * - `schemas` without the core URN, or naming a URN that is neither the core nor a
 *   registered extension of this type → `invalidValue`;
 * - wrong type, multi-valued not an array, two `primary: true`, lone surrogate,
 *   required attribute missing/null/empty, required extension missing, more values
 *   than `opts.maxMultiValued` → `invalidValue`;
 * - `replace` with `existing`: changing an immutable value that is set → `mutability`;
 * - userName / Group displayName refused by PRECIS preparation (./precis.ts), unless
 *   equal to the value in `existing` → `invalidValue`;
 * - a name the type does not have (an attribute, a sub-attribute, a dotted top-level
 *   key such as `name.givenName`) → `invalidValue`.
 * Ignored (dropped, never an error): readOnly attributes and sub-attributes (`id`,
 * `meta`, `groups`, `manager.displayName`). `null` and `[]` mean unset
 * (RFC 7643 §2.5). A URN-qualified top-level key
 * (`urn:ietf:params:scim:schemas:core:2.0:User:userName`) is the attribute it names,
 * in the core or in an extension. writeOnly values (`password`) are validated and
 * KEPT in the result: the caller hashes or drops them before storing, and
 * projection never returns them (`returned: never`). readOnly values are not
 * copied from `existing`; the caller keeps `id`/`meta` itself.
 */
export function validateResource(
  rs: ResourceSchema,
  input: unknown,
  mode: 'create' | 'replace',
  existing?: ScimResource,
  opts: ValidateOptions = {},
): ScimResource {
  if (!isJsonObject(input)) throw invalidSyntax('The request body must be a JSON object');
  const set = setter(rs, opts);
  readSchemas(rs, input);
  const core: Values = new Map();
  const ext = new Map<SchemaDefinition, Values>(rs.extensions.map((e) => [e, new Map()]));
  const extPresent = new Set<SchemaDefinition>();

  for (const key of Object.keys(input)) {
    const raw = input[key];
    if (nameKey(key) === 'schemas') continue;
    const extension = findExtension(rs, key);
    if (extension !== undefined) {
      if (extPresent.has(extension)) throw invalidSyntax(`Extension "${extension.id}" is given twice`);
      if (raw === null) continue; // RFC 7643 §2.5: unassigned.
      if (!isJsonObject(raw)) throw invalidValue(`Extension "${extension.id}" must be an object`);
      extPresent.add(extension);
      const values = ext.get(extension) as Values;
      for (const sub of Object.keys(raw)) {
        const attr = rs.resolve({ uri: extension.id, name: sub });
        if (attr === undefined) throw unknownAttribute(rs, `${extension.id}:${sub}`);
        set(values, attr.attribute, raw[sub], `${extension.id}:${attr.attribute.name}`);
      }
      continue;
    }
    const colon = key.lastIndexOf(':');
    const resolved =
      colon > 0 ? rs.resolve({ uri: key.slice(0, colon), name: key.slice(colon + 1) }) : rs.resolve({ uri: rs.core.id, name: key });
    if (resolved === undefined) throw unknownAttribute(rs, key);
    if (resolved.extension) {
      const schema = rs.extensions.find((e) => e.id === resolved.schemaUrn) as SchemaDefinition;
      set(ext.get(schema) as Values, resolved.attribute, raw, `${schema.id}:${resolved.attribute.name}`);
    } else {
      set(core, resolved.attribute, raw, resolved.attribute.name);
    }
  }

  if (mode === 'replace' && existing !== undefined) {
    checkImmutable(rs.core, core, existing, '');
    for (const e of rs.extensions) {
      const block = ownValue(existing, e.id);
      if (isJsonObject(block)) checkImmutable(e, ext.get(e) as Values, block, `${e.id}:`);
    }
  }

  checkRequired(rs.core, core, '');
  checkIdentifiers(core, mode === 'replace' ? existing : undefined);
  const out: ScimResource = { schemas: [rs.core.id] };
  const schemas = out['schemas'] as string[];
  // Common attributes first (externalId), then the core schema's own attributes.
  render({ ...rs.core, attributes: commonFirst(rs, core) }, core, out);
  for (const e of rs.extensions) {
    const values = ext.get(e) as Values;
    const required = rs.resourceType.schemaExtensions.some((r) => r.required && nameKey(r.schema) === nameKey(e.id));
    const block: Record<string, unknown> = {};
    if (render(e, values, block)) {
      checkRequired(e, values, `${e.id}:`);
      out[e.id] = block;
      schemas.push(e.id);
    } else if (required) {
      throw invalidValue(`Extension "${e.id}" is required for ${rs.resourceType.name} resources`);
    }
  }
  return out;
}

/** Attribute definitions of `values` in canonical order: common attributes, then the core schema's. */
function commonFirst(rs: ResourceSchema, values: Values): AttributeDefinition[] {
  const own = new Set(rs.core.attributes);
  return [...[...values.keys()].filter((a) => !own.has(a)), ...rs.core.attributes];
}
