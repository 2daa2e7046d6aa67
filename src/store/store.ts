/**
 * The storage contract. Every method takes the tenant explicitly (docs/principles.md
 * rule 6); the SQLite and PostgreSQL stores implement it, with no change
 * to the core, the directory or the HTTP layer. The domain types it stores (tenants,
 * keys, members, ignored input) live in `src/domain`.
 */
import type { AttrPath, Filter } from '../scim/filter/ast.ts';
import type { ScimResource } from '../scim/schema/types.ts';
import type { IgnoredInputRecord, IgnoredItem } from '../domain/ignored-input.ts';
import type { Member, MembershipDelta, ResourceKind } from '../domain/resource.ts';
import type { ApiKeyRecord, IdpName, Tenant } from '../domain/tenant.ts';
import type { DeprovisionPolicy, HiddenUser, PlatformUser } from '../domain/platform-user.ts';
import type { Role } from '../domain/role.ts';
import type { WebhookStore } from './webhooks.ts';

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

/** Whether an audited request changed state or was refused (docs/audit.md). */
export type AuditOutcome = 'success' | 'refused';

/** One audit row to append (docs/audit.md): who changed what, with the change itself. */
export interface AuditEventInput {
  /** UUID of the row. */
  readonly id: string;
  /** ISO 8601 (UTC). */
  readonly occurredAt: string;
  /** `api_key`, `operator` or `cli`. */
  readonly actorKind: string;
  /** The API key id, the operator id, or the CLI user. */
  readonly actorId: string | null;
  /** How the actor is shown: the key's public prefix (`roster_<id>`), never a secret. */
  readonly actorLabel: string | null;
  readonly requestId: string | null;
  /** The tenant's identity provider when the change was made. */
  readonly idp: string | null;
  readonly method: string | null;
  /** The request path, filter values redacted (docs/audit.md). */
  readonly path: string | null;
  readonly resourceType: string;
  readonly resourceId: string;
  /** `create`, `replace`, `patch`, `delete`, `rotate_key`, `revoke_keys` … */
  readonly operation: string;
  /** The attribute-level change (JSON; never a password or secret). */
  readonly change: unknown;
  readonly outcome: AuditOutcome;
  /** The HTTP status the request was answered with (0 outside HTTP). */
  readonly status: number;
  /** Compatibility normalisations that fired (src/compat). */
  readonly normalisations: readonly string[];
}

/** An audit row as stored: `seq` is per tenant, strictly increasing, without gaps. */
export interface AuditEvent extends AuditEventInput {
  readonly tenantId: string;
  readonly seq: number;
}

/** One outbox event to append (docs/audit.md "Events"). */
export interface OutboxEventInput {
  /** Globally unique, stable (UUID). */
  readonly id: string;
  /** `user.created`, `role.member_added` … */
  readonly type: string;
  readonly occurredAt: string;
  /** The platform-side view (JSON, bounded; never a password, key or filter). */
  readonly payload: unknown;
}

/** An outbox event as stored: `seq` is per tenant, strictly increasing, without gaps. */
export interface OutboxEvent extends OutboxEventInput {
  readonly tenantId: string;
  readonly seq: number;
}

/** A page of audit or outbox rows: those with `seq` greater than `afterSeq` (default 0), at most `limit`. */
export interface EventPage {
  readonly afterSeq?: number;
  readonly limit: number;
}

/**
 * A page of the event feed (docs/events.md): one tenant's events by `seq`, or every
 * tenant's by `gseq` (the global commit order), after `after` (0 = from the oldest kept).
 */
export interface FeedQuery {
  /** One tenant's feed; absent = all tenants. */
  readonly tenantId?: string;
  /** The last position the reader has (a `seq` for a tenant feed, a `gseq` for all tenants). */
  readonly after: number;
  /** Only these event types (absent or empty = every type). */
  readonly types?: readonly string[];
  readonly limit: number;
}

/** An outbox event with its position in the all-tenants order. */
export interface FeedEvent extends OutboxEvent {
  /** Global, strictly increasing in commit order, gap-free (never reused after pruning). */
  readonly gseq: number;
}

