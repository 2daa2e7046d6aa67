/**
 * Roster as a library.
 *
 * - The pure SCIM protocol core (RFC 7643/7644): schemas as data, filter and path
 *   parsers, the reference filter evaluator, the PATCH engine, validation,
 *   projection, sorting, paging and the error type. No I/O; usable without a server.
 * - `createRoster(options)`: the whole server (store, SCIM and admin API mounts,
 *   HTTP transport) embedded in a Node.js application, plus tenant administration.
 *   Serve it on its own port (`listen()`) or mount `requestListener` on the
 *   application's own `node:http` server or Express app (docs/embedding.md), and
 *   receive the directory's events in process (`roster.on`, `roster.subscribe`).
 * - The typed admin API client is a separate entry: `roster-scim/client`.
 */
import type { Logger } from 'pino';
import { createRoster as buildRoster } from './app/roster.ts';
import type { Roster as AppRoster } from './app/roster.ts';
import { loadConfig } from './config.ts';
import type { Config } from './config.ts';
import type { OperatorVerifier } from './http/admin-mount.ts';
import type { ScimHandler } from './http/types.ts';

// ── Protocol core ────────────────────────────────────────────────────────────
export * from './scim/errors.ts';
export type * from './scim/filter/ast.ts';
export { parseFilter, DEFAULT_FILTER_MAX_DEPTH, DEFAULT_FILTER_MAX_LENGTH } from './scim/filter/parser.ts';
export type { FilterLimits } from './scim/filter/parser.ts';
export { formatFilter, formatAttrPath } from './scim/filter/format.ts';
export { evaluateFilter, compileFilterPredicate, checkFilter, compareCodePoints } from './scim/filter/evaluate.ts';
export { parsePath, parseAttrPath } from './scim/path/parse.ts';
export { parsePatchRequest } from './scim/patch/parse.ts';
export { applyPatch, patchNeedsMembers } from './scim/patch/apply.ts';
export type { PatchOperation, PatchResult, ApplyPatchOptions, PatchMembershipDelta, PatchMember } from './scim/patch/types.ts';
export * from './scim/schema/types.ts';
export { userSchema, userResourceType } from './scim/schema/user.ts';
export { groupSchema, groupResourceType } from './scim/schema/group.ts';
export { enterpriseUserSchema } from './scim/schema/enterprise-user.ts';
export { commonAttributes } from './scim/schema/common.ts';
export { createSchemaRegistry, defaultRegistry } from './scim/schema/registry.ts';
export type { RosterSchemaRegistry, SchemaRegistryOptions, ExtensionRegistration } from './scim/schema/registry.ts';
export { validateResource, coerceAttributeValue } from './scim/schema/validate.ts';
export { compileProjection, MAX_ATTRIBUTE_NAMES, parseAttributeList, projectResource } from './scim/schema/project.ts';
export type { CompiledProjection } from './scim/schema/project.ts';
export { sortValue, compareSortValues } from './scim/schema/sort.ts';
export { readAttribute, writeAttribute, removeAttribute } from './scim/schema/access.ts';
export { foldCase } from './scim/schema/fold.ts';
export { enforcePrecis, precisProfileOf, precisRefusal } from './scim/schema/precis.ts';
export type { PrecisProfile } from './scim/schema/precis.ts';
export * from './scim/messages.ts';

// ── Server pieces ────────────────────────────────────────────────────────────
export type { Store, StoreTx } from './store/store.ts';
export type { Member, MembershipDelta } from './domain/resource.ts';
export type { Tenant, IdpName } from './domain/tenant.ts';
export { IDPS } from './domain/tenant.ts';
export { openSqliteStore } from './store/sqlite/sqlite-store.ts';
export type { SqliteStore, SqliteStoreOptions } from './store/sqlite/sqlite-store.ts';
export { openPgStore } from './store/postgres/pg-store.ts';
export type { PgStore, PgStoreOptions } from './store/postgres/pg-store.ts';
export { createScimHandler } from './http/scim-routes.ts';
export type { ScimHandlerDeps, ScimLimits } from './http/scim-routes.ts';
export type { ScimHandler, ScimRequest, ScimResponse } from './http/types.ts';
export { profileFor } from './compat/index.ts';
export { PROFILE_MAPPING, toPlatformProfile } from './directory/profile.ts';
export type { PlatformProfile, ProfileMapping } from './directory/profile.ts';
export type { CompatProfile, CompatRequest, CompatResult } from './compat/profile.ts';
export { loadConfig, SETTINGS } from './config.ts';
export type { Config } from './config.ts';
export { openStoreFromConfig, STORE_KINDS } from './app/store-factory.ts';
export { createOperatorToken, verifyOperatorToken } from './app/operator-tokens.ts';
export type { StoreConfig, StoreOpener } from './app/store-factory.ts';
export type { DirectoryServices, RosterParts } from './app/roster.ts';
export type { TenantsService } from './app/tenants-service.ts';
export type { Mount, MountContext } from './http/mount.ts';
export type { OperatorVerifier } from './http/admin-mount.ts';
export { ADMIN_ERRORS } from './http/admin-errors.ts';
export type { AdminErrorCode } from './http/admin-errors.ts';
export { FeedExpiredError, FeedPositionUnknownError, toEnvelope } from './directory/event-feed.ts';
export type { EventEnvelope } from './directory/event-feed.ts';
export { DEFAULT_SUBSCRIBER, retryDelayMs } from './app/subscriptions.ts';
export type { EventHandler, SubscribeOptions, Subscription, SubscriptionErrorHandler } from './app/subscriptions.ts';
export type { RosterMetrics, ScimRequestSample } from './http/metrics.ts';

/**
 * A running (or ready to run) embedded Roster: the composition root's Roster
 * (`src/app/roster.ts`) as the library exposes it, plus the SCIM handler behind the
 * transport (tenant already authenticated). Mount `requestListener` on the host
 * application's own server (`http.createServer(roster.requestListener)`), or `listen()`.
 */
export type Roster = Pick<AppRoster, 'config' | 'store' | 'http' | 'directory' | 'requestListener' | 'listen' | 'close' | 'tenants' | 'subscribe' | 'on' | 'metrics' | 'publicUrl'> & {
  readonly scimHandler: ScimHandler;
};

export interface CreateRosterOptions {
  /** Settings (same names as `Config`); everything else takes the defaults of the settings table. */
  readonly config?: Partial<Config>;
  /** A pino logger; default: JSON to stdout at the configured level. */
  readonly logger?: Logger;
  /** Operator tokens for the admin API (`/api/v1`); default: the store's (`roster admin-token create`). */
  readonly verifyOperator?: OperatorVerifier;
}

/**
 * Creates an embedded Roster through the composition root (`src/app/roster.ts`):
 * opens the store the config names, builds the mounts and the HTTP server.
 * Call `listen()` to serve on its own port, or mount `requestListener`; `close()` to stop.
 */
export async function createRoster(options: CreateRosterOptions = {}): Promise<Roster> {
  const config = loadConfig({ argv: [], env: {}, overrides: options.config ?? {} });
  const app = await buildRoster(config, {
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
    ...(options.verifyOperator !== undefined ? { verifyOperator: options.verifyOperator } : {}),
  });
  const { store, http, directory, requestListener, listen, close, tenants, metrics } = app;
  return {
    config, store, http, directory, requestListener, listen, close, tenants, metrics, scimHandler: directory.scimHandler,
    subscribe: (opts, handler) => app.subscribe(opts, handler),
    on: (type, handler) => app.on(type, handler),
    publicUrl: () => app.publicUrl(),
  };
}
