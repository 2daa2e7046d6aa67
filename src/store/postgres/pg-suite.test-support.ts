/**
 * PostgreSQL stores for one test suite (docs/storage.md "Testing on PostgreSQL"): a fresh
 * database made before the suite, each store opened on it (or on `at`) closed after it.
 * Call inside a `describe`.
 */
import { after, before } from 'node:test';
import { defaultRegistry } from '../../scim/schema/registry.ts';
import type { Store } from '../store.ts';
import { testPostgres } from '../test-stores.test-support.ts';
import { openPgStore } from './pg-store.ts';
import type { PgStoreOptions } from './pg-store.ts';

/** A suite's stores: `store()` opens one more on the suite's database, `adopt` closes one opened elsewhere with them. */
export interface PgSuite {
  store(opts?: Partial<PgStoreOptions>, at?: string): Promise<Store>;
  url(): string;
  adopt(s: Store): void;
}

/** Registers the suite's hooks. */
export function pgSuiteStores(): PgSuite {
  let url = '';
  const open: Store[] = [];
  before(async () => {
    url = await (await testPostgres()).freshDatabaseUrl();
  });
  after(async () => {
    for (const s of open) await s.close();
  });
  return {
    async store(opts = {}, at = url) {
      const s = await openPgStore({ url: at, registry: defaultRegistry, ...opts });
      open.push(s);
      return s;
    },
    url: () => url,
    adopt: (s) => void open.push(s),
  };
}