/** One page of the feed, read in one snapshot with the bounds of what is kept. */
export interface FeedPage {
  readonly events: FeedEvent[];
  /** The oldest position still stored (the last assigned + 1 when nothing is stored). */
  readonly firstKept: number;
  /** The last position assigned so far (0 when none). */
  readonly last: number;
}

/** Where an in-process subscriber is in the all-tenants feed (docs/embedding.md). */
export interface SubscriberCursors {
  /** The subscriber's last handled `gseq`, or undefined for a new subscriber. */
  get(name: string): Promise<number | undefined>;
  /** Stores the subscriber's position (as given: a database restored from an older copy moves it back). */
  set(name: string, gseq: number): Promise<void>;
}

/** What the store reports to an observer (docs/metrics.md). */
export interface StoreObserver {
  /** After every committed write transaction of this store object (in-process wake-ups). */
  readonly committed?: () => void;
  /** A write waited `ms` for the writer; `refused` when the bounded queue turned it away (RL-8). */
  readonly writeWait?: (ms: number, refused: boolean) => void;
}

/** Gauges of the store's queues and pools, read when metrics are scraped. */
export interface StoreStats {
  /** Writes waiting for the writer in this process. */
  readonly writeWaiting: number;
  /** Reads queued for a reader worker or pooled connection. */
  readonly readQueued: number;
  /** Reader workers or pooled connections open. */
  readonly readers: number;
}

/**
 * Filters of the audit query (admin API `GET …/audit`, docs/audit.md "Reading the
 * audit"), combined with AND. `since` is inclusive and `until` exclusive, both ISO
 * 8601 UTC as stored (`Date.prototype.toISOString`); `actor` is the actor's id.
 */
export interface AuditFilter {
  readonly resourceType?: string;
  readonly resourceId?: string;
  readonly actor?: string;
  readonly operation?: string;
  readonly outcome?: string;
  readonly since?: string;
  readonly until?: string;
}

/** SCIM requests of a tenant in one UTC hour (`YYYY-MM-DDTHH`). */
export interface RequestHour {
  readonly tenantId: string;
  readonly hour: string;
  readonly requests: number;
  /** Answers with status 400 or more. */
  readonly errors: number;
  /** ISO 8601 time of the latest request counted. */
  readonly lastAt: string;
}

/** One error answer kept for sync health: its SCIM error body (RFC 7644 §3.12), never a request body. */
export interface RequestErrorRecord {
  readonly tenantId: string;
  readonly at: string;
  readonly status: number;
  readonly method: string;
  /** Path, filter values redacted. */
  readonly path: string;
  readonly body: unknown;
}

/** A page of audit rows with filters. */
export interface AuditPage extends EventPage, AuditFilter {}

