/**
 * Steps every provider profile runs last (`tolerant: true`; `generic` does not):
 * what Roster does not know is ignored and recorded, never refused, so one custom
 * mapping in the provider does not stop every user's provisioning
 * (docs/identity-providers.md "Ignored input"). Entra documents provisioning
 * custom extension attributes to SCIM apps
 * (`urn:ietf:params:scim:schemas:extension:<name>:2.0:User:<attribute>`; MicrosoftDocs
 * entra-docs docs/identity/app-provisioning/customize-application-attributes.md,
 * "Provisioning a custom extension attribute to a SCIM compliant application"), Okta
 * custom attribute namespaces likewise. The strict core refuses exactly what these
 * steps drop (`invalidValue`, docs/schema.md), so the two stay one rule per tenant kind.
 */
import { isScimError } from '../scim/errors.ts';
import type { PatchPath } from '../scim/filter/ast.ts';
import { jsonObjectString } from '../scim/patch/parse.ts';
import { resolveTarget } from '../scim/patch/target.ts';
import { subAttributeOf } from '../scim/schema/lookup.ts';
import type { AttributeDefinition, ResourceSchema } from '../scim/schema/types.ts';
import { getKey, isObject, keyOf, patchOperations, sameName } from './json.ts';
import type { CompatContext, Step } from './step.ts';
import { extensionOf, tryParsePath } from './walk.ts';

/** Keys the PATCH core never reads as attribute names (src/scim/patch/apply.ts). */
const RESERVED: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

type Report = CompatContext['ignored'];

/** Drops the unknown sub-attributes of a complex value (one element or an array of them). */
function pruneSubs(def: AttributeDefinition, value: unknown, name: string, report: Report): void {
  if (def.type !== 'complex') return;
  const prune = (o: Record<string, unknown>): void => {
    for (const key of Object.keys(o)) {
      if (subAttributeOf(def, key) !== undefined) continue;
      delete o[key];
      report('attribute', `${name}.${key}`);
    }
  };
  if (Array.isArray(value)) {
    for (const el of value) if (isObject(el)) prune(el);
  } else if (isObject(value)) {
    prune(value);
  }
}

/** An unknown key: an unknown extension block records its URN and its attributes. */
function reportUnknown(key: string, value: unknown, report: Report): void {
  if (key.toLowerCase().startsWith('urn:') && isObject(value)) {
    report('schema', key);
    for (const sub of Object.keys(value)) report('attribute', `${key}:${sub}`);
  } else {
    report('attribute', key);
  }
}

/** POST/PUT body: the same lookups as `validateResource` (src/scim/schema/validate.ts). */
export function pruneResource(rs: ResourceSchema, body: Record<string, unknown>, report: Report): void {
  const schemasKey = keyOf(body, 'schemas');
  const schemas = schemasKey === undefined ? undefined : body[schemasKey];
  if (Array.isArray(schemas)) {
    const known = (s: unknown): boolean => typeof s !== 'string' || sameName(s, rs.core.id) || extensionOf(rs, s) !== undefined;
    const unknown = schemas.filter((s) => !known(s));
    if (unknown.length > 0) {
      for (const s of unknown) report('schema', s as string);
      body[schemasKey!] = schemas.filter(known);
    }
  }
  for (const key of Object.keys(body)) {
    if (key === schemasKey) continue;
    const raw = body[key];
    const ext = extensionOf(rs, key);
    if (ext !== undefined) {
      if (!isObject(raw)) continue;
      for (const sub of Object.keys(raw)) {
        const r = rs.resolve({ uri: ext.id, name: sub });
        if (r === undefined) {
          delete raw[sub];
          report('attribute', `${ext.id}:${sub}`);
        } else {
          pruneSubs(r.attribute, raw[sub], `${ext.id}:${r.attribute.name}`, report);
        }
      }
      continue;
    }
    const colon = key.lastIndexOf(':');
    const r = colon > 0 ? rs.resolve({ uri: key.slice(0, colon), name: key.slice(colon + 1) }) : rs.resolve({ uri: rs.core.id, name: key });
    if (r !== undefined) {
      pruneSubs(r.attribute, raw, r.attribute.name, report);
      continue;
    }
    delete body[key];
    reportUnknown(key, raw, report);
  }
}

/**
 * What `path` targets, as the PATCH core resolves it (src/scim/patch/target.ts): the
 * definition; `null` when the core would refuse it as naming nothing it knows
 * (`invalidValue`; with `anyError`, any refusal, as for path-less keys); `undefined`
 * when the core refuses it for another reason (malformed, readOnly), left to the core.
 */
function targetDef(rs: ResourceSchema, path: PatchPath, text: string, explicit: boolean, anyError: boolean): AttributeDefinition | null | undefined {
  try {
    const t = resolveTarget(rs, path, text, explicit);
    return t.sub ?? t.attr;
  } catch (e) {
    if (isScimError(e) && (anyError || e.scimType === 'invalidValue')) return null;
    return undefined;
  }
}

