/**
 * Sort keys for `sortBy` / `sortOrder` (RFC 7644 §3.4.2.3). The in-memory
 * reference order; the SQL stores must produce the same order.
 */
import type { AttrPath } from '../filter/ast.ts';
import { compareCodePoints } from '../filter/compare.ts';
import { foldCase } from './fold.ts';
import { isJsonObject, ownValue } from './json.ts';
import type { AttributeDefinition, ResourceSchema, ScimResource } from './types.ts';

export type SortValue = string | number | boolean | null;

// String order is H1's code point order, shared with the filter evaluator and SQL.
export { compareCodePoints };

function keyOf(def: AttributeDefinition, v: unknown): SortValue {
  if (typeof v === 'string') {
    if (def.type === 'dateTime') {
      const t = Date.parse(v);
      return Number.isNaN(t) ? v : t; // dateTime sorts by instant, whatever the offset
    }
    return def.caseExact ? v : foldCase(v); // RFC 7644 §3.4.2.3: caseExact=false sorts case-insensitively
  }
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  return null;
}

/**
 * The sort key of a resource for `path`, or null when it has no value. A
 * multi-valued attribute sorts by its primary value, else its first (RFC 7644
 * §3.4.2.3); for a multi-valued complex attribute named without a sub-attribute,
 * by the element's `value`. A single-valued complex attribute needs a
 * sub-attribute (else null). Strings of caseExact=false attributes are folded with
 * `foldCase`; dateTimes become epoch milliseconds. Unknown paths give null.
 */
export function sortValue(rs: ResourceSchema, resource: ScimResource, path: AttrPath): SortValue {
  const r = rs.resolve(path);
  if (r === undefined) return null;
  const holder = r.extension ? ownValue(resource, r.schemaUrn) : resource;
  if (!isJsonObject(holder)) return null;
  let value = ownValue(holder, r.attribute.name);
  if (r.attribute.multiValued) {
    if (!Array.isArray(value) || value.length === 0) return null;
    value = value.find((el) => isJsonObject(el) && el['primary'] === true) ?? value[0];
  }
  if (r.attribute.type !== 'complex') return keyOf(r.attribute, value);
  if (!isJsonObject(value)) return null;
  const sub =
    r.sub ?? (r.attribute.multiValued ? r.attribute.subAttributes?.find((s) => s.name === 'value') : undefined);
  return sub === undefined ? null : keyOf(sub, ownValue(value, sub.name));
}

const rank = (v: SortValue): number => (typeof v === 'boolean' ? 0 : typeof v === 'number' ? 1 : 2);

/**
 * Comparator for sort keys. null (no value) is greater than every value, so it
 * sorts last ascending and first descending (RFC 7644 §3.4.2.3). Strings compare
 * by code point; false < true; values of different types order boolean < number < string.
 */
export function compareSortValues(a: SortValue, b: SortValue, order: 'ascending' | 'descending' = 'ascending'): number {
  let c: number;
  if (a === null || b === null) c = a === b ? 0 : a === null ? 1 : -1;
  else if (typeof a !== typeof b) c = rank(a) - rank(b) < 0 ? -1 : 1;
  else if (typeof a === 'string') c = compareCodePoints(a, b as string);
  else c = a === b ? 0 : a < b ? -1 : 1;
  return order === 'descending' ? -c : c;
}