/** The member ids a membership change actually added and removed. */
export interface MembershipChange {
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

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

/** A page of a tenant's platform users, ordered by id (docs/architecture.md, Admin API). */
export interface PlatformUserPage {
  /** Only the users whose userName folds to this (RFC 7643 §4.1.1: userName is caseExact false). */
  readonly nameFold?: string;
  /** Only ids after this one (code point order). */
  readonly after?: string;
  readonly limit: number;
}

/**
 * The platform side of Users (docs/scim-api.md "User lifecycle"). The SCIM writes keep
 * status and managed mark up to date by themselves; these are the other changes.
 */
export interface PlatformUsers {
  get(tenantId: string, id: string): Promise<PlatformUser | undefined>;
  list(tenantId: string, page: PlatformUserPage): Promise<PlatformUser[]>;
  /** The user a DELETE hid with this externalId, else (no externalId sent) this folded userName. */
  findHidden(tenantId: string, by: { externalId?: string; nameFold?: string }): Promise<HiddenUser | undefined>;
  /** Marks the user hidden (status inactive unless suspended); call BEFORE deleting its SCIM row. */
  hide(tenantId: string, id: string, hidden: { version: number; created: string; groups: readonly string[] }, at: string): Promise<void>;
  /** Suspends (`at`) or lifts the suspension (`null`); the user as now stored, undefined if unknown. */
  setSuspended(tenantId: string, id: string, at: string | null): Promise<PlatformUser | undefined>;
  deprovisionPolicy(tenantId: string): Promise<DeprovisionPolicy>;
  /** False when there is no such tenant. */
  setDeprovisionPolicy(tenantId: string, policy: DeprovisionPolicy): Promise<boolean>;
  /** Removes the managed mark from every user of the tenant (its SCIM setup was deleted); how many changed. */
  releaseAll(tenantId: string): Promise<number>;
  /** Erases the tenant's hidden (deprovisioned) users for good; how many. */
  eraseHidden(tenantId: string): Promise<number>;
}

/** A page of a tenant's roles, ordered by id. */
export interface RolePage {
  /** Only ids after this one (code point order). */
  readonly after?: string;
  readonly limit: number;
}

/**
 * The platform side of Groups: each is a role (docs/scim-api.md "Roles and
 * permissions"); its permissions are granted here, never over SCIM (AU-9).
 */
export interface PlatformRoles {
  /** The role of this Group id, undefined when there is no such Group. */
  get(tenantId: string, id: string): Promise<Role | undefined>;
  list(tenantId: string, page: RolePage): Promise<Role[]>;
  /** Replaces the role's grants (names already checked against the catalogue). */
  setPermissions(tenantId: string, id: string, permissions: readonly string[]): Promise<void>;
  /** Marks a Group as created on the platform (not managed by the identity provider). */
  markPlatform(tenantId: string, id: string): Promise<void>;
  /** Whether the Group was created on the platform: SCIM may not change, delete or join it. */
  isPlatform(tenantId: string, id: string): Promise<boolean>;
  /** Each user's role ids (groups it is a direct member of), sorted. */
  rolesOf(tenantId: string, userIds: readonly string[]): Promise<Map<string, string[]>>;
  /** The union of the permissions of the user's roles, sorted (status not considered). */
  permissionsOf(tenantId: string, userId: string): Promise<string[]>;
}

/** Operations inside one transaction. */
export interface StoreTx {
  /** The platform side of Users. */
  readonly users: PlatformUsers;
  /** The platform side of Groups: roles and their permissions. */
  readonly roles: PlatformRoles;
  /** Webhook endpoints and their delivery state (docs/webhooks.md). */
  readonly webhooks: WebhookStore;
  getResource(tenantId: string, type: ResourceKind, id: string, opts: { withMembers: boolean; withGroups: boolean }): Promise<LoadedResource | undefined>;
  /** Inserts; throws `uniqueness` (409) on a duplicate userName/displayName in the tenant. */
  insertResource(resource: StoredResource): Promise<void>;
  /** Updates data/version/lastModified where the stored version equals `expectedVersion`; false if it did not. */
  updateResource(resource: StoredResource, expectedVersion: number): Promise<boolean>;
  deleteResource(tenantId: string, type: ResourceKind, id: string): Promise<boolean>;
  /** Applies a delta; returns whether any row changed. Members must already be validated as same-tenant. */
  applyMembership(tenantId: string, groupId: string, delta: MembershipDelta): Promise<boolean>;
  /** `applyMembership` reporting which member ids were actually added and removed (for the audit). */
  changeMembership(tenantId: string, groupId: string, delta: MembershipDelta): Promise<MembershipChange>;
  /** How many members the group has (0 for a group without members or no such group). */
  memberCount(tenantId: string, groupId: string): Promise<number>;
  /** Which of these ids exist in the tenant, with their kind. */
  existingIds(tenantId: string, ids: readonly string[]): Promise<Map<string, ResourceKind>>;
  query(tenantId: string, type: ResourceKind, opts: QueryOptions): Promise<QueryResult>;
  /**
   * Appends the audit rows and outbox events of one unit of work (docs/audit.md),
   * numbering both per tenant from one counter row in the same transaction.
   */
  appendEvents(tenantId: string, audit: readonly AuditEventInput[], outbox: readonly OutboxEventInput[]): Promise<void>;
  createTenant(tenant: Tenant): Promise<void>;
  insertApiKey(key: ApiKeyRecord): Promise<void>;
  /** See `Store.expireApiKeys`. */
  expireApiKeys(tenantId: string, at: string): Promise<ApiKeyRecord[]>;
  /** Expires one live key of the tenant at `at`; the key as now stored, undefined when no such live key. */
  expireApiKey(tenantId: string, keyId: string, at: string): Promise<ApiKeyRecord | undefined>;
  /** Changes the tenant's name and/or identity provider; false when there is no such tenant. */
  updateTenant(id: string, change: { name?: string; idp?: IdpName }): Promise<boolean>;
  /** Deletes the tenant, its keys and all its resources (its audit and outbox rows stay). */
  deleteTenant(id: string): Promise<boolean>;
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
  /** Runs `fn` in one write transaction (SQLite: BEGIN IMMEDIATE, writers serialised; PostgreSQL: READ COMMITTED, row locks). */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;

