/**
 * Entra's enterprise-extension shapes: the manager reference and the typo'd
 * enterprise URN. Sources in entra.ts.
 */
import type { ResourceSchema } from '../scim/schema/types.ts';
import { ENTERPRISE_USER_SCHEMA } from '../scim/schema/types.ts';
import { getKey, isObject, keyOf, patchOperations, sameName, schemasOf } from './json.ts';
import type { CompatContext } from './step.ts';
import type { PatchUnit, ResourceUnit } from './units.ts';
import { tryParsePath } from './walk.ts';

/** The URN as printed in the tutorial's "Example 2" (colon missing before `User`). */
export const ENTERPRISE_TYPO = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User';

type ManagerFix = { readonly kind: 'keep' } | { readonly kind: 'set'; readonly value: unknown } | { readonly kind: 'clear' };

/** Reads one manager value in any of Entra's shapes. */
export function readManager(v: unknown): ManagerFix {
  if (typeof v === 'string') return v === '' ? { kind: 'clear' } : { kind: 'set', value: { value: v } };
  if (Array.isArray(v)) {
    if (v.length === 0) return { kind: 'clear' };
    const first: unknown = v[0];
    if (isObject(first)) return { kind: 'set', value: first };
    if (typeof first === 'string') return readManager(first);
  }
  return { kind: 'keep' };
}

/** Fixes `manager` inside an enterprise block (POST/PUT body, path-less PATCH value). */
export function normaliseManagerBlock(block: Record<string, unknown>, ctx: CompatContext): void {
  const k = keyOf(block, 'manager');
  if (k === undefined) return;
  const fix = readManager(block[k]);
  if (fix.kind === 'set') {
    block[k] = fix.value;
    ctx.rewrote('entra.manager-shape');
  } else if (fix.kind === 'clear') {
    delete block[k];
    ctx.rewrote('entra.manager-clear');
  }
}

/** Whether `path` names the enterprise `manager` itself (not a sub-attribute, no filter). */
function isManagerPath(rs: ResourceSchema, path: string): boolean {
  const p = tryParsePath(path);
  if (p === undefined || p.valueFilter !== undefined || p.attr.sub !== undefined) return false;
  const r = rs.resolve({ ...(p.attr.uri !== undefined ? { uri: p.attr.uri } : {}), name: p.attr.name });
  return r !== undefined && r.sub === undefined && r.schemaUrn === ENTERPRISE_USER_SCHEMA && r.attribute.name === 'manager';
}

/**
 * Fixes a PATCH operation on `manager`: by path, by the enterprise block of a
 * path-less value, or by a path key of a path-less value (`"urn:…:User:manager": "id"`).
 * Returns the operations to insert after it (a `remove` for a cleared path key).
 */
export function normaliseManagerOp(rs: ResourceSchema, op: Record<string, unknown>, ctx: CompatContext): Record<string, unknown>[] {
  const name = getKey(op, 'op');
  const valueKey = keyOf(op, 'value');
  if ((name !== 'add' && name !== 'replace') || valueKey === undefined) return [];
  const path = getKey(op, 'path');
  const value = op[valueKey];
  if (typeof path === 'string' && path !== '') {
    if (sameName(path, ENTERPRISE_USER_SCHEMA)) {
      if (isObject(value)) normaliseManagerBlock(value, ctx);
      return [];
    }
    if (!isManagerPath(rs, path)) return [];
    const fix = readManager(value);
    if (fix.kind === 'set') {
      op[valueKey] = fix.value;
      ctx.rewrote('entra.manager-shape');
    } else if (fix.kind === 'clear') {
      // RFC 7644 §3.5.2.2: clearing is a `remove` on the path.
      op[keyOf(op, 'op')!] = 'remove';
      delete op[valueKey];
      ctx.rewrote('entra.manager-clear');
    }
    return [];
  }
  if ((path !== undefined && path !== null && path !== '') || !isObject(value)) return [];
  const block = getKey(value, ENTERPRISE_USER_SCHEMA);
  if (isObject(block)) normaliseManagerBlock(block, ctx);
  const extra: Record<string, unknown>[] = [];
  for (const key of Object.keys(value)) {
    if (!key.includes(':') || !isManagerPath(rs, key)) continue;
    const fix = readManager(value[key]);
    if (fix.kind === 'set') {
      value[key] = fix.value;
      ctx.rewrote('entra.manager-shape');
    } else if (fix.kind === 'clear') {
      delete value[key];
      extra.push({ op: 'remove', path: key });
      ctx.rewrote('entra.manager-clear');
    }
  }
  return extra;
}

const isTypo = (s: unknown): boolean => typeof s === 'string' && sameName(s, ENTERPRISE_TYPO);

/** Renames `key` of `obj` to `to` when `to` is not taken; returns whether it did. */
function renameKey(obj: Record<string, unknown>, key: string, to: string): boolean {
  if (keyOf(obj, to) !== undefined) return false;
  obj[to] = obj[key];
  delete obj[key];
  return true;
}

/** Replaces the typo'd URN in `schemas`, block keys, and PATCH paths/keys; returns whether anything changed. */
export function fixEnterpriseTypo(unit: ResourceUnit | PatchUnit): boolean {
  let changed = false;
  const fixKeys = (obj: Record<string, unknown>): void => {
    for (const key of Object.keys(obj)) {
      if (isTypo(key)) changed = renameKey(obj, key, ENTERPRISE_USER_SCHEMA) || changed;
      else if (key.toLowerCase().startsWith(`${ENTERPRISE_TYPO.toLowerCase()}:`)) {
        changed = renameKey(obj, key, ENTERPRISE_USER_SCHEMA + key.slice(ENTERPRISE_TYPO.length)) || changed;
      }
    }
  };
  if (unit.kind === 'resource') {
    const schemas = schemasOf(unit.body);
    if (schemas?.some(isTypo)) {
      const fixed = schemas.map((s) => (isTypo(s) ? ENTERPRISE_USER_SCHEMA : s));
      unit.body[keyOf(unit.body, 'schemas')!] = fixed.filter((s, i) => fixed.indexOf(s) === i);
      changed = true;
    }
    fixKeys(unit.body);
    return changed;
  }
  for (const op of patchOperations(unit.body)) {
    const pk = keyOf(op, 'path');
    const path = pk === undefined ? undefined : op[pk];
    if (pk !== undefined && typeof path === 'string' && path.toLowerCase().startsWith(ENTERPRISE_TYPO.toLowerCase())) {
      const rest = path.slice(ENTERPRISE_TYPO.length);
      if (rest === '' || rest.startsWith(':')) {
        op[pk] = ENTERPRISE_USER_SCHEMA + rest;
        changed = true;
      }
    }
    const value = getKey(op, 'value');
    if (isObject(value)) fixKeys(value);
  }
  return changed;
}
