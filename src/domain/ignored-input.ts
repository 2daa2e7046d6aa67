/**
 * What requests carried and Roster ignored (docs/identity-providers.md "Ignored input"):
 * found by the compatibility layer and the directory, logged, and kept per tenant.
 */

/** Something a request carried that Roster ignored. */
export interface IgnoredItem {
  /** `schema` (an extension URN), `attribute` (an attribute or sub-attribute path), `member` (a member id). */
  readonly kind: string;
  readonly name: string;
}

/** One row of a tenant's ignored-input record. */
export interface IgnoredInputRecord extends IgnoredItem {
  /** ISO 8601 timestamps (UTC) of the first and the latest request that carried it. */
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** How many requests carried it. */
  readonly count: number;
}