  createTenant(tenant: Tenant): Promise<void>;
  /**
   * Creates the tenant and its first API key in one transaction: both are stored
   * or neither is, so a crash never leaves a tenant that no key can reach. Writes
   * no audit row: Roster's own code goes through `src/tenants` (unit of work, docs/audit.md).
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
   * without the new one being stored. Writes no audit row (see `createTenantWithKey`).
   */
  rotateApiKey(key: ApiKeyRecord, expireOthersAt: string): Promise<void>;
  /** Records when keys last authenticated a request (batched; a time never moves back). */
  touchApiKeys(uses: readonly { id: string; at: string }[]): Promise<void>;

  /**
   * Records what one request of the tenant carried and Roster ignored: a new
   * (kind, name) gets firstSeen = lastSeen = `at` and count 1, a known one lastSeen
   * = `at` and count + 1. Bounded: names are cut to 256 characters, and a tenant
   * holds at most 1000 distinct rows (later new names are not added).
   */
  recordIgnoredInput(tenantId: string, items: readonly IgnoredItem[], at: string): Promise<void>;
  /** The tenant's ignored-input record, ordered by kind then name. */
  listIgnoredInput(tenantId: string): Promise<IgnoredInputRecord[]>;

  /**
   * Deletes at most `limit` audit rows (any tenant) that occurred before `before`
   * (ISO 8601 UTC), in one short write; returns how many (docs/audit.md "Retention").
   * Not a directory change: no audit row of its own.
   */
  pruneAuditEvents(before: string, limit: number): Promise<number>;
  /** Adds flushed request counters and error answers in one write (docs/audit.md "Sync health"). */
  recordRequestStats(hours: readonly RequestHour[], errors: readonly RequestErrorRecord[]): Promise<void>;
  /** The tenant's hourly counters from `sinceHour` on and its latest error answers (newest first). */
  requestHealth(tenantId: string, sinceHour: string): Promise<{ hours: RequestHour[]; errors: RequestErrorRecord[] }>;
  /** The tenant's audit rows by `seq` (docs/audit.md). */
  listAuditEvents(tenantId: string, page: AuditPage): Promise<AuditEvent[]>;
  /** The tenant's outbox events by `seq` (docs/audit.md). */
  listOutboxEvents(tenantId: string, page: EventPage): Promise<OutboxEvent[]>;
  /** A page of the event feed with the bounds of what is kept, in one snapshot (docs/events.md). */
  readEventFeed(query: FeedQuery): Promise<FeedPage>;
  /**
   * Deletes at most `limit` of the oldest outbox rows (any tenant) that occurred before
   * `before`, never one at or after `keepFrom` (a `gseq` a reader still needs), and only
   * a prefix of the global order: a row is deleted only if every older row is. Returns how many.
   */
  pruneOutboxEvents(before: string, limit: number, keepFrom?: number): Promise<number>;
  /** Durable cursors of in-process subscribers. */
  readonly subscribers: SubscriberCursors;
  /** Registers an observer; returns its removal. */
  observe(observer: StoreObserver): () => void;
  /** The queues and pools now. */
  stats(): StoreStats;

  /** A server secret (e.g. for signing cursors), created once and shared by every process. */
  secret(name: string): Promise<Buffer>;
  /**
   * Records the public base URL a running `roster serve` answers at (docs/cli.md
   * "Public URL"); the last server to start wins.
   */
  recordServedUrl(url: string): Promise<void>;
  /** The URL recorded by `recordServedUrl`, if any. */
  servedUrl(): Promise<string | undefined>;
  /** Liveness of the database (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
