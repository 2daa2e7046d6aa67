/**
 * The typed, frozen AST of RFC 7644 §3.4.2.2 filters and of PATCH paths (§3.5.2).
 * Parsers build it with `Object.freeze`; nothing mutates it afterwards.
 */

/** `attrPath = [URI ":"] ATTRNAME *1subAttr` (RFC 7644 §3.4.2.2 ABNF). */
export interface AttrPath {
  /** Schema URN prefix exactly as written (e.g. the enterprise extension URN), if any. */
  readonly uri?: string;
  /** Attribute name as written (case is preserved; matching is case-insensitive). */
  readonly name: string;
  /** Sub-attribute name as written, for `name.givenName`. */
  readonly sub?: string;
}

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';

/** `compValue = false / null / true / number / string` (RFC 7644 §3.4.2.2). */
export type CompValue = string | number | boolean | null;

export interface CompareFilter {
  readonly kind: 'compare';
  readonly path: AttrPath;
  readonly op: CompareOp;
  readonly value: CompValue;
}

export interface PresentFilter {
  readonly kind: 'present';
  readonly path: AttrPath;
}

export interface AndFilter {
  readonly kind: 'and';
  readonly left: Filter;
  readonly right: Filter;
}

export interface OrFilter {
  readonly kind: 'or';
  readonly left: Filter;
  readonly right: Filter;
}

export interface NotFilter {
  readonly kind: 'not';
  readonly filter: Filter;
}

/**
 * `valuePath = attrPath "[" valFilter "]"`. The inner filter's paths name
 * sub-attributes of `path` (their `name` is the sub-attribute, no `uri`/`sub`).
 */
export interface ValuePathFilter {
  readonly kind: 'valuePath';
  readonly path: AttrPath;
  readonly filter: Filter;
}

export type Filter = CompareFilter | PresentFilter | AndFilter | OrFilter | NotFilter | ValuePathFilter;

/**
 * A PATCH path (RFC 7644 §3.5.2): `attrPath / valuePath [subAttr]`.
 * `emails[type eq "work"].value` → `{ attr: {name:'emails'}, valueFilter, subAttr:'value' }`;
 * `name.givenName` → `{ attr: {name:'name', sub:'givenName'} }`.
 */
export interface PatchPath {
  readonly attr: AttrPath;
  readonly valueFilter?: Filter;
  readonly subAttr?: string;
}
