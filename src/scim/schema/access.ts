/**
 * Reading and writing one attribute of a resource given its ResolvedAttribute.
 * Pure: inputs are never mutated; writes return new objects. Only canonical schema
 * names and registered URNs are ever used as keys, and reads are own-property
 * reads, so `__proto__` / `constructor` / `prototype` can never be reached.
 */
import { isJsonObject, ownValue } from './json.ts';
import type { ResolvedAttribute, ScimResource } from './types.ts';

/** The object that holds the attribute: the resource, or its extension block. */
function container(resource: ScimResource, r: ResolvedAttribute): Record<string, unknown> | undefined {
  if (!r.extension) return resource;
  const block = ownValue(resource, r.schemaUrn);
  return isJsonObject(block) ? block : undefined;
}

/**
 * The attribute's value, or undefined when unassigned. With a sub-attribute: of a
 * single-valued complex attribute, the sub-value; of a multi-valued one, the array
 * of the elements' sub-values (elements without it skipped; undefined if none).
 */
export function readAttribute(resource: ScimResource, resolved: ResolvedAttribute): unknown {
  const holder = container(resource, resolved);
  if (holder === undefined) return undefined;
  const value = ownValue(holder, resolved.attribute.name);
  if (value === undefined || value === null) return undefined;
  const sub = resolved.sub;
  if (sub === undefined) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const el of value) {
      if (!isJsonObject(el)) continue;
      const v = ownValue(el, sub.name);
      if (v !== undefined && v !== null) out.push(v);
    }
    return out.length === 0 ? undefined : out;
  }
  if (!isJsonObject(value)) return undefined;
  const v = ownValue(value, sub.name);
  return v === null ? undefined : v;
}

function withKey(obj: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = { ...obj };
  if (value === undefined) delete out[key];
  else out[key] = value;
  return out;
}

/** Sets (or, with `value` undefined, removes) the sub-attribute in a complex value. */
function withSub(current: unknown, subName: string, value: unknown): unknown {
  if (Array.isArray(current)) {
    // No filter: the sub-attribute of every element (RFC 7644 §3.5.2.3 "all values").
    const els = current.map((el) => (isJsonObject(el) ? withKey(el, subName, value) : el));
    const kept = els.filter((el) => !isJsonObject(el) || Object.keys(el).length > 0);
    return kept.length === 0 ? undefined : kept;
  }
  const next = withKey(isJsonObject(current) ? current : {}, subName, value);
  return Object.keys(next).length === 0 ? undefined : next;
}

/** Puts the holder back into the resource, keeping `schemas` in step with extension blocks. */
function withHolder(resource: ScimResource, r: ResolvedAttribute, holder: Record<string, unknown>): ScimResource {
  if (!r.extension) return holder;
  const empty = Object.keys(holder).length === 0;
  const out = withKey(resource, r.schemaUrn, empty ? undefined : holder);
  const schemas = ownValue(resource, 'schemas');
  if (Array.isArray(schemas)) {
    const has = schemas.includes(r.schemaUrn);
    if (empty && has) out['schemas'] = schemas.filter((s) => s !== r.schemaUrn);
    else if (!empty && !has) out['schemas'] = [...schemas, r.schemaUrn];
  }
  return out;
}

/**
 * Returns a new resource with the attribute (or sub-attribute) set to `value`, which
 * must already be canonical (see `coerceAttributeValue`). `undefined`/`null` removes
 * it. A sub-attribute of a multi-valued attribute is written on every element.
 * Writing into an extension creates its block and adds its URN to `schemas`; an
 * emptied block is removed with its URN. Emptied complex values are removed.
 */
export function writeAttribute(resource: ScimResource, resolved: ResolvedAttribute, value: unknown): ScimResource {
  const v = value === null ? undefined : value;
  const holder = container(resource, resolved) ?? {};
  const name = resolved.attribute.name;
  const next =
    resolved.sub === undefined ? v : withSub(ownValue(holder, name), resolved.sub.name, v);
  return withHolder(resource, resolved, withKey(holder, name, next));
}

/** Returns a new resource without the attribute (or sub-attribute); unchanged content if absent. */
export function removeAttribute(resource: ScimResource, resolved: ResolvedAttribute): ScimResource {
  return writeAttribute(resource, resolved, undefined);
}
