/**
 * Small constructors for attribute definitions. They fill in every characteristic
 * with the RFC 7643 §2.2 defaults, so each record in the schema files states only
 * what differs from the default and every definition still carries all of them.
 */
import type { AttributeDefinition } from './types.ts';

type Characteristics = Partial<Omit<AttributeDefinition, 'name' | 'type' | 'description'>>;

/**
 * One attribute. RFC 7643 §2.2 defaults: required false, canonicalValues none,
 * caseExact false, mutability readWrite, returned default, uniqueness none,
 * multiValued false (§2.4), type string.
 */
export function attribute(
  name: string,
  type: AttributeDefinition['type'],
  description: string,
  more: Characteristics = {},
): AttributeDefinition {
  const def: AttributeDefinition = {
    name,
    type,
    multiValued: more.multiValued ?? false,
    description,
    required: more.required ?? false,
    caseExact: more.caseExact ?? false,
    mutability: more.mutability ?? 'readWrite',
    returned: more.returned ?? 'default',
    uniqueness: more.uniqueness ?? 'none',
    ...(more.canonicalValues !== undefined ? { canonicalValues: more.canonicalValues } : {}),
    ...(more.referenceTypes !== undefined ? { referenceTypes: more.referenceTypes } : {}),
    ...(more.subAttributes !== undefined ? { subAttributes: more.subAttributes } : {}),
  };
  return deepFreeze(def);
}

/** A complex attribute with its sub-attributes. */
export function complex(
  name: string,
  description: string,
  subAttributes: readonly AttributeDefinition[],
  more: Omit<Characteristics, 'subAttributes'> = {},
): AttributeDefinition {
  return attribute(name, 'complex', description, { ...more, subAttributes });
}

/**
 * The usual multi-valued sub-attributes of RFC 7643 §2.4 (value, display, type,
 * primary) as RFC 7643 §8.7.1 lists them for emails, phoneNumbers, ims, photos,
 * entitlements, roles and x509Certificates.
 */
export function multiValuedSubs(
  what: string,
  value: { type?: AttributeDefinition['type']; referenceTypes?: readonly string[] } = {},
  typeCanonicalValues?: readonly string[],
): AttributeDefinition[] {
  return [
    attribute('value', value.type ?? 'string', `The value of the ${what}.`, {
      ...(value.referenceTypes !== undefined ? { referenceTypes: value.referenceTypes } : {}),
    }),
    attribute('display', 'string', 'A human-readable name, primarily used for display purposes.'),
    attribute('type', 'string', `A label indicating the ${what}'s function.`, {
      ...(typeCanonicalValues !== undefined ? { canonicalValues: typeCanonicalValues } : {}),
    }),
    attribute('primary', 'boolean', `A Boolean value indicating the 'primary' or preferred ${what}.`),
  ];
}

/** Freezes a definition tree so shared schema data can never be mutated. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
