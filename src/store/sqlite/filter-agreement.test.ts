/**
 * docs/reliability.md IN-2 on SQLite (`src/store/filter-agreement.test-support.ts`):
 * pages of 1,000 run on a reader worker (docs/storage.md "Reader workers"), and the
 * same file without workers answers every query identically on the main thread.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRegistry } from '../../scim/schema/registry.ts';
import { runFilterAgreement } from '../filter-agreement.test-support.ts';
import type { Store } from '../store.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { SqliteStore } from './sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'roster-agree-'));
const file = join(dir, 'a.db');

runFilterAgreement('sqlite', {
  open: () => openSqliteStore({ file, registry: defaultRegistry, filterMaxCost: Number.MAX_SAFE_INTEGER }),
  twin: () => openSqliteStore({ file, registry: defaultRegistry, filterMaxCost: Number.MAX_SAFE_INTEGER, readerWorkers: 0 }),
  workerJobs: (s: Store) => (s as SqliteStore).readerStats()?.jobs ?? 0,
  cleanup: async () => rmSync(dir, { recursive: true, force: true }),
});
