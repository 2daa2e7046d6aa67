/**
 * The platform's view of a user behind the SCIM endpoint (docs/scim-api.md
 * "User lifecycle"): its status, whether the tenant's identity provider manages
 * it, and the tenant's deprovisioning policy. Depends on nothing.
 */

/** `inactive`: deprovisioned by the identity provider; `suspended`: by a platform administrator. */
export const USER_STATUSES = ['active', 'inactive', 'suspended'] as const;
/** A platform user's status. */
export type UserStatus = (typeof USER_STATUSES)[number];

/** What a DELETE from the identity provider does (docs/scim-api.md "Deprovisioning policy"). */
export const DEPROVISION_POLICIES = ['deactivate', 'delete'] as const;
/** A tenant's deprovisioning policy; `deactivate` by default. */
export type DeprovisionPolicy = (typeof DEPROVISION_POLICIES)[number];

/** A platform user as the admin API and the access check see it. */
export interface PlatformUser {
  /** The SCIM id. */
  readonly id: string;
  readonly userName: string;
  readonly externalId: string | null;
  readonly status: UserStatus;
  /** Created or modified over SCIM and not suspended since. */
  readonly managed: boolean;
  /** ISO 8601, when deactivated by a DELETE under `deactivate` (hidden from SCIM). */
  readonly deprovisionedAt: string | null;
  /** ISO 8601, when suspended by a platform administrator. */
  readonly suspendedAt: string | null;
}

/** A user a DELETE under `deactivate` hid from SCIM: what its restore brings back. */
export interface HiddenUser {
  readonly id: string;
  readonly version: number;
  readonly created: string;
}
