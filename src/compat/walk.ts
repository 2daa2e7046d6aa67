/**
 * Schema-guided traversal of request bodies: finds each attribute value in a
 * resource body (core attributes, extension blocks, sub-attributes, elements of
 * multi-valued attributes) and in PATCH values (by `path`, or the keys of a
 * path-less value), so a step can rewrite values by their declared type.
 */
import { parsePath } from '../scim/path/parse.ts';
import type { PatchPath } from '../scim/filter/ast.ts';
import type { AttributeDefinition, ResourceSchema, SchemaDefinition } from '../scim/schema/types.ts';
import { getKey, isObject, keyOf, sameName } from './json.ts';

/**
 * Called for each attribute value found: `holder[key]` is the value of `def`. It may
 * replace or delete `holder[key]`; traversal then descends into the new value.
 * `element` is true when `holder[key]` is ONE element of a multi-valued attribute
 * (the value of a PATCH through a value filter, `emails[type eq "work"]`).
 */
export type AttrVisitor = (def: AttributeDefinition, holder: Record<string, unknown>, key: string, element: boolean) => void;

/** The extension schema whose URN is `key` (case-insensitive), if any. */
export function extensionOf(rs: ResourceSchema, key: string): SchemaDefinition | undefined {
  return rs.extensions.find((e) => sameName(e.id, key));
}

function findDef(defs: readonly AttributeDefinition[], key: string): AttributeDefinition | undefined {
  return defs.find((d) => sameName(d.name, key));
}

/** Visits `holder[key]` as a value of `def`, then its sub-attributes. */
export function visitValue(def: AttributeDefinition, holder: Record<string, unknown>, key: string, element: boolean, visit: AttrVisitor): void {
  visit(def, holder, key, element);
  if (def.type !== 'complex' || !Object.hasOwn(holder, key)) return;
  const v = holder[key];
  const subs = def.subAttributes ?? [];
  if (Array.isArray(v)) {
    for (const el of v) if (isObject(el)) visitAttributes(subs, el, visit);
  } else if (isObject(v)) {
    visitAttributes(subs, v, visit);
  }
}

/** Visits every key of `obj` that names one of `defs`. */
export function visitAttributes(defs: readonly AttributeDefinition[], obj: Record<string, unknown>, visit: AttrVisitor): void {
  for (const key of Object.keys(obj)) {
    const def = findDef(defs, key);
    if (def !== undefined) visitValue(def, obj, key, false, visit);
  }
}

/** Parses a PATCH path or a path-like key; undefined when it is not one (the core will say why). */
export function tryParsePath(text: string): PatchPath | undefined {
  try {
    return parsePath(text);
  } catch {
    return undefined;
  }
}

/** The definition a parsed path names (the sub-attribute when there is one). */
export function targetOf(rs: ResourceSchema, p: PatchPath): AttributeDefinition | undefined {
  const sub = p.attr.sub ?? p.subAttr;
  const r = rs.resolve({ ...(p.attr.uri !== undefined ? { uri: p.attr.uri } : {}), name: p.attr.name, ...(sub !== undefined ? { sub } : {}) });
  return r === undefined ? undefined : (r.sub ?? r.attribute);
}

/**
 * Visits the attributes of a resource-shaped object: a POST/PUT body, or the value
 * of a path-less PATCH add/replace. Keys may be plain names (core attributes),
 * extension URNs (blocks), or — in path-less PATCH values — attribute paths
 * (`name.givenName`, `urn:…:User:employeeNumber`), resolved as such.
 */
export function visitResource(rs: ResourceSchema, body: Record<string, unknown>, visit: AttrVisitor): void {
  for (const key of Object.keys(body)) {
    const ext = extensionOf(rs, key);
    if (ext !== undefined) {
      const block = body[key];
      if (isObject(block)) visitAttributes(ext.attributes, block, visit);
      continue;
    }
    if (key.includes('.') || key.includes(':')) {
      const p = tryParsePath(key);
      const def = p === undefined || p.valueFilter !== undefined ? undefined : targetOf(rs, p);
      if (def !== undefined) visitValue(def, body, key, false, visit);
      continue;
    }
    const r = rs.resolve({ name: key });
    // Unqualified names resolve only in the core schema here: an extension attribute
    // at the top level is not where RFC 7643 §3.3 puts it (the core ignores it).
    if (r !== undefined && !r.extension) visitValue(r.attribute, body, key, false, visit);
  }
}

/** Visits the `value` of one PATCH operation according to its `path` (RFC 7644 §3.5.2). */
export function visitPatchOperation(rs: ResourceSchema, op: Record<string, unknown>, visit: AttrVisitor): void {
  const valueKey = keyOf(op, 'value');
  if (valueKey === undefined) return;
  const path = getKey(op, 'path');
  if (path === undefined || path === null || path === '') {
    const value = op[valueKey];
    if (isObject(value)) visitResource(rs, value, visit);
    return;
  }
  if (typeof path !== 'string') return;
  const ext = extensionOf(rs, path);
  if (ext !== undefined) {
    const value = op[valueKey];
    if (isObject(value)) visitAttributes(ext.attributes, value, visit);
    return;
  }
  const p = tryParsePath(path);
  if (p === undefined) return;
  const def = targetOf(rs, p);
  if (def === undefined) return;
  // `emails[type eq "work"]` (filter, no sub-attribute): the value is one element.
  const element = p.valueFilter !== undefined && p.subAttr === undefined;
  visitValue(def, op, valueKey, element, visit);
}
