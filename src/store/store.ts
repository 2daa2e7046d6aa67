/**
 * The storage contract. Every method takes the tenant explicitly (DESIGN rule 6);
 * the SQLite store implements it now, a PostgreSQL store later, with no change to
 * the core, the directory or the HTTP layer.
 */
import type { AttrPath, Filter } from '../scim/filter/ast.ts';
import type { ScimResource } from '../scim/schema/types.ts';

export type ResourceKind = 'User' | 'Group';

/** A resource as stored: the body without `id`, `meta`, `members` (Group) and `groups` (User). */
export interface StoredResource {
  readonly tenantId: string;
  readonly type: ResourceKind;
  readonly id: string;
  readonly data: ScimResource;
  /** Monotonic version; the ETag is `W/"<version>"`. */
  readonly version: number;
  /** ISO 8601 timestamps (UTC, millisecond precision). */
  readonly created: string;
  readonly lastModified: string;
}

/** A group member row (RFC 7643 §4.2 `members`). */
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

export interface SortSpec {
  readonly path: AttrPath;
  readonly order: 'ascending' | 'descending';
}

/** Keyset position for cursor paging (RFC 9865): the last row's sort value and id. */
export interface Keyset {
  readonly sortValue: string | number | boolean | null;
  readonly id: string;
  /** `after` pages forward, `before` pages backward from this row. */
  readonly direction: 'after' | 'before';
}

export interface QueryOptions {
  readonly filter?: Filter;
  readonly sort?: SortSpec;
  /** 1-based index (RFC 7644 §3.4.2.4); ignored when `keyset` is given. */
  readonly startIndex: number;
  readonly count: number;
  readonly keyset?: Keyset;
  /** Whether group `members` rows are read (false for `excludedAttributes=members`). */
  readonly withMembers: boolean;
  /** Users: whether `groups` is computed for the page (default true; false for `excludedAttributes=groups`). */
  readonly withGroups?: boolean;
  /**
   * When set, `members` (`groups`) is attached only to the resources with at most this
   * many; the others come without it (docs/scim-api.md "Large groups in lists").
   */
  readonly maxRelations?: number;
  /**
   * Base URL of the tenant's SCIM endpoint, no trailing slash (e.g. `https://h/scim/v2/t1`),
   * so filters on `meta.location` and `members.$ref` / `groups.$ref` can be evaluated;
   * when absent those attributes compare as missing.
   */
  readonly locationBase?: string;
}

export interface QueryResult {
  readonly totalResults: number;
  readonly resources: readonly LoadedResource[];
}

/** A resource with what is computed from other rows. */
export interface LoadedResource extends StoredResource {
  /** Group members (only when asked for). */
  readonly members?: readonly Member[];
  /** User's groups, computed from memberships (only when asked for). */
  readonly groups?: readonly { value: string; display?: string; type: 'direct' }[];
  /** The sort key value of this row when a sort was requested (for cursors). */
  readonly sortValue?: string | number | boolean | null;
}

export interface Tenant {
  readonly id: string;
  readonly name: string;
  readonly idp: IdpName;
  readonly createdAt: string;
}

export const IDPS = ['entra', 'okta', 'jumpcloud', 'onelogin', 'google', 'generic'] as const;
export type IdpName = (typeof IDPS)[number];

/** An admin API operator token (docs/architecture.md, Admin API): digest only, like API keys. */
export interface OperatorTokenRecord {
  /** The public id part of the token (looked up, never secret). */
  readonly id: string;
  /** SHA-256 digest of the secret part (hex). */
  readonly digest: string;
  readonly createdAt: string;
  /** When set, the token no longer works. */
  readonly revokedAt: string | null;
}

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
}

/** Something a request carried that Roster ignored (docs/identity-providers.md "Ignored input"). */
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

