/**
 * Comparison keys for the values of a multi-valued attribute, so PATCH compares
 * lists in linear time: each value gets ONE string key (case folded where the
 * schema says caseExact false, RFC 7643 §2.2), computed once, and lists are matched
 * through Maps and Sets instead of pairwise comparisons.
 *
 * Two values are equal under `valueEqual` exactly when their `valueKey`s are equal;
 * a pattern matches an element under `valueMatches` exactly when the element's key
 * projected on the pattern's sub-attributes equals the pattern's key.
 */
import { foldCase } from '../schema/fold.ts';
import type { AttributeDefinition } from '../schema/types.ts';
import { isObject } from './values.ts';
import type { JsonObject } from './values.ts';

/** Canonical JSON text: object keys sorted, so key order never matters. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  return v === undefined ? 'undefined' : JSON.stringify(v);
}

/** Key of one simple value under its attribute's case rule (the `simpleEqual` of values.ts). */
function simpleKey(def: AttributeDefinition, v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(!def.caseExact && def.type !== 'binary' ? foldCase(v) : v);
  return canonicalJson(v);
}

function subDef(def: AttributeDefinition, name: string): AttributeDefinition | undefined {
  return def.subAttributes?.find((s) => s.name === name);
}

/** Key of the sub-attributes `keys` (sorted) of a complex value. */
function complexKey(def: AttributeDefinition, v: JsonObject, keys: readonly string[]): string {
  let out = '{';
  for (const k of keys) {
    const s = subDef(def, k);
    out += `${JSON.stringify(k)}:${s === undefined ? canonicalJson(v[k]) : simpleKey(s, v[k])},`;
  }
  return `${out}}`;
}

/**
 * The comparison key of one value of `def`, or undefined for a value that equals
 * nothing (a non-object value of a complex attribute).
 */
export function valueKey(def: AttributeDefinition, v: unknown): string | undefined {
  if (def.type !== 'complex') return simpleKey(def, v);
  return isObject(v) ? complexKey(def, v, Object.keys(v).sort()) : undefined;
}

/**
 * Drops duplicate values (the schema's case rules), keeping the first of each:
 * one key per value and a Set, linear in the list.
 */
export function dedupeValues(def: AttributeDefinition, list: readonly unknown[]): unknown[] {
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const v of list) {
    const k = valueKey(def, v);
    if (k !== undefined) {
      if (seen.has(k)) continue;
      seen.add(k);
    }
    out.push(v);
  }
  return out;
}

/** A pattern's sub-attribute names (sorted) and its key; undefined when it can match nothing. */
function patternShape(def: AttributeDefinition, pattern: unknown): { sig: string; keys: string[]; key: string } | undefined {
  if (def.type !== 'complex') return { sig: '', keys: [], key: simpleKey(def, pattern) };
  if (!isObject(pattern)) return undefined;
  const keys = Object.keys(pattern).sort();
  if (keys.length === 0) return undefined;
  return { sig: JSON.stringify(keys), keys, key: complexKey(def, pattern, keys) };
}

/** An element's key restricted to `keys`, or undefined when it lacks one of them. */
function projectedKey(def: AttributeDefinition, element: unknown, keys: readonly string[]): string | undefined {
  if (def.type !== 'complex') return simpleKey(def, element);
  if (!isObject(element)) return undefined;
  for (const k of keys) if (!Object.hasOwn(element, k)) return undefined;
  return complexKey(def, element, keys);
}

/**
 * A set of patterns (PATCH `remove` with a value list): `matches(e)` is true when
 * some pattern matches `e` under `valueMatches`. Patterns are grouped by the
 * sub-attributes they give, so each element costs one key per group (a handful:
 * the sub-attributes of an attribute are few), not one comparison per pattern.
 */
export class PatternSet {
  readonly #def: AttributeDefinition;
  readonly #groups = new Map<string, { keys: string[]; keySet: Set<string> }>();

  constructor(def: AttributeDefinition, patterns: readonly unknown[]) {
    this.#def = def;
    for (const p of patterns) {
      const shape = patternShape(def, p);
      if (shape === undefined) continue;
      let g = this.#groups.get(shape.sig);
      if (g === undefined) {
        g = { keys: shape.keys, keySet: new Set() };
        this.#groups.set(shape.sig, g);
      }
      g.keySet.add(shape.key);
    }
  }

  matches(element: unknown): boolean {
    for (const g of this.#groups.values()) {
      const k = projectedKey(this.#def, element, g.keys);
      if (k !== undefined && g.keySet.has(k)) return true;
    }
    return false;
  }
}

/**
 * The elements of a list, indexed for "is this value already present?" (PATCH
 * `add`, RFC 7644 §3.5.2.1): `has(v)` is true when some element matches `v` under
 * `valueMatches`. One index per distinct set of sub-attributes asked about, built
 * on first use and kept up to date by `push`.
 */
export class ElementIndex {
  readonly #def: AttributeDefinition;
  readonly #elements: unknown[];
  readonly #indexes = new Map<string, { keys: string[]; keySet: Set<string> }>();

  constructor(def: AttributeDefinition, elements: readonly unknown[]) {
    this.#def = def;
    this.#elements = [...elements];
  }

  has(value: unknown): boolean {
    const shape = patternShape(this.#def, value);
    if (shape === undefined) return false;
    let ix = this.#indexes.get(shape.sig);
    if (ix === undefined) {
      ix = { keys: shape.keys, keySet: new Set() };
      for (const e of this.#elements) {
        const k = projectedKey(this.#def, e, shape.keys);
        if (k !== undefined) ix.keySet.add(k);
      }
      this.#indexes.set(shape.sig, ix);
    }
    return ix.keySet.has(shape.key);
  }

  push(element: unknown): void {
    this.#elements.push(element);
    for (const ix of this.#indexes.values()) {
      const k = projectedKey(this.#def, element, ix.keys);
      if (k !== undefined) ix.keySet.add(k);
    }
  }
}
