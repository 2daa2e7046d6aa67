/**
 * `entra`: Microsoft Entra ID provisioning (the `scim` job, default mode and the
 * `aadOptscim062020` flag). Sources, cited beside each step:
 * - [tutorial] MicrosoftDocs/entra-docs docs/identity/app-provisioning/use-scim-to-provision-users-and-groups.md
 * - [known-issues] MicrosoftDocs/entra-docs docs/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility.md
 * - [attributes] MicrosoftDocs/entra-docs docs/identity/app-provisioning/customize-application-attributes.md
 *   (custom extension attributes, app roles; see tolerant.ts and `entra.role-display-name`)
 * - [validator] Microsoft SCIM Validator traffic as captured in Paul-E/scim-v2-rust
 *   src/test_data/entra_user_creation_test.json and pranems/SCIMServer docs/MANAGER_PATCH_STRING_COERCION.md
 * Plus the shared tolerances (common.ts): `op-case`, `bool-string`.
 */
import type { SchemaRegistry } from '../scim/schema/types.ts';
import { ENTERPRISE_USER_SCHEMA } from '../scim/schema/types.ts';
import { FIRST, LAST, visitUnit } from './common.ts';
import { flattenValuePathCompare, quoteBareValues } from './filter-quote.ts';
import { getKey, isObject, keyOf, patchOperations, sameName, schemasOf } from './json.ts';
import { defineProfile } from './pipeline.ts';
import type { Step } from './step.ts';
import type { CompatProfile } from './profile.ts';
import { extensionOf, tryParsePath } from './walk.ts';
import { fixEnterpriseTypo, normaliseManagerBlock, normaliseManagerOp } from './entra-manager.ts';

/** Entra's own Group schema URN, sent beside the core one on group create ([tutorial] "Create Group"; [known-issues] "Group creation requests contain an invalid schema URI"). */
export const LEGACY_GROUP_SCHEMA = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

/** `entra.enterprise-urn-typo`: `…:enterprise:2.0User` ([tutorial] "Example 2. Provision a user") → the enterprise URN. */
const enterpriseUrnTypo: Step = (unit, ctx) => {
  if (unit.kind === 'filter' || unit.type !== 'User') return;
  if (fixEnterpriseTypo(unit)) ctx.rewrote('entra.enterprise-urn-typo');
};

/** `entra.legacy-group-schema`: drop the ADSCIM Group URN from `schemas` (the core rejects URNs it does not serve). */
const legacyGroupSchema: Step = (unit, ctx) => {
  if (unit.kind !== 'resource') return;
  const schemas = schemasOf(unit.body);
  if (schemas === undefined || !schemas.some((s) => typeof s === 'string' && sameName(s, LEGACY_GROUP_SCHEMA))) return;
  unit.body[keyOf(unit.body, 'schemas')!] = schemas.filter((s) => !(typeof s === 'string' && sameName(s, LEGACY_GROUP_SCHEMA)));
  ctx.rewrote('entra.legacy-group-schema');
};

/**
 * `entra.top-level-enterprise`: [tutorial] "Example 2" puts `department` and `manager`
 * at the top level of a create body. They are enterprise attributes (RFC 7643 §4.3)
 * and the core ignores unknown top-level keys, so they move into the extension block
 * (null means unset and is simply dropped).
 */
const topLevelEnterprise: Step = (unit, ctx) => {
  if (unit.kind !== 'resource' || unit.type !== 'User') return;
  const rs = ctx.schema('User');
  if (rs === undefined || extensionOf(rs, ENTERPRISE_USER_SCHEMA) === undefined) return;
  const body = unit.body;
  for (const key of Object.keys(body)) {
    if (key.includes(':') || key.includes('.')) continue;
    const r = rs.resolve({ name: key });
    if (r === undefined || !r.extension || r.schemaUrn !== ENTERPRISE_USER_SCHEMA) continue;
    const value = body[key];
    delete body[key];
    ctx.rewrote('entra.top-level-enterprise');
    if (value === null) continue;
    const blockKey = keyOf(body, ENTERPRISE_USER_SCHEMA) ?? ENTERPRISE_USER_SCHEMA;
    const block = isObject(body[blockKey]) ? (body[blockKey] as Record<string, unknown>) : {};
    if (keyOf(block, r.attribute.name) === undefined) block[r.attribute.name] = value;
    body[blockKey] = block;
    const schemas = schemasOf(body);
    if (schemas !== undefined && !schemas.some((s) => typeof s === 'string' && sameName(s, ENTERPRISE_USER_SCHEMA))) {
      schemas.push(ENTERPRISE_USER_SCHEMA);
    }
  }
};

/**
 * `entra.pathless-dotted-keys` (noted): with aadOptscim062020 a path-less replace
 * carries paths as keys — `"name.givenName"`, `"urn:…:enterprise:2.0:User:employeeNumber"`
 * ([known-issues] "Requests to replace multiple attributes", "With feature flag").
 * The PATCH core resolves such keys itself (src/scim/patch/apply.ts `applyKey`), so
 * they are only marked; keys that name nothing Roster knows are dropped and recorded
 * by the provider steps (tolerant.ts).
 */
