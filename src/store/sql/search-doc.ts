/**
 * The `search` document: a JSON copy of a resource made for SQL comparison. Every
 * string value of a `caseExact: false` attribute is replaced by `foldCase(value)`
 * (RFC 7643 §2.2 caseExact; RFC 7644 §3.4.2.2 and §7.8), every dateTime by its
 * fixed-width UTC key (`dateTimeKey`), so that plain binary comparisons in SQL agree
 * with the reference evaluator. Attributes that are never returned (`password`)
 * and keys that name no attribute are left out: nothing can filter on them.
 */
import { foldCase } from '../../scim/schema/fold.ts';
import { SCHEMAS_ATTRIBUTE } from '../../scim/filter/target.ts';
import { dateTimeKey } from '../../scim/filter/datetime.ts';
import { commonAttributes } from '../../scim/schema/common.ts';
import type { AttributeDefinition, ResourceSchema, ScimResource } from '../../scim/schema/types.ts';

/** Canonical instant text of a dateTime, or undefined when it does not parse. */
export function canonicalInstant(value: string): string | undefined {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  return new Date(ms).toISOString();
}

function findAttr(defs: readonly AttributeDefinition[], key: string): AttributeDefinition | undefined {
  const lower = key.toLowerCase();
  return defs.find((d) => d.name.toLowerCase() === lower);
}

function searchScalar(def: AttributeDefinition, value: unknown): unknown {
  if (typeof value === 'string') {
    if (def.type === 'dateTime') return dateTimeKey(value) ?? value;
    if (def.type === 'complex' || def.type === 'boolean' || def.type === 'integer' || def.type === 'decimal') return value;
    return def.caseExact ? value : foldCase(value);
  }
  return value;
}

function searchComplex(def: AttributeDefinition, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const sub = findAttr(def.subAttributes ?? [], k);
    if (sub === undefined || sub.returned === 'never') continue;
    out[sub.name] = searchValue(sub, v, false);
  }
  return out;
}

function searchValue(def: AttributeDefinition, value: unknown, top: boolean): unknown {
  if (top && def.multiValued && Array.isArray(value)) {
    return value.map((v) => (def.type === 'complex' ? searchComplex(def, v) : searchScalar(def, v)));
  }
  if (def.type === 'complex') return searchComplex(def, value);
  return searchScalar(def, value);
}

function searchBlock(defs: readonly AttributeDefinition[], block: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(block)) {
    const def = findAttr(defs, k);
    if (def === undefined || def.returned === 'never' || v === undefined) continue;
    out[def.name] = searchValue(def, v, true);
  }
  return out;
}

/** Builds the search document of a stored resource body (no id/meta/members/groups). */
export function buildSearchDoc(rs: ResourceSchema, data: ScimResource): Record<string, unknown> {
  const doc = searchBlock([...commonAttributes, ...rs.core.attributes], data);
  // `schemas` is filterable (RFC 7644 §3.4.2.2) though no schema defines it. It is
  // derived exactly as responses render it: the core URN plus each extension whose
  // block is present (the stored body does not keep the client's `schemas`).
  const schemas = [rs.core.id];
  for (const ext of rs.extensions) {
    const block = data[ext.id];
    if (block !== null && typeof block === 'object' && !Array.isArray(block)) {
      doc[ext.id] = searchBlock(ext.attributes, block as Record<string, unknown>);
      schemas.push(ext.id);
    }
  }
  doc['schemas'] = searchValue(SCHEMAS_ATTRIBUTE, schemas, true);
  return doc;
}

/** The folded emails[].value strings of a resource, for the `email_values` side table. */
export function emailValues(doc: Record<string, unknown>): string[] {
  const emails = doc['emails'];
  if (!Array.isArray(emails)) return [];
  const out = new Set<string>();
  for (const e of emails) {
    const v = (e as Record<string, unknown> | null)?.['value'];
    if (typeof v === 'string') out.add(v);
  }
  return [...out];
}
