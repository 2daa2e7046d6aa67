/**
 * Types of the SCIM PATCH engine (RFC 7644 §3.5.2).
 *
 * `PatchMember` and `PatchMembershipDelta` are structurally identical to the
 * store's `Member` and `MembershipDelta` (`src/store/store.ts`); they are restated
 * here because `src/scim` imports nothing else of ours (docs/principles.md rule 1).
 */
import type { PatchPath } from '../filter/ast.ts';

/** RFC 7644 §3.5.2: the three operations; the core accepts exactly these spellings. */
export type PatchOpName = 'add' | 'remove' | 'replace';

/** One parsed, frozen PATCH operation. */
export interface PatchOperation {
  readonly op: PatchOpName;
  /** The parsed `path`; absent means the resource itself (add/replace only). */
  readonly path?: PatchPath;
  /** The `path` exactly as sent, for error messages. */
  readonly pathText?: string;
  /** The `value` as sent (deep-frozen); always present for add/replace, may be absent for remove. */
  readonly value?: unknown;
}

/** A group member (same shape as the store's `Member`). */
export interface PatchMember {
  readonly value: string;
  readonly type: 'User' | 'Group';
  readonly display?: string;
}

/** A membership change (same shape as the store's `MembershipDelta`). */
export interface PatchMembershipDelta {
  readonly replace?: readonly PatchMember[];
  readonly add: readonly PatchMember[];
  readonly remove: readonly string[];
}

export interface ApplyPatchOptions {
  /**
   * The group's current members. Needed only when `patchNeedsMembers(ops)` is true
   * (a `remove` through a members filter other than `value eq`); when given, the
   * membership delta is also reduced to the rows that really change.
   */
  readonly members?: readonly PatchMember[];
  /**
   * When true, `add`/`replace` through a value filter that matches nothing creates
   * the element from the filter's `eq` conditions plus the value (Entra expects
   * `replace emails[type eq "work"].value` to create a work email). Default false:
   * the core answers 400 `noTarget` as RFC 7644 §3.5.2.3 says.
   */
  readonly upsertOnNoMatch?: boolean;
  /**
   * Most values an operation may leave in one multi-valued attribute (Group
   * `members` aside); an operation that grows an attribute past it is 400
   * `invalidValue`. A list already longer (stored before the cap was lowered) may
   * still shrink. Absent: no cap.
   */
  readonly maxMultiValued?: number;
}

export interface PatchResult {
  /** The new stored body (a fresh object; the input is never mutated). */
  readonly resource: Record<string, unknown>;
  /**
   * False when nothing changes: the body deep-equals the input and there is no
   * membership delta. Then version and lastModified must not move
   * (RFC 7644 §3.5.2.1: "SHALL NOT change the modify timestamp").
   */
  readonly changed: boolean;
  /** Membership rows to change (Groups only); absent when there is nothing to do. */
  readonly membership?: PatchMembershipDelta;
}
