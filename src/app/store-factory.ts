/**
 * The store factory: which `Store` implementation serves a configuration.
 * Implementations are registered by kind: SQLite, the default, on the `--db` file,
 * and PostgreSQL when `--database-url` (a `postgres:` / `postgresql:` URL) is set
 * (docs/storage.md; docs/architecture.md, Composition root).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from '../config.ts';
import { defaultRegistry } from '../scim/schema/registry.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { openPgStore } from '../store/postgres/pg-store.ts';
import type { PgStore } from '../store/postgres/pg-store.ts';
import type { Store } from '../store/store.ts';
import { redactDatabaseUrl } from '../config-parsers.ts';

/** The settings a store may read. */
export type StoreConfig = Pick<Config, 'db' | 'sqliteSynchronous' | 'sqliteBusyTimeoutMs'> &
  Partial<Pick<Config, 'databaseUrl' | 'pgPoolMax' | 'pgConnectTimeoutMs' | 'filterMaxCost' | 'queryTimeoutMs' | 'readerWorkers' | 'writeQueueMax' | 'writeQueueTimeoutMs' | 'sqliteGroupCommit'>>;

/** Opens one kind of store from the config. */
export type StoreOpener = (config: StoreConfig) => Promise<Store>;

/** Opens (creating if needed) the SQLite database named by `config.db`. */
export async function openSqliteFromConfig(config: StoreConfig): Promise<SqliteStore> {
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
    ...(config.writeQueueMax !== undefined ? { writeQueueMax: config.writeQueueMax } : {}),
    ...(config.writeQueueTimeoutMs !== undefined ? { writeQueueTimeoutMs: config.writeQueueTimeoutMs } : {}),
    ...(config.sqliteGroupCommit !== undefined ? { groupCommit: config.sqliteGroupCommit } : {}),
  });
}

/** Opens the PostgreSQL store named by `config.databaseUrl`, applying its migrations. */
export async function openPgFromConfig(config: StoreConfig): Promise<PgStore> {
  if (config.databaseUrl === undefined || config.databaseUrl === null) throw new Error('no --database-url');
  return openPgStore({
    url: config.databaseUrl,
    registry: defaultRegistry,
    ...(config.pgPoolMax !== undefined ? { poolMax: config.pgPoolMax } : {}),
    ...(config.pgConnectTimeoutMs !== undefined ? { connectTimeoutMs: config.pgConnectTimeoutMs } : {}),
    ...(config.queryTimeoutMs !== undefined ? { queryTimeoutMs: config.queryTimeoutMs } : {}),
    ...(config.filterMaxCost !== undefined ? { filterMaxCost: config.filterMaxCost } : {}),
  });
}

/** The store implementations by kind. */
export const STORE_KINDS: ReadonlyMap<string, StoreOpener> = new Map<string, StoreOpener>([
  ['sqlite', openSqliteFromConfig],
  ['postgres', openPgFromConfig],
]);

/** The kind of store the config asks for: `postgres` when a database URL is set, else `sqlite`. */
export function storeKindOf(config: StoreConfig): string {
  const url = config.databaseUrl;
  if (url === undefined || url === null || url === '') return 'sqlite';
  return /^postgres(ql)?:/i.test(url) ? 'postgres' : url.slice(0, url.indexOf(':') + 1 || undefined);
}

/** The database the config names, as messages and logs show it (a URL's password hidden). */
export function databaseLabel(config: StoreConfig): string {
  return storeKindOf(config) === 'sqlite' ? config.db : redactDatabaseUrl(config.databaseUrl ?? '');
}

/** Opens the store the config names; throws when its kind has no implementation. */
export async function openStoreFromConfig(config: StoreConfig): Promise<Store> {
  const kind = storeKindOf(config);
  const open = STORE_KINDS.get(kind);
  if (open === undefined) throw new Error(`no store implementation for "${kind}"`);
  return open(config);
}
