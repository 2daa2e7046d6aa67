/**
 * `onelogin`: OneLogin's "SCIM Provisioner with SAML" apps, whose bodies come from an
 * admin-edited JSON template ({$user.…}/{$parameters.…} placeholders). Sources:
 * - [log] goauthentik/authentik#11249 (nginx log of "SCIM v2 Enterprise" traffic:
 *   trailing `&`/`?` on request lines, updates by PUT)
 * - [template-core] scim.dev guide "OneLogin" (Core Schema template: `urn:scim:schemas:core:1.0`)
 * - [template-v2] livingsecurity.com "Configuring SCIM for OneLogin" (SCIM v2 Enterprise
 *   template), doc.keepnetlabs.com "Onelogin SCIM Integration" (`"active": "{$user.active}"`)
 * - [django-scim2] 15five/django-scim2 src/django_scim/adapters.py (OneLogin sends
 *   `emails` as an object)
 * Plus the shared tolerances (common.ts): the stringified `active` is `bool-string`.
 *
 * Decision: values are NOT trimmed (`"familyName": " User 01"` is stored as sent).
 * Whitespace can be meaningful and RFC 7643 gives no license to alter values; Entra's
 * guidance is the same ("Values sent should be stored in the same format they were sent").
 * `userName` and Group `displayName` with surrounding white space are refused by the
 * core, as for every provider (docs/schema.md "Identifiers"), not trimmed here.
 */
import type { SchemaRegistry } from '../scim/schema/types.ts';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../scim/schema/types.ts';
import { FIRST, LAST, visitUnit } from './common.ts';
import { isObject, keyOf, sameName, schemasOf } from './json.ts';
import { defineProfile } from './pipeline.ts';
import type { Step } from './step.ts';
import type { CompatProfile } from './profile.ts';

/** Pre-RFC core URNs seen in OneLogin templates ([log], [template-core]). */
export const LEGACY_CORE = ['urn:scim:schemas:core:2.0', 'urn:scim:schemas:core:1.0'];
/** Pre-RFC enterprise URNs ([log]). */
export const LEGACY_ENTERPRISE = ['urn:scim:schemas:extension:enterprise:2.0', 'urn:scim:schemas:extension:enterprise:1.0'];

const isOneOf = (list: readonly string[], s: unknown): boolean => typeof s === 'string' && list.some((u) => sameName(u, s));

/**
 * `onelogin.legacy-schema-urn`: `urn:scim:schemas:core:2.0` (and `…:1.0`) → the core
 * URN of the endpoint (User or Group); `urn:scim:schemas:extension:enterprise:2.0` →
 * the RFC 7643 §4.3 enterprise URN, in `schemas` and as the extension block's key.
 */
const legacySchemaUrn: Step = (unit, ctx) => {
  if (unit.kind !== 'resource') return;
  const body = unit.body;
  const core = unit.type === 'User' ? USER_SCHEMA : GROUP_SCHEMA;
  const schemas = schemasOf(body);
  if (schemas !== undefined && schemas.some((s) => isOneOf(LEGACY_CORE, s) || (unit.type === 'User' && isOneOf(LEGACY_ENTERPRISE, s)))) {
    const mapped = schemas.map((s) =>
      isOneOf(LEGACY_CORE, s) ? core : unit.type === 'User' && isOneOf(LEGACY_ENTERPRISE, s) ? ENTERPRISE_USER_SCHEMA : s,
    );
    body[keyOf(body, 'schemas')!] = mapped.filter((s, i) => mapped.indexOf(s) === i);
    ctx.rewrote('onelogin.legacy-schema-urn');
  }
  if (unit.type !== 'User') return;
  for (const key of Object.keys(body)) {
    if (!isOneOf(LEGACY_ENTERPRISE, key) || keyOf(body, ENTERPRISE_USER_SCHEMA) !== undefined) continue;
    body[ENTERPRISE_USER_SCHEMA] = body[key];
    delete body[key];
    ctx.rewrote('onelogin.legacy-schema-urn');
  }
};

const NONE: ReadonlySet<string> = new Set();

/** Removes `""` values (and objects/arrays left empty by that) under `obj`; returns whether anything went. */
function dropEmptyStrings(obj: Record<string, unknown>, skip: ReadonlySet<string>): boolean {
  let changed = false;
  for (const key of Object.keys(obj)) {
    if (skip.has(key.toLowerCase())) continue;
    const v = obj[key];
    if (v === '') {
      delete obj[key];
      changed = true;
    } else if (isObject(v)) {
      if (dropEmptyStrings(v, NONE)) {
        changed = true;
        if (Object.keys(v).length === 0) delete obj[key];
      }
    } else if (Array.isArray(v)) {
      let edited = false;
      const kept = v.filter((el) => {
        if (el === '') return false;
        if (isObject(el) && dropEmptyStrings(el, NONE)) {
          edited = true;
          return Object.keys(el).length > 0;
        }
        return true;
      });
      if (edited || kept.length !== v.length) changed = true;
      if (kept.length === 0 && v.length > 0) delete obj[key];
      else if (kept.length !== v.length) obj[key] = kept;
    }
  }
  return changed;
}

/**
 * `onelogin.empty-string`: template placeholders with no value render as `""`
 * ([template-v2]: `"title": "{$parameters.title}"`, addresses of empty city/state).
 * `""` means "no value" here, so it is dropped (an object or element left empty goes
 * too); a required attribute left without a value is then refused by the core.
 */
const emptyStrings: Step = (unit, ctx) => {
  if (unit.kind !== 'resource') return;
  if (dropEmptyStrings(unit.body, new Set(['schemas']))) ctx.rewrote('onelogin.empty-string');
};

/**
 * `onelogin.single-object-multivalued`: `"emails": {…}` instead of `[{…}]`
 * ([django-scim2]); any multi-valued complex attribute given one object is wrapped
 * (RFC 7643 §2.4: multi-valued attributes are arrays). In PATCH, only where the value
 * is the attribute itself, not one element selected by a value filter.
 */
const singleObject: Step = (unit, ctx) => {
  visitUnit(unit, ctx, (def, holder, key, element) => {
    if (def.multiValued && def.type === 'complex' && !element && isObject(holder[key])) {
      holder[key] = [holder[key]];
      ctx.rewrote('onelogin.single-object-multivalued');
    }
  });
};

export function oneloginProfile(registry: SchemaRegistry): CompatProfile {
  return defineProfile(
    { idp: 'onelogin', steps: [...FIRST, legacySchemaUrn, emptyStrings, singleObject, ...LAST], upsertOnNoMatch: false, tolerant: true },
    registry,
  );
}
