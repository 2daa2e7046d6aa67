/**
 * `jumpcloud`: JumpCloud's "Identity Management" connector for custom SCIM apps.
 * Sources:
 * - [fixtures] Paul-E/scim-v2-rust src/test_data/jumpcloud_create_user.json,
 *   jumpcloud_put_user_full.json, jumpcloud_put_user_minimal.json (commit cdf46ea,
 *   captured from a live tenant). The repository's earlier JumpCloud PATCH fixtures
 *   were not captured from a live tenant and are deliberately not used.
 * - [support] jumpcloud.com "Identity Management using a Custom SCIM Integration".
 * What JumpCloud sends is RFC-valid or handled by the core, so this profile only
 * marks it in the log; shared tolerances from common.ts apply.
 * - `tel:+1-…` phone numbers are stored exactly as sent (no reformatting).
 * - The extension URN listed first in `schemas`: order carries no meaning (RFC 7643 §3).
 * - Member removal as `path: "members"` + value list: `members-remove-values` (common.ts).
 */
import type { SchemaRegistry } from '../scim/schema/types.ts';
import { FIRST, LAST, visitUnit } from './common.ts';
import { keyOf } from './json.ts';
import { defineProfile } from './pipeline.ts';
import type { Step } from './step.ts';
import type { CompatProfile } from './profile.ts';

/**
 * `jumpcloud.cleared-multivalued` (noted): user updates are full PUTs that clear a
 * multi-valued attribute with `[]` or `null` (`"emails": null`) [fixtures]; both mean
 * "unassigned" (RFC 7643 §2.5), which the core applies.
 */
const clearedMultiValued: Step = (unit, ctx) => {
  if (unit.kind !== 'resource' || unit.method !== 'PUT') return;
  visitUnit(unit, ctx, (def, holder, key) => {
    const v = holder[key];
    if (def.multiValued && (v === null || (Array.isArray(v) && v.length === 0))) ctx.noted('jumpcloud.cleared-multivalued');
  });
};

/** `jumpcloud.put-id-echo` (noted): PUT bodies carry the service provider's `id` [fixtures]; readOnly, ignored by the core. */
const putIdEcho: Step = (unit, ctx) => {
  if (unit.kind === 'resource' && unit.method === 'PUT' && keyOf(unit.body, 'id') !== undefined) ctx.noted('jumpcloud.put-id-echo');
};

export function jumpcloudProfile(registry: SchemaRegistry): CompatProfile {
  return defineProfile({ idp: 'jumpcloud', steps: [...FIRST, clearedMultiValued, putIdEcho, ...LAST], upsertOnNoMatch: false, tolerant: true }, registry);
}
