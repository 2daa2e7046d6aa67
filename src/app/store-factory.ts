/**
 * The store factory: which `Store` implementation serves a configuration.
 * Implementations are registered by kind; today there is one, SQLite, chosen
 * by `--db` (docs/storage.md). A database URL setting will pick a kind by its
 * scheme (`postgres:` → a PostgreSQL store) by adding a row to `STORE_KINDS`
 * (docs/architecture.md, Composition root).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from '../config.ts';
import { defaultRegistry } from '../scim/schema/registry.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { SqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';

/** The settings a store may read. */
export type StoreConfig = Pick<Config, 'db' | 'sqliteSynchronous' | 'sqliteBusyTimeoutMs'> &
  Partial<Pick<Config, 'filterMaxCost' | 'queryTimeoutMs' | 'readerWorkers' | 'writeQueueMax' | 'writeQueueTimeoutMs' | 'sqliteGroupCommit'>>;

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

/** The store implementations by kind. */
export const STORE_KINDS: ReadonlyMap<string, StoreOpener> = new Map<string, StoreOpener>([['sqlite', openSqliteFromConfig]]);

/** The kind of store the config asks for. */
export function storeKindOf(_config: StoreConfig): string {
  // Only `--db` (a SQLite file) exists today; a database URL will name its kind by scheme.
  return 'sqlite';
}

/** Opens the store the config names; throws when its kind has no implementation. */
export async function openStoreFromConfig(config: StoreConfig): Promise<Store> {
  const kind = storeKindOf(config);
  const open = STORE_KINDS.get(kind);
  if (open === undefined) throw new Error(`no store implementation for "${kind}"`);
  return open(config);
}
