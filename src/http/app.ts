/**
 * Composition of the server: the SQLite store, the SCIM handler with its limits
 * from the config, and the HTTP transport. Used by `roster serve` and by the
 * test helper, so tests run exactly what production runs.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { defaultRegistry } from '../scim/schema/registry.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { SqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { createScimHandler } from './scim-routes.ts';
import type { ScimLimits } from './scim-routes.ts';
import { createHttpServer } from './server.ts';
import type { RosterHttpServer } from './server.ts';
import type { ScimHandler } from './types.ts';

/** Opens (creating if needed) the SQLite database named by `config.db`. */
export async function openStore(
  config: Pick<Config, 'db' | 'sqliteSynchronous' | 'sqliteBusyTimeoutMs'> & Partial<Pick<Config, 'filterMaxCost' | 'queryTimeoutMs' | 'readerWorkers' | 'writeQueueMax' | 'writeQueueTimeoutMs'>>,
): Promise<SqliteStore> {
  // Owner-only when Roster creates it (docs/storage.md, File permissions).
  mkdirSync(dirname(config.db), { recursive: true, mode: 0o700 });
  return openSqliteStore({
    file: config.db,
    registry: defaultRegistry,
    synchronous: config.sqliteSynchronous,
    busyTimeoutMs: config.sqliteBusyTimeoutMs,
    ...(config.filterMaxCost !== undefined ? { filterMaxCost: config.filterMaxCost } : {}),
    ...(config.queryTimeoutMs !== undefined ? { queryTimeoutMs: config.queryTimeoutMs } : {}),
    ...(config.readerWorkers !== undefined ? { readerWorkers: config.readerWorkers } : {}),
    writeQueueMax: config.writeQueueMax,
    writeQueueTimeoutMs: config.writeQueueTimeoutMs,
  });
}

/** The SCIM handler's limits, taken from the config table. */
export function scimLimits(config: Config): Partial<ScimLimits> {
  return {
    maxResults: config.maxResults,
    defaultCount: config.defaultPageSize,
    listMaxMembers: config.listMaxMembers,
    maxGroupMembers: config.maxGroupMembers,
    maxOperations: config.maxPatchOperations,
    maxMultiValued: config.maxMultiValued,
    bulkMaxOperations: config.bulkMaxOperations,
    bulkMaxPayloadSize: config.bulkMaxPayloadSize,
    filterMaxLength: config.filterMaxLength,
    filterMaxDepth: config.filterMaxDepth,
  };
}

/** The real SCIM handler (`src/http/scim-routes.ts`). */
export function createRealScimHandler(config: Config, store: Store): ScimHandler {
  return createScimHandler({ store, registry: defaultRegistry, limits: scimLimits(config) });
}

/** Store + SCIM handler + HTTP server, not yet listening. `scimHandler` replaces the real one (tests). */
export async function createRosterServer(opts: {
  config: Config;
  logger: Logger;
  store?: Store;
  scimHandler?: ScimHandler;
  publicUrlFor?: (port: number) => string;
}): Promise<{ store: Store; http: RosterHttpServer; scimHandler: ScimHandler }> {
  const store = opts.store ?? (await openStore(opts.config));
  const scimHandler = opts.scimHandler ?? createRealScimHandler(opts.config, store);
  return { store, scimHandler, http: createHttpServer({ config: opts.config, store, logger: opts.logger, scimHandler, publicUrlFor: opts.publicUrlFor }) };
}
