/**
 * The JSON shapes of the admin API (`/api/v1`, docs/architecture.md "Admin API"), as the
 * typed client (`roster-scim/client`) returns them. Plain data: no server code behind them.
 */

/** A masked API key: never the secret. */
export interface AdminKey {
  /** The key's public id part. */
  readonly id: string;
  /** `roster_<id>_…abcd`: the key's id and last 4 characters. */
  readonly key: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  /** When it last authenticated a SCIM request (recorded every few seconds), null if never. */
  readonly lastUsedAt: string | null;
  readonly active: boolean;
}

/** A key just issued: `apiKey` is the plaintext, in this answer only. */
export interface AdminIssuedKey extends AdminKey {
  readonly apiKey: string;
}

/** A tenant just created: its first key in plaintext, in this answer only. */
export interface AdminCreatedTenant extends AdminTenant {
  readonly apiKey: string;
}

/** What deleting a SCIM setup did (docs/scim-api.md "Deleting a SCIM setup"). */
export interface AdminDeletedSetup {
  readonly tenantId: string;
  readonly users: 'keep' | 'deactivate' | 'delete';
  readonly revokedKeys: number;
  readonly usersAffected: number;
  readonly rolesAffected: number;
  readonly deletedAt: string;
}

/** A tenant with its SCIM base URL and keys. */
export interface AdminTenant {
  readonly id: string;
  readonly name: string;
  readonly idp: string;
  readonly createdAt: string;
  readonly scimBaseUrl: string;
  readonly deprovision: 'deactivate' | 'delete';
  /** Whether a live key can reach the SCIM endpoint. */
  readonly scimEnabled: boolean;
  readonly keys: readonly AdminKey[];
}

/** A user as the admin API lists it (docs/scim-api.md "User lifecycle"). */
export interface AdminUser {
  readonly id: string;
  readonly userName: string;
  readonly externalId: string | null;
  readonly status: 'active' | 'inactive' | 'suspended';
  readonly managed: boolean;
  /** Ids of the user's roles. */
  readonly roles: readonly string[];
  readonly deprovisionedAt: string | null;
  readonly suspendedAt: string | null;
}

/** A role (a SCIM Group, or a role of the platform). */
export interface AdminRole {
  readonly id: string;
  readonly name: string;
  readonly managed: boolean;
  readonly permissions: readonly string[];
  readonly memberCount: number;
}

export interface AdminMember {
  readonly id: string;
  readonly type: 'User' | 'Group';
  readonly display?: string;
}

export interface AdminPermission {
  readonly name: string;
  readonly description: string;
}

/** `GET …/access/{userId}`. */
export interface AdminAccess {
  readonly allowed: boolean;
  readonly permissions: readonly string[];
}

/** One audit row (docs/audit.md). */
export interface AdminAuditEvent {
  readonly seq: number;
  readonly id: string;
  readonly occurredAt: string;
  readonly actorKind: string;
  readonly actorId: string | null;
  readonly actorLabel: string | null;
  readonly requestId: string | null;
  readonly idp: string | null;
  readonly method: string | null;
  readonly path: string | null;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly operation: string;
  readonly change: unknown;
  readonly outcome: 'success' | 'refused';
  readonly status: number;
  readonly normalisations: readonly string[];
}

/** One event of the feed (docs/events.md "Envelope"). */
export interface AdminEvent {
  readonly id: string;
  readonly type: string;
  readonly tenantId: string;
  readonly sequence: number;
  readonly occurredAt: string;
  readonly payload: unknown;
}

/** A page of a list; `next` is the `after` of the next page, `null` at the end. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly next: string | null;
}

/** A page of the events feed: `next` is always there (at the end: where to poll from). */
export interface EventsPage {
  readonly events: readonly AdminEvent[];
  readonly next: string;
  readonly hasMore: boolean;
}

/** A webhook endpoint as registered (the secret only in the answer to its creation). */
export interface AdminWebhook {
  readonly id: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly secret?: string;
  readonly [more: string]: unknown;
}
