/**
 * Which stores a test file runs against (docs/storage.md "Testing on PostgreSQL"):
 * `STORES=sqlite,postgres` (the default: both), narrowed by the environment, e.g.
 * `STORES=sqlite`. PostgreSQL comes from `embedded.test-support.ts`: one cluster per
 * test process, a fresh database per opened store, all removed after the file's tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { defaultRegistry } from '../scim/schema/registry.ts';
import { openPgStore } from './postgres/pg-store.ts';
import type { PgStoreOptions } from './postgres/pg-store.ts';
import { startTestPostgres } from './postgres/embedded.test-support.ts';
import type { TestPostgres } from './postgres/embedded.test-support.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';
import type { Store } from './store.ts';

export type StoreKind = 'sqlite' | 'postgres';

/** The kinds named by `STORES` (default both), in that order. */
export function storeKinds(): StoreKind[] {
  const raw = process.env['STORES'] ?? 'sqlite,postgres';
  const kinds = raw.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  for (const k of kinds) if (k !== 'sqlite' && k !== 'postgres') throw new Error(`STORES: unknown store "${k}" (sqlite, postgres)`);
  return [...new Set(kinds)] as StoreKind[];
}

let shared: Promise<TestPostgres> | undefined;
const dirs: string[] = [];

/** The PostgreSQL of this test process, started on first use. */
export function testPostgres(): Promise<TestPostgres> {
  shared ??= startTestPostgres();
  return shared;
}

// Registered when a test file imports this module (top level), so it runs once after all its tests.
after(async () => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  // A start that failed has nothing to close (its error was reported by the tests that used it).
  if (shared !== undefined) await (await shared.catch(() => undefined))?.close();
});

/** Options a test may give the store it opens. */
export type TestStoreOptions = Partial<Pick<PgStoreOptions, 'poolMax' | 'queryTimeoutMs' | 'filterMaxCost' | 'connectTimeoutMs'>>;

/** Opens a fresh, empty store of this kind (PostgreSQL: a new database; SQLite: a new file). */
export async function openTestStore(kind: StoreKind, opts: TestStoreOptions = {}): Promise<Store> {
  if (kind === 'postgres') {
    const url = await (await testPostgres()).freshDatabaseUrl();
    return openPgStore({ url, registry: defaultRegistry, ...opts });
  }
  const dir = mkdtempSync(join(tmpdir(), 'roster-store-'));
  dirs.push(dir);
  return openSqliteStore({
    file: join(dir, 'roster.db'), registry: defaultRegistry,
    ...(opts.queryTimeoutMs !== undefined ? { queryTimeoutMs: opts.queryTimeoutMs } : {}),
    ...(opts.filterMaxCost !== undefined ? { filterMaxCost: opts.filterMaxCost } : {}),
  });
}

/** Calls `fn` once per kind in `STORES`, with an opener of fresh stores of that kind. */
export function forEachStore(fn: (kind: StoreKind, open: (opts?: TestStoreOptions) => Promise<Store>) => void): void {
  for (const kind of storeKinds()) fn(kind, (opts) => openTestStore(kind, opts));
}
