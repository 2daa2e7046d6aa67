/**
 * Group membership under PATCH. `members` is never written into the stored body:
 * operations accumulate, in order, into a delta of rows to insert and delete
 * (docs/principles.md rule 7), so one add costs the same in a group of ten as of a million.
 */
import { invalidValue } from '../errors.ts';
import { coerceSingleValue } from '../schema/validate.ts';
import type { AttributeDefinition } from '../schema/types.ts';
import type { PatchMember, PatchMembershipDelta } from './types.ts';
import { isObject } from './values.ts';

/**
 * Reads member values (`[{ value, type?, display?, $ref? }]`, or one object).
 * `value` must be a non-empty string; `type`, when given, must be User or Group
 * (compared case-insensitively: members.type is caseExact false); it defaults to
 * `User` and the caller should take the real kind from the store. `$ref` is
 * ignored (the server computes it; Entra may send null).
 */
export function readMembers(attr: AttributeDefinition, value: unknown, path: string): PatchMember[] {
  const list: readonly unknown[] = Array.isArray(value) ? value : [value];
  const out: PatchMember[] = [];
  for (let i = 0; i < list.length; i++) {
    const where = `${path}[${i}]`;
    const raw = list[i];
    if (!isObject(raw)) throw invalidValue(`"${where}" must be an object with a "value"`);
    const m = coerceSingleValue(attr, raw, where);
    const id = isObject(m) ? m['value'] : undefined;
    if (typeof id !== 'string' || id.length === 0) throw invalidValue(`"${where}.value" must be a non-empty string`);
    let type: PatchMember['type'] = 'User';
    const t = isObject(m) ? m['type'] : undefined;
    if (t !== undefined) {
      const lower = typeof t === 'string' ? t.toLowerCase() : '';
      if (lower !== 'user' && lower !== 'group') throw invalidValue(`"${where}.type" must be "User" or "Group"`);
      type = lower === 'user' ? 'User' : 'Group';
    }
    const display = isObject(m) ? m['display'] : undefined;
    out.push(typeof display === 'string' ? { value: id, type, display } : { value: id, type });
  }
  return out;
}

/** Applies member operations in order and reports the net delta. */
export class MemberTracker {
  private replaced: Map<string, PatchMember> | undefined;
  private readonly added = new Map<string, PatchMember>();
  private readonly removed = new Set<string>();
  private touched = false;

  add(members: readonly PatchMember[]): void {
    this.touched = true;
    for (const m of members) {
      if (this.replaced !== undefined) {
        if (!this.replaced.has(m.value)) this.replaced.set(m.value, m);
      } else {
        this.removed.delete(m.value);
        if (!this.added.has(m.value)) this.added.set(m.value, m);
      }
    }
  }

  remove(ids: readonly string[]): void {
    this.touched = true;
    for (const id of ids) {
      if (this.replaced !== undefined) {
        this.replaced.delete(id);
      } else {
        this.added.delete(id);
        this.removed.add(id);
      }
    }
  }

  /** RFC 7644 §3.5.2.3: replace without a filter replaces the whole set (`[]` empties it). */
  replace(members: readonly PatchMember[]): void {
    this.touched = true;
    this.replaced = new Map();
    this.added.clear();
    this.removed.clear();
    this.add(members);
  }

  /** The member list as it stands after the operations so far (needs the original list). */
  current(original: readonly PatchMember[]): PatchMember[] {
    if (this.replaced !== undefined) return [...this.replaced.values()];
    const out = original.filter((m) => !this.removed.has(m.value) && !this.added.has(m.value));
    return [...out, ...this.added.values()];
  }

  /**
   * The net delta, or undefined when there is nothing to do. With the original list,
   * it holds only rows that really change (a replace becomes adds and removes).
   */
  delta(original?: readonly PatchMember[]): PatchMembershipDelta | undefined {
    if (!this.touched) return undefined;
    if (original === undefined) {
      if (this.replaced !== undefined) return { replace: [...this.replaced.values()], add: [], remove: [] };
      if (this.added.size === 0 && this.removed.size === 0) return undefined;
      return { add: [...this.added.values()], remove: [...this.removed] };
    }
    const before = new Set(original.map((m) => m.value));
    let add: PatchMember[];
    let remove: string[];
    if (this.replaced !== undefined) {
      const after = this.replaced;
      add = [...after.values()].filter((m) => !before.has(m.value));
      remove = [...before].filter((id) => !after.has(id));
    } else {
      add = [...this.added.values()].filter((m) => !before.has(m.value));
      remove = [...this.removed].filter((id) => before.has(id));
    }
    return add.length === 0 && remove.length === 0 ? undefined : { add, remove };
  }
}
