/**
 * Type checking and canonicalisation of one attribute value (RFC 7643 §2.3, §2.4).
 * The core is strict: provider dialects (`"True"`, a lone object for a
 * multi-valued attribute) are normalised by `src/compat` before they get here.
 */
import { invalidSyntax, invalidValue } from '../errors.ts';
import { hasLoneSurrogate, isJsonObject } from './json.ts';
import { subAttributeOf } from './lookup.ts';
import type { AttributeDefinition } from './types.ts';

// xsd:dateTime (RFC 7643 §2.3.5): [-]YYYY-MM-DDThh:mm:ss[.fff][Z|(+|-)hh:mm]
const DATE_TIME = /^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))?$/;
// RFC 7643 §2.3.6: base64 as in RFC 4648 §4 (standard alphabet, padded).
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** True for a valid xsd:dateTime lexical value. */
export function isDateTime(s: string): boolean {
  const m = DATE_TIME.exec(s);
  if (m === null) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || minute > 59 || second > 59) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  if (day > days) return false;
  // xsd allows 24:00:00 (end of day) only with zero minutes, seconds and fraction.
  if (hour > 24 || (hour === 24 && (minute !== 0 || second !== 0 || /[1-9]/.test(m[7] ?? '')))) return false;
  if (m[8] !== undefined && m[8] !== 'Z' && (Number(m[9]) > 14 || Number(m[10]) > 59)) return false;
  return true;
}

const clip = (s: string): string => (s.length > 100 ? `${s.slice(0, 100)}…` : s);

const typeName: Record<AttributeDefinition['type'], string> = {
  string: 'a string',
  boolean: 'a boolean',
  decimal: 'a number',
  integer: 'an integer',
  dateTime: 'an xsd:dateTime string',
  binary: 'a base64 string',
  reference: 'a string (reference)',
  complex: 'an object',
};

const wrongType = (attr: AttributeDefinition, path: string): never => {
  throw invalidValue(`Attribute "${path}" must be ${typeName[attr.type]}`);
};

function checkString(value: unknown, attr: AttributeDefinition, path: string): string {
  if (typeof value !== 'string') return wrongType(attr, path);
  if (hasLoneSurrogate(value)) throw invalidValue(`Attribute "${path}" contains an unpaired surrogate`);
  return value; // RFC 7644 §3.3: stored as sent, never trimmed or reformatted.
}

/**
 * Validates one complex value: sub-attribute names are matched case-insensitively
 * and written in canonical case; an unknown sub-attribute is `invalidValue`
 * (docs/schema.md), readOnly ones are dropped (never taken from the client,
 * RFC 7643 §7). Returns undefined when nothing is left.
 */
function coerceComplex(attr: AttributeDefinition, value: unknown, path: string): Record<string, unknown> | undefined {
  if (!isJsonObject(value)) return wrongType(attr, path);
  const out: Record<string, unknown> = {};
  let any = false;
  for (const key of Object.keys(value)) {
    const sub = subAttributeOf(attr, key);
    // An unknown sub-attribute is refused (docs/schema.md: one rule for bodies and
    // PATCH); provider tenants drop and record it first (src/compat/tolerant.ts).
    if (sub === undefined) throw invalidValue(`Attribute "${path}.${clip(key)}" is not a sub-attribute of "${attr.name}"`);
    if (sub.mutability === 'readOnly') continue;
    if (Object.hasOwn(out, sub.name)) throw invalidSyntax(`Attribute "${path}.${sub.name}" is given twice`);
    const v = coerceAttributeValue(sub, value[key], `${path}.${sub.name}`);
    if (v === undefined) continue;
    out[sub.name] = v;
    any = true;
  }
  for (const sub of attr.subAttributes ?? []) {
    if (sub.required && sub.mutability !== 'readOnly' && !Object.hasOwn(out, sub.name) && any) {
      throw invalidValue(`Attribute "${path}.${sub.name}" is required`);
    }
  }
  return any ? out : undefined;
}

/**
 * Validates one value of an attribute, ignoring `multiValued`: a single element of
 * a multi-valued attribute, or the value of a single-valued one. `null` (and an
 * empty complex value) means unassigned (RFC 7643 §2.5) and gives undefined.
 */
export function coerceSingleValue(attr: AttributeDefinition, value: unknown, path: string): unknown {
  if (value === null || value === undefined) return undefined;
  switch (attr.type) {
    case 'string':
    case 'reference':
      return checkString(value, attr, path);
    case 'boolean':
      // Real JSON booleans only; Entra's "True"/"False" are mapped by the compat layer.
      return typeof value === 'boolean' ? value : wrongType(attr, path);
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value) ? value : wrongType(attr, path);
    case 'decimal':
      return typeof value === 'number' && Number.isFinite(value) ? value : wrongType(attr, path);
    case 'dateTime':
      return typeof value === 'string' && isDateTime(value) ? value : wrongType(attr, path);
    case 'binary':
      return typeof value === 'string' && BASE64.test(value) ? value : wrongType(attr, path);
    case 'complex':
      return coerceComplex(attr, value, path);
  }
}

/**
 * Validates and canonicalises one attribute value (used for resources and by PATCH).
 * Returns undefined for "unassigned": `null`, `[]`, or a complex value with nothing
 * left (RFC 7643 §2.5). A multi-valued attribute needs a JSON array
 * (`invalidValue` otherwise) with at most one `primary: true` element (RFC 7643
 * §2.4). The attribute's own mutability is NOT checked here (the caller decides:
 * ignore on PUT/POST, `mutability` on PATCH); readOnly sub-attributes are dropped.
 * `canonicalValues` are not enforced (RFC 7643 §2.3.1 / §7 "MAY"; IdPs send other types).
 */
export function coerceAttributeValue(attr: AttributeDefinition, value: unknown, path: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (!attr.multiValued) return coerceSingleValue(attr, value, path);
  if (!Array.isArray(value)) throw invalidValue(`Attribute "${path}" is multi-valued and must be an array`);
  const out: unknown[] = [];
  let primaries = 0;
  for (let i = 0; i < value.length; i++) {
    const el: unknown = value[i];
    if (el === null) throw invalidValue(`Attribute "${path}[${i}]" must not be null`);
    const v = coerceSingleValue(attr, el, `${path}[${i}]`);
    if (v === undefined) continue;
    if (isJsonObject(v) && v['primary'] === true && ++primaries > 1) {
      throw invalidValue(`Attribute "${path}" has more than one primary value`);
    }
    out.push(v);
  }
  return out.length === 0 ? undefined : out;
}
