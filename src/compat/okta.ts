/**
 * `okta`: Okta Lifecycle Management (OIN and App Integration Wizard apps). Sources:
 * - [scim-20] okta/okta-developer-docs packages/@okta/vuepress-site/docs/reference/scim/scim-20/scim-index.md
 *   (= developer.okta.com "SCIM 2.0 Protocol Reference")
 * - [spec-test] okta/okta-developer-docs …/standards/SCIM/SCIMFiles/Okta-SCIM-20-SPEC-Test.json
 * Plus the shared tolerances (common.ts). Everything else Okta sends is RFC 7644 as
 * written and handled by the core: `remove members[value eq "…"]` + `add` in one
 * request, `replace members []`, bodies in `application/json` ([spec-test] create step).
 */
import type { SchemaRegistry } from '../scim/schema/types.ts';
import { FIRST, LAST } from './common.ts';
import { getKey, isObject, keyOf, patchOperations } from './json.ts';
import { defineProfile } from './pipeline.ts';
import type { Step } from './step.ts';
import type { CompatProfile } from './profile.ts';

const pathless = (op: Record<string, unknown>): boolean => {
  const path = getKey(op, 'path');
  return path === undefined || path === null || path === '';
};

/**
 * `okta.pathless-deactivate` (noted): `{"op":"replace","value":{"active":false}}`
 * ([scim-20] "Update a specific User (PATCH)"); RFC 7644 §3.5.2.3 path-less replace,
 * which the core applies as is.
 */
const pathlessActive: Step = (unit, ctx) => {
  if (unit.kind !== 'patch' || unit.type !== 'User') return;
  for (const op of patchOperations(unit.body)) {
    const value = getKey(op, 'value');
    if (getKey(op, 'op') === 'replace' && pathless(op) && isObject(value) && keyOf(value, 'active') !== undefined) {
      ctx.noted('okta.pathless-deactivate');
    }
  }
};

/**
 * `okta.pathless-readonly-id`: the group rename is a path-less replace whose value
 * carries the group's own read-only `id` ([scim-20] "Update a specific Group name",
 * re-sent with every membership change). When it equals the id in the URL it changes
 * nothing and is dropped (RFC 7643 §3.1: id is readOnly); a different id is left for
 * the core to refuse.
 */
const pathlessReadonlyId: Step = (unit, ctx) => {
  if (unit.kind !== 'patch') return;
  for (const op of patchOperations(unit.body)) {
    const value = getKey(op, 'value');
    if (getKey(op, 'op') !== 'replace' || !pathless(op) || !isObject(value)) continue;
    const k = keyOf(value, 'id');
    if (k !== undefined && value[k] === unit.id) {
      delete value[k];
      ctx.rewrote('okta.pathless-readonly-id');
    }
  }
};

/**
 * `okta.put-readonly-echo` (noted): OIN apps update by GET, edit, PUT back, so the
 * body echoes `id`, `meta` and `groups` ([scim-20] "Update a specific User (PUT)");
 * the core ignores readOnly attributes on replace (RFC 7644 §3.5.1).
 */
const putReadonlyEcho: Step = (unit, ctx) => {
  if (unit.kind !== 'resource' || unit.method !== 'PUT') return;
  if (['id', 'meta', 'groups'].some((n) => keyOf(unit.body, n) !== undefined)) ctx.noted('okta.put-readonly-echo');
};

/**
 * `okta.placeholder-password`: every create carries a `password` "even if password
 * sync isn't enabled … a placeholder … its value isn't relevant" ([scim-20] "Create
 * the User", note). Dropped on POST /Users so a throwaway secret is never kept.
 */
const placeholderPassword: Step = (unit, ctx) => {
  if (unit.kind !== 'resource' || unit.method !== 'POST' || unit.type !== 'User') return;
  const k = keyOf(unit.body, 'password');
  if (k === undefined) return;
  delete unit.body[k];
  ctx.rewrote('okta.placeholder-password');
};

export function oktaProfile(registry: SchemaRegistry): CompatProfile {
  return defineProfile(
    {
      idp: 'okta',
      steps: [...FIRST, pathlessActive, pathlessReadonlyId, putReadonlyEcho, placeholderPassword, ...LAST],
      upsertOnNoMatch: false,
      tolerant: true,
    },
    registry,
  );
}