/** One key of a path-less value, read as the PATCH core reads it (`applyPathKey`). */
function prunePathKey(rs: ResourceSchema, holder: Record<string, unknown>, key: string, text: string, report: Report): void {
  const path: PatchPath | undefined = /[.[:]/.test(text) ? tryParsePath(text) : { attr: { name: text } };
  const def = path === undefined ? null : targetDef(rs, path, text, false, true);
  if (def === null) {
    const value = holder[key];
    delete holder[key];
    reportUnknown(text, value, report);
  } else if (def !== undefined) {
    pruneSubs(def, holder[key], def.name, report);
  }
}

/** A path-less add/replace value (RFC 7644 §3.5.2.1): keys as `applyKey` reads them. */
function prunePathless(rs: ResourceSchema, value: Record<string, unknown>, report: Report): void {
  for (const key of Object.keys(value)) {
    const lower = key.toLowerCase();
    if (lower === 'schemas' || RESERVED.has(lower)) continue;
    const inner = value[key];
    if (lower === rs.core.id.toLowerCase()) {
      if (isObject(inner)) for (const k of Object.keys(inner)) if (!RESERVED.has(k.toLowerCase())) prunePathKey(rs, inner, k, k, report);
      continue;
    }
    const ext = extensionOf(rs, key);
    if (ext !== undefined) {
      if (isObject(inner)) for (const k of Object.keys(inner)) if (!RESERVED.has(k.toLowerCase())) prunePathKey(rs, inner, k, `${ext.id}:${k}`, report);
      continue;
    }
    prunePathKey(rs, value, key, key, report);
  }
}

/** A no-op operation, kept when every operation of a PATCH named something unknown (the core needs one). */
const NO_OP = (): Record<string, unknown> => ({ op: 'add', value: {} });

/** `ignored` (provider tenants): drops unknown extension schemas, attributes and sub-attributes, and records them. */
export const ignoreUnknown: Step = (unit, ctx) => {
  if (unit.kind === 'filter') return;
  const rs = ctx.schema(unit.type);
  if (rs === undefined) return;
  const report: Report = (kind, name) => ctx.ignored(kind, name);
  if (unit.kind === 'resource') {
    pruneResource(rs, unit.body, report);
    return;
  }
  const opsKey = keyOf(unit.body, 'Operations');
  const ops = opsKey === undefined ? undefined : unit.body[opsKey];
  if (!Array.isArray(ops)) return;
  const kept = ops.filter((op: unknown) => {
    if (!isObject(op)) return true;
    const path = getKey(op, 'path');
    const valueKey = keyOf(op, 'value');
    const value = valueKey === undefined ? undefined : op[valueKey];
    if (path === undefined || path === null) {
      // A JSON object sent as a string (docs/patch.md) is pruned like any other value.
      const parsed = typeof value === 'string' ? jsonObjectString(value) : undefined;
      if (parsed !== undefined) {
        op[valueKey!] = parsed;
        ctx.rewrote('json-string-value');
      }
      const v = parsed ?? value;
      if (isObject(v)) prunePathless(rs, v, report);
      return true;
    }
    if (typeof path !== 'string') return true;
    const ext = extensionOf(rs, path);
    if (ext !== undefined) {
      if (isObject(value)) for (const k of Object.keys(value)) if (!RESERVED.has(k.toLowerCase())) prunePathKey(rs, value, k, `${ext.id}:${k}`, report);
      return true;
    }
    const p = tryParsePath(path);
    if (p === undefined) return true;
    const def = targetDef(rs, p, path, true, false);
    if (def === null) {
      report('attribute', path);
      return false;
    }
    if (def !== undefined && valueKey !== undefined) pruneSubs(def, value, def.name, report);
    return true;
  });
  if (kept.length !== ops.length) unit.body[opsKey!] = kept.length > 0 ? kept : [NO_OP()];
};

const QUOTED_BOOL = /([A-Za-z][\w$-]*)(\s+)(eq|ne)(\s+)"(true|false)"/gi;

/**
 * `bool-string-path`: a quoted boolean compared with a boolean sub-attribute in a
 * PATCH path filter — `roles[primary eq "True"].value` (also `.display`, `.type`),
 * Entra's documented app-role mapping (MicrosoftDocs entra-docs
 * docs/identity/app-provisioning/customize-application-attributes.md, "Provisioning a
 * role to a SCIM app") and `emails[primary eq "True"]` — becomes the JSON literal
 * (RFC 7644 §3.4.2.2: `true`/`false` compare booleans). Only where the schema types
 * the sub-attribute boolean; any case of true/false, as `bool-string` in bodies.
 */
export const pathFilterBooleans: Step = (unit, ctx) => {
  if (unit.kind !== 'patch') return;
  const rs = ctx.schema(unit.type);
  if (rs === undefined) return;
  for (const op of patchOperations(unit.body)) {
    const pathKey = keyOf(op, 'path');
    const path = pathKey === undefined ? undefined : op[pathKey];
    if (typeof path !== 'string' || !path.includes('"')) continue;
    const open = path.indexOf('[');
    const close = path.lastIndexOf(']');
    if (open < 0 || close < open) continue;
    const p = tryParsePath(path);
    const attr = p?.valueFilter === undefined ? undefined : rs.resolve(p.attr)?.attribute;
    if (attr === undefined || attr.type !== 'complex') continue;
    const inner = path.slice(open, close).replace(QUOTED_BOOL, (m: string, name: string, s1: string, cmp: string, s2: string, b: string) =>
      subAttributeOf(attr, name)?.type === 'boolean' ? `${name}${s1}${cmp}${s2}${b.toLowerCase()}` : m,
    );
    const next = `${path.slice(0, open)}${inner}${path.slice(close)}`;
    if (next === path || tryParsePath(next) === undefined) continue;
    op[pathKey!] = next;
    ctx.rewrote('bool-string-path');
  }
};

/** Steps a provider profile (`tolerant: true`) runs after all others. */
export const TOLERANT: readonly Step[] = [pathFilterBooleans, ignoreUnknown];
