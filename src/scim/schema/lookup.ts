/**
 * Case-insensitive name lookups over schema data (RFC 7643 §2.1: attribute names
 * are case-insensitive). Indexes are built once per definition and cached, because
 * validation, filtering and projection look names up on every request.
 */
import type { AttributeDefinition } from './types.ts';

/** Lower-cases an attribute name or schema URN for lookups (names are ASCII per RFC 7643 §2.1). */
export const nameKey = (name: string): string => name.toLowerCase();

/** Builds a lowercased-name → definition map; first definition wins on a clash. */
export function indexAttributes(attrs: readonly AttributeDefinition[]): ReadonlyMap<string, AttributeDefinition> {
  const map = new Map<string, AttributeDefinition>();
  for (const a of attrs) {
    const k = nameKey(a.name);
    if (!map.has(k)) map.set(k, a);
  }
  return map;
}

const subIndexes = new WeakMap<AttributeDefinition, ReadonlyMap<string, AttributeDefinition>>();

/** The sub-attribute of a complex attribute by case-insensitive name, or undefined. */
export function subAttributeOf(attr: AttributeDefinition, name: string): AttributeDefinition | undefined {
  const subs = attr.subAttributes;
  if (subs === undefined) return undefined;
  let index = subIndexes.get(attr);
  if (index === undefined) {
    index = indexAttributes(subs);
    subIndexes.set(attr, index);
  }
  return index.get(nameKey(name));
}
