/**
 * Tenants (clients) and their API keys: what the directory, the compatibility layer,
 * the stores and the HTTP layer all speak of. Depends on nothing (README.md "Layout").
 */

/** The identity providers Roster has a profile for (`src/compat`); `generic` is strict RFC 7644. */
export const IDPS = ['entra', 'okta', 'jumpcloud', 'onelogin', 'google', 'generic'] as const;
/** The identity provider a tenant's requests come from; selects its compatibility profile. */
export type IdpName = (typeof IDPS)[number];

/** A client of the platform: one SCIM base URL, its own users and groups, its own keys. */
export interface Tenant {
  readonly id: string;
  readonly name: string;
  readonly idp: IdpName;
  readonly createdAt: string;
}

/** An API key as stored: only the digest of its secret part (docs/reliability.md AU-4). */
export interface ApiKeyRecord {
  /** The public id part of the key (looked up, never secret). */
  readonly id: string;
  readonly tenantId: string;
  /** SHA-256 digest of the secret part (hex). */
  readonly digest: string;
  /** Last 4 characters, for display. */
  readonly last4: string;
  readonly createdAt: string;
  /** When set, the key stops working at this instant (rotation grace, revocation). */
  readonly expiresAt: string | null;
  /** When the key last authenticated a request (recorded every few seconds); absent if never. */
  readonly lastUsedAt?: string | null;
}
