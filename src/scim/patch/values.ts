/**
 * JSON value helpers for PATCH: cloning that never touches a prototype, and value
 * comparison with the schema's case rules (RFC 7643 §2.2 caseExact).
 */
import { foldCase } from '../schema/fold.ts';
import type { AttributeDefinition } from '../schema/types.ts';
import { jsonEqual } from '../schema/json.ts';
import { invalidValue } from '../errors.ts';

export type JsonObject = Record<string, unknown>;

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Deep copy of a JSON value. Keys are copied with `Object.fromEntries` (a define,
 * not an assignment), so an own `__proto__` key stays a plain key.
 */
export function cloneJson<T>(value: T, depth = 0): T {
  // No SCIM value nests deeper than a few levels; a deeper one is refused before it
  // can exhaust the stack (docs/reliability.md IN-8, RL-2).
  if (depth > MAX_VALUE_DEPTH) throw invalidValue(`A value is nested deeper than ${MAX_VALUE_DEPTH} levels`);
  if (Array.isArray(value)) return value.map((v: unknown) => cloneJson(v, depth + 1)) as T;
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneJson(v, depth + 1)])) as T;
  return value;
}

/** The deepest JSON nesting a PATCH value may have. */
export const MAX_VALUE_DEPTH = 64;

/** Defines an own, enumerable data property (never invokes a `__proto__` setter). */
export function setOwn(obj: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Own property read (never the prototype chain). */
export const own = (obj: JsonObject, key: string): unknown => (Object.hasOwn(obj, key) ? obj[key] : undefined);

/** Structural equality (key order ignored), exact. */
export const deepEqual = jsonEqual;

/** Equality of one simple value under an attribute's case rule. */
function simpleEqual(def: AttributeDefinition, a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string' && !def.caseExact && def.type !== 'binary') {
    return a === b || foldCase(a) === foldCase(b);
  }
  return a === b;
}

function subDef(def: AttributeDefinition, name: string): AttributeDefinition | undefined {
  return def.subAttributes?.find((s) => s.name === name);
}

/**
 * Equality of two values (single values, or elements of a multi-valued attribute)
 * of `def`, by its case rules. Complex values: the same sub-attributes, each equal.
 * Values are canonical (as coerced), so sub-attribute keys use canonical names.
 */
export function valueEqual(def: AttributeDefinition, a: unknown, b: unknown): boolean {
  if (def.type !== 'complex') return simpleEqual(def, a, b);
  if (!isObject(a) || !isObject(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k)) return false;
    const s = subDef(def, k);
    if (s === undefined ? !deepEqual(a[k], b[k]) : !simpleEqual(s, a[k], b[k])) return false;
  }
  return true;
}

/**
 * True when `element` carries every sub-attribute given in `pattern` with an equal
 * value (case rules applied): how a listed value selects elements to remove.
 */
export function valueMatches(def: AttributeDefinition, pattern: unknown, element: unknown): boolean {
  if (def.type !== 'complex') return simpleEqual(def, pattern, element);
  if (!isObject(pattern) || !isObject(element)) return false;
  const keys = Object.keys(pattern);
  if (keys.length === 0) return false;
  for (const k of keys) {
    const s = subDef(def, k);
    if (!Object.hasOwn(element, k)) return false;
    if (s === undefined ? !deepEqual(pattern[k], element[k]) : !simpleEqual(s, pattern[k], element[k])) return false;
  }
  return true;
}