const pathlessDottedKeys: Step = (unit, ctx) => {
  if (unit.kind !== 'patch') return;
  const rs = ctx.schema(unit.type);
  if (rs === undefined) return;
  for (const op of patchOperations(unit.body)) {
    const value = getKey(op, 'value');
    const path = getKey(op, 'path');
    if ((path !== undefined && path !== null && path !== '') || !isObject(value)) continue;
    if (Object.keys(value).some((k) => extensionOf(rs, k) === undefined && (k.includes('.') || k.toLowerCase().startsWith('urn:')))) {
      ctx.noted('entra.pathless-dotted-keys');
    }
  }
};

/**
 * `entra.manager-shape` / `entra.manager-clear`: the manager arrives as
 * `[{"$ref", "value"}]` ([tutorial] "Example 5"), `{"value"}`, a bare id string
 * ([tutorial] schema example `"manager": "123456"`; [validator]), and is cleared with
 * `""` ([validator]). RFC 7643 §4.3: manager is a complex `{value, $ref, displayName}`.
 */
const manager: Step = (unit, ctx) => {
  if (unit.kind === 'filter' || unit.type !== 'User') return;
  const rs = ctx.schema('User');
  if (rs === undefined) return;
  if (unit.kind === 'resource') {
    const k = keyOf(unit.body, ENTERPRISE_USER_SCHEMA);
    const block = k === undefined ? undefined : unit.body[k];
    if (isObject(block)) normaliseManagerBlock(block, ctx);
    return;
  }
  const opsKey = keyOf(unit.body, 'Operations');
  const ops = opsKey === undefined ? undefined : unit.body[opsKey];
  if (!Array.isArray(ops)) return;
  // A cleared manager inside a path-less value becomes its own `remove` right after it.
  unit.body[opsKey!] = ops.flatMap((op: unknown) => {
    if (!isObject(op)) return [op];
    const extra = normaliseManagerOp(rs, op, ctx);
    const value = getKey(op, 'value');
    // A path-less value left empty by that has nothing more to say.
    return extra.length > 0 && isObject(value) && Object.keys(value).length === 0 ? extra : [op, ...extra];
  });
};

/** `entra.filter-upsert` (noted): add/replace through a value filter; with `upsertOnNoMatch` the core creates the element ([tutorial] "Update User [Multi-valued properties]"). */
const filterUpsert: Step = (unit, ctx) => {
  if (unit.kind !== 'patch') return;
  for (const op of patchOperations(unit.body)) {
    const path = getKey(op, 'path');
    const name = getKey(op, 'op');
    if ((name === 'add' || name === 'replace') && typeof path === 'string' && tryParsePath(path)?.valueFilter !== undefined) {
      ctx.noted('entra.filter-upsert');
    }
  }
};

/**
 * `entra.role-display-name`: Entra's complex app-role mapping (AppRoleAssignmentsComplex)
 * sends `roles: [{primary, type, displayName, value}]` ([attributes] "Provisioning a
 * role to a SCIM app"). RFC 7643 §4.1.2 names the role's label `display`; without this
 * the role's name would be an unknown sub-attribute and lost. An element that already
 * has `display` keeps it.
 */
const roleDisplayName: Step = (unit, ctx) => {
  if (unit.type !== 'User') return;
  visitUnit(unit, ctx, (def, holder, key) => {
    if (def.name !== 'roles' || def.type !== 'complex') return;
    const v = holder[key];
    for (const el of Array.isArray(v) ? v : [v]) {
      if (!isObject(el)) continue;
      const k = keyOf(el, 'displayName');
      if (k === undefined) continue;
      if (keyOf(el, 'display') === undefined) el['display'] = el[k];
      delete el[k];
      ctx.rewrote('entra.role-display-name');
    }
  });
};

/** `entra.client-meta` (noted): create bodies carry `meta: {resourceType}` ([tutorial] "Create User", "Create Group"); the core ignores readOnly `meta`. */
const clientMeta: Step = (unit, ctx) => {
  if (unit.kind === 'resource' && unit.method === 'POST' && keyOf(unit.body, 'meta') !== undefined) ctx.noted('entra.client-meta');
};

/** `entra.unquoted-filter` and `entra.valuepath-subattr-filter`: see filter-quote.ts. */
const filterForms: Step = (unit, ctx) => {
  if (unit.kind !== 'filter') return;
  const quoted = quoteBareValues(unit.filter);
  if (quoted !== undefined) {
    unit.filter = quoted;
    ctx.rewrote('entra.unquoted-filter');
    return;
  }
  const flat = flattenValuePathCompare(unit.filter);
  if (flat !== undefined) {
    unit.filter = flat;
    ctx.rewrote('entra.valuepath-subattr-filter');
  }
};

export function entraProfile(registry: SchemaRegistry): CompatProfile {
  return defineProfile(
    {
      idp: 'entra',
      steps: [
        ...FIRST,
        enterpriseUrnTypo,
        legacyGroupSchema,
        topLevelEnterprise,
        pathlessDottedKeys,
        manager,
        roleDisplayName,
        filterUpsert,
        clientMeta,
        filterForms,
        ...LAST,
      ],
      // [tutorial] "Update User [Multi-valued properties]" replaces through
      // `emails[type eq "work"].value` and expects the element to exist afterwards;
      // RFC 7644 §3.5.2.3 would answer 400 noTarget when none matches.
      upsertOnNoMatch: true,
      tolerant: true,
    },
    registry,
  );
}