/** Operations inside one transaction. */
export interface StoreTx {
  getResource(tenantId: string, type: ResourceKind, id: string, opts: { withMembers: boolean; withGroups: boolean }): Promise<LoadedResource | undefined>;
  /** Inserts; throws `uniqueness` (409) on a duplicate userName/displayName in the tenant. */
  insertResource(resource: StoredResource): Promise<void>;
  /** Updates data/version/lastModified where the stored version equals `expectedVersion`; false if it did not. */
  updateResource(resource: StoredResource, expectedVersion: number): Promise<boolean>;
  deleteResource(tenantId: string, type: ResourceKind, id: string): Promise<boolean>;
  /** Applies a delta; returns whether any row changed. Members must already be validated as same-tenant. */
  applyMembership(tenantId: string, groupId: string, delta: MembershipDelta): Promise<boolean>;
  /** How many members the group has (0 for a group without members or no such group). */
  memberCount(tenantId: string, groupId: string): Promise<number>;
  /** Which of these ids exist in the tenant, with their kind. */
  existingIds(tenantId: string, ids: readonly string[]): Promise<Map<string, ResourceKind>>;
  query(tenantId: string, type: ResourceKind, opts: QueryOptions): Promise<QueryResult>;
}

/** One page of a group's members, read in one snapshot with the group's version. */
export interface MemberPage {
  readonly version: number;
  /** Ordered by member id (code point order); at most the `limit` asked for. */
  readonly members: readonly Member[];
}

export interface Store extends StoreTx {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Keyset page of a group's members: the first `limit` members whose id sorts after
   * `after` (from the first when absent), with the group's version at that instant;
   * `undefined` when the group does not exist in the tenant. Streams a large group
   * (`GET /Groups/{id}`) with bounded memory.
   */
  readMembers(tenantId: string, groupId: string, page: { after?: string; limit: number }): Promise<MemberPage | undefined>;
  /** Runs `fn` in one write transaction (SQLite: BEGIN IMMEDIATE, writers serialised). */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;

  createTenant(tenant: Tenant): Promise<void>;
  /**
   * Creates the tenant and its first API key in one transaction: both are stored
   * or neither is, so a crash never leaves a tenant that no key can reach.
   */
  createTenantWithKey(tenant: Tenant, key: ApiKeyRecord): Promise<void>;
  getTenant(id: string): Promise<Tenant | undefined>;
  listTenants(): Promise<Tenant[]>;
  /** Deletes the tenant, its keys and all its resources. */
  deleteTenant(id: string): Promise<boolean>;

  insertApiKey(key: ApiKeyRecord): Promise<void>;
  findApiKey(id: string): Promise<ApiKeyRecord | undefined>;
  insertOperatorToken(token: OperatorTokenRecord): Promise<void>;
  findOperatorToken(id: string): Promise<OperatorTokenRecord | undefined>;
  /**
   * The key and its tenant in one indexed lookup (authentication runs it on every
   * request); `undefined` when the key or its tenant does not exist. Never cached:
   * rotation and revocation take effect at once in every process.
   */
  findApiKeyWithTenant(id: string): Promise<{ key: ApiKeyRecord; tenant: Tenant } | undefined>;
  listApiKeys(tenantId: string): Promise<ApiKeyRecord[]>;
  /**
   * Sets `expiresAt` on every key of the tenant still live at `at` (rotation,
   * revocation), in one statement; returns those keys as updated.
   */
  expireApiKeys(tenantId: string, at: string): Promise<ApiKeyRecord[]>;
  /**
   * Rotation in one transaction: expires the live keys of `key.tenantId` at
   * `expireOthersAt`, then stores `key` (so the new key is never caught by the
   * expiry). Either both happen or neither: the old keys never stop working
   * without the new one being stored.
   */
  rotateApiKey(key: ApiKeyRecord, expireOthersAt: string): Promise<void>;

  /**
   * Records what one request of the tenant carried and Roster ignored: a new
   * (kind, name) gets firstSeen = lastSeen = `at` and count 1, a known one lastSeen
   * = `at` and count + 1. Bounded: names are cut to 256 characters, and a tenant
   * holds at most 1000 distinct rows (later new names are not added).
   */
  recordIgnoredInput(tenantId: string, items: readonly IgnoredItem[], at: string): Promise<void>;
  /** The tenant's ignored-input record, ordered by kind then name. */
  listIgnoredInput(tenantId: string): Promise<IgnoredInputRecord[]>;

  /** A server secret (e.g. for signing cursors), created once and shared by every process. */
  secret(name: string): Promise<Buffer>;
  /** Liveness of the database (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
