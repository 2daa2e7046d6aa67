/**
 * Tolerances shared by every profile, `generic` included: deviations that cannot be
 * misread, so accepting them never changes what a request means.
 *
 * Checked, and needing no rewrite (URLSearchParams already does the right thing;
 * see common.test.ts):
 * - `+` for a space in the query (Entra's filters, tutorial "Get User by query"):
 *   application/x-www-form-urlencoded decoding turns `+` into a space.
 * - OneLogin's stray trailing `&` or `?` (goauthentik/authentik#11249 nginx log):
 *   empty query pairs are skipped, and a `?` with nothing after it is an empty query.
 */
import type { AttributeDefinition } from '../scim/schema/types.ts';
import { getKey, isObject, keyOf, patchOperations } from './json.ts';
import type { Step } from './step.ts';
import type { Unit } from './units.ts';
import { tryParsePath, visitPatchOperation, visitResource } from './walk.ts';
import type { AttrVisitor } from './walk.ts';

const OPS = new Set(['add', 'remove', 'replace']);

/**
 * `op-case`: `"op": "Replace"` → `"replace"`. Entra sends `Add`/`Replace`/`Remove` by
 * default (MicrosoftDocs entra-docs use-scim-to-provision-users-and-groups.md,
 * "Don't require a case-sensitive match on … PATCH op"; known-issues page
 * application-provisioning-config-problem-scim-compatibility.md, "Without feature flag").
 * The core accepts exactly the RFC 7644 §3.5.2 spellings.
 */
export const opCase: Step = (unit, ctx) => {
  if (unit.kind !== 'patch') return;
  for (const op of patchOperations(unit.body)) {
    const k = keyOf(op, 'op');
    const v = k === undefined ? undefined : op[k];
    if (k === undefined || typeof v !== 'string') continue;
    const lower = v.toLowerCase();
    if (lower !== v && OPS.has(lower)) {
      op[k] = lower;
      ctx.rewrote('op-case');
    }
  }
};

const BOOL = /^(true|false)$/i;

/** Runs `visit` over every attribute value of a resource body or PatchOp body. */
export function visitUnit(unit: Unit, ctx: Parameters<Step>[1], visit: AttrVisitor): void {
  if (unit.kind === 'filter') return;
  const rs = ctx.schema(unit.type);
  if (rs === undefined) return;
  if (unit.kind === 'resource') visitResource(rs, unit.body, visit);
  else for (const op of patchOperations(unit.body)) visitPatchOperation(rs, op, visit);
}

/**
 * `bool-string`: `"True"`/`"false"` (any case) → a JSON boolean, only where the
 * schema types the attribute boolean (`active`, every `primary`, booleans of
 * extensions), in bodies, PATCH values by path, and path-less PATCH values.
 * Sources: Entra known-issues page ("Requests made to disable users", without the
 * aadOptscim062020 flag: `"value": "False"`); Entra SCIM validator sends
 * `roles[].primary: "True"` (Paul-E/scim-v2-rust src/test_data/entra_user_creation_test.json);
 * OneLogin templates render `"active": "{$user.active}"` as a string.
 * RFC 7643 §2.3.2 booleans are JSON literals; a string that is exactly true/false
 * has one meaning, so this is safe everywhere.
 */
export const boolString: Step = (unit, ctx) => {
  visitUnit(unit, ctx, (def: AttributeDefinition, holder, key) => {
    if (def.type !== 'boolean') return;
    const v = holder[key];
    if (typeof v === 'string' && BOOL.test(v)) {
      holder[key] = v.toLowerCase() === 'true';
      ctx.rewrote('bool-string');
    } else if (Array.isArray(v) && v.some((x) => typeof x === 'string' && BOOL.test(x))) {
      holder[key] = v.map((x) => (typeof x === 'string' && BOOL.test(x) ? x.toLowerCase() === 'true' : x));
      ctx.rewrote('bool-string');
    }
  });
};

/**
 * `members-remove-values` (noted, not rewritten): `remove` with `path: "members"`
 * and a `value` list. Entra's default mode (known-issues page, "Requests to remove a
 * group member", without the flag) and JumpCloud mean "remove these members"; the
 * PATCH core already reads it that way (it never empties the group when a value is
 * given — the safer reading), so this only marks the log line.
 */
export const membersRemoveValues: Step = (unit, ctx) => {
  if (unit.kind !== 'patch' || unit.type !== 'Group') return;
  for (const op of patchOperations(unit.body)) {
    const path = getKey(op, 'path');
    if (getKey(op, 'op') !== 'remove' || typeof path !== 'string') continue;
    const p = tryParsePath(path);
    const value = getKey(op, 'value');
    if (p !== undefined && p.attr.name.toLowerCase() === 'members' && p.valueFilter === undefined && (Array.isArray(value) || isObject(value))) {
      ctx.noted('members-remove-values');
    }
  }
};

/** Steps every profile runs first (before its own steps). */
export const FIRST: readonly Step[] = [opCase];
/** Steps every profile runs last (after its own steps reshaped the body). */
export const LAST: readonly Step[] = [boolString, membersRemoveValues];
