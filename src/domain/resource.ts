/**
 * The resource kinds Roster serves and group membership (RFC 7643 §4.1 User, §4.2
 * Group), shared by the compatibility layer, the directory and the stores.
 */

/** The resource types of RFC 7643 §4 that Roster serves. */
export type ResourceKind = 'User' | 'Group';

/** A group member (RFC 7643 §4.2 `members`). */
export interface Member {
  readonly value: string;
  readonly type: ResourceKind;
  readonly display?: string;
}

/**
 * A membership change computed by PATCH/PUT: applied as row inserts/deletes so
 * adding one member costs the same in a group of 10 as in one of 1,000,000.
 */
export interface MembershipDelta {
  /** Replace the whole member list (PUT, or PATCH `replace members`). */
  readonly replace?: readonly Member[];
  readonly add: readonly Member[];
  /** Member ids to remove. */
  readonly remove: readonly string[];
}
