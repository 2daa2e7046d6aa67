/**
 * Group member validation (RFC 7643 §4.2): every member must name a User or Group
 * of the SAME tenant (docs/reliability.md AU-2), a group may not contain itself, and the
 * member `type` is the actual kind of the referenced resource.
 */
import { invalidValue } from '../scim/errors.ts';
import type { StoreTx } from '../store/store.ts';
import type { Member, MembershipDelta, ResourceKind } from '../domain/resource.ts';

/** The members given in a Group body (`members` as canonicalised by validation). */
export function membersFromBody(raw: unknown): { value: string; type?: string; display?: string }[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalidValue('"members" must be an array.');
  return raw.map((m, i) => {
    if (m === null || typeof m !== 'object') throw invalidValue(`members[${i}] must be an object.`);
    const o = m as Record<string, unknown>;
    if (typeof o.value !== 'string' || o.value === '') throw invalidValue(`members[${i}].value must be a non-empty string.`);
    return {
      value: o.value,
      ...(typeof o.type === 'string' ? { type: o.type } : {}),
      ...(typeof o.display === 'string' ? { display: o.display } : {}),
    };
  });
}

const sample = (ids: readonly string[]): string =>
  ids.slice(0, 5).map((v) => JSON.stringify(v.length > 64 ? `${v.slice(0, 64)}…` : v)).join(', ') + (ids.length > 5 ? ', …' : '');

/**
 * Checks candidate members against the tenant and returns them as stored rows
 * (deduplicated by value, `type` set to the real kind). Throws 400 `invalidValue`
 * when an id names the group itself, or does not exist in the tenant and there is
 * no `ignoreMissing`. With `ignoreMissing` (provider tenants) such ids are left out
 * and passed to it: the members that resolve are still added, and when none does
 * the change is a no-op, not an error (docs/identity-providers.md "Ignored input":
 * Okta batches group-push changes into one PATCH and does not retry a 400).
 */
export async function resolveMembers(
  tx: StoreTx,
  tenantId: string,
  groupId: string | undefined,
  candidates: readonly { value: string; type?: string; display?: string }[],
  ignoreMissing?: (ids: readonly string[]) => void,
): Promise<Member[]> {
  const byValue = new Map<string, { value: string; type?: string; display?: string }>();
  for (const c of candidates) if (!byValue.has(c.value)) byValue.set(c.value, c);
  if (groupId !== undefined && byValue.has(groupId)) throw invalidValue('A group cannot be a member of itself.');
  if (byValue.size === 0) return [];
  const kinds = await tx.existingIds(tenantId, [...byValue.keys()]);
  const missing = [...byValue.keys()].filter((v) => !kinds.has(v));
  // AU-2: ids of other tenants are indistinguishable from ids that do not exist.
  if (missing.length > 0) {
    if (ignoreMissing === undefined) throw invalidValue(`No User or Group with id ${sample(missing)} exists.`);
    ignoreMissing(missing);
  }
  const out: Member[] = [];
  for (const c of byValue.values()) {
    if (!kinds.has(c.value)) continue;
    // RFC 7643 §4.2: `type` is "User" or "Group". It is always the real kind of the
    // referenced resource: a client's (or the PATCH engine's default) guess is not kept.
    const kind = kinds.get(c.value) as ResourceKind;
    out.push({ value: c.value, type: kind, ...(c.display !== undefined ? { display: c.display } : {}) });
  }
  return out;
}

/** Validates the `add`/`replace` parts of a delta; `remove` needs no check (removing a non-member is a no-op). */
export async function resolveDelta(
  tx: StoreTx, tenantId: string, groupId: string, delta: MembershipDelta, ignoreMissing?: (ids: readonly string[]) => void,
): Promise<MembershipDelta> {
  const replace = delta.replace === undefined ? undefined : await resolveMembers(tx, tenantId, groupId, delta.replace, ignoreMissing);
  const add = await resolveMembers(tx, tenantId, groupId, delta.add, ignoreMissing);
  return { ...(replace !== undefined ? { replace } : {}), add, remove: [...delta.remove] };
}

/** Whether a delta does nothing at all. */
export const isEmptyDelta = (d: MembershipDelta): boolean => d.replace === undefined && d.add.length === 0 && d.remove.length === 0;

/** How many different member ids a list names (a repeated id is one member). */
export const distinctCount = (candidates: readonly { value: string }[]): number => new Set(candidates.map((c) => c.value)).size;

/** 400 `invalidValue` when a group would have more than `max` members (docs/scim-api.md, `--max-group-members`). */
export function checkGroupSize(count: number, max: number | undefined): void {
  if (max !== undefined && count > max) throw invalidValue(`A group may have at most ${max} members (this change would give it ${count}).`);
}
