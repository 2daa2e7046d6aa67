/**
 * Reader workers (docs/storage.md "Reader workers"): expensive list queries run on a
 * worker thread with its own connection and answer exactly what the main thread
 * answers; cheap lookups stay on the main thread; the deadline, an overrunning worker
 * and closing the store all end cleanly. Real SQLite file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isScimError } from '../../scim/errors.ts';
import { parseFilter } from '../../scim/filter/parser.ts';
import { defaultRegistry } from '../../scim/schema/registry.ts';
import { groupRes, tenant, userRes } from '../store-contract.test-support.ts';
import type { QueryOptions } from '../store.ts';
import { isExpensive, ReaderPool } from './reader-pool.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { SqliteStore } from './sqlite-store.ts';
import type { QueryPlan } from './sqlite-query.ts';

const dir = mkdtempSync(join(tmpdir(), 'roster-readers-'));
const file = join(dir, 'readers.db');
const t = tenant();
const users = Array.from({ length: 150 }, (_, i) =>
  userRes(t.id, `user${String(i).padStart(3, '0')}`, { title: `title${i % 3}`, emails: [{ value: `u${i}@example.com`, type: i % 2 === 0 ? 'work' : 'home' }] }),
);
// The deadline's clock: it jumps a minute at every reading while `stalled` is set.
let clock = 0;
let stalled = false;
const now = (): number => (stalled ? (clock += 60_000) : clock);
let store: SqliteStore;
let mainOnly: SqliteStore;

before(async () => {
  store = await openSqliteStore({ file, registry: defaultRegistry, now, queryTimeoutMs: 2000 });
  mainOnly = await openSqliteStore({ file, registry: defaultRegistry, readerWorkers: 0 });
  await store.createTenant(t);
  for (const u of users) await store.insertResource(u);
  const g = groupRes(t.id, 'G1');
  await store.insertResource(g);
  await store.applyMembership(t.id, g.id, { add: users.slice(0, 40).map((u) => ({ value: u.id, type: 'User' as const })), remove: [] });
});
after(async () => {
  await store.close();
  await mainOnly.close();
  rmSync(dir, { recursive: true, force: true });
});

const page = (filter: string | undefined, extra: Partial<QueryOptions> = {}): QueryOptions => ({
  ...(filter !== undefined ? { filter: parseFilter(filter) } : {}),
  startIndex: 1,
  count: 50,
  withMembers: true,
  ...extra,
});
const jobs = (): number => store.readerStats()?.jobs ?? 0;

async function rejection(p: Promise<unknown>): Promise<{ status: number; detail: string }> {
  try {
    await p;
  } catch (e) {
    assert.ok(isScimError(e), String(e));
    return { status: e.status, detail: e.message };
  }
  assert.fail('expected a ScimError');
}

describe('reader workers', () => {
  it('a filter with a correlated subquery, and a large page, run on a worker and answer as the main thread does', async () => {
    const cases: [string | undefined, Partial<QueryOptions>][] = [
      ['emails[type eq "work" and value co "1"]', {}],
      ['emails co "example" and title sw "title"', { sort: { path: { name: 'userName' }, order: 'descending' }, startIndex: 7 }],
      ['emails co "@"', { count: 0 }],
      [undefined, { count: 120 }],
      [undefined, { count: 102, sort: { path: { name: 'emails', sub: 'value' }, order: 'ascending' }, keyset: { sortValue: 'u5@example.com', id: users[5]!.id, direction: 'after' } }],
      ['title eq "title1"', { count: 500, withGroups: true }],
    ];
    for (const [f, extra] of cases) {
      const before = jobs();
      const got = await store.query(t.id, 'User', page(f, extra));
      assert.equal(jobs(), before + 1, `${f} ${JSON.stringify(extra)} ran on a worker`);
      assert.deepEqual(got, await mainOnly.query(t.id, 'User', page(f, extra)));
    }
    const groups = await store.query(t.id, 'Group', page('members[value eq "nobody"] or displayName co "G"'));
    assert.equal(groups.resources[0]?.members?.length, 40);
    assert.deepEqual(groups, await mainOnly.query(t.id, 'Group', page('members[value eq "nobody"] or displayName co "G"')));
  });

  it('indexed lookups and small pages stay on the main thread', async () => {
    const before = jobs();
    assert.equal((await store.query(t.id, 'User', page('userName eq "user007"', { count: 1 }))).totalResults, 1);
    assert.equal((await store.query(t.id, 'User', page(undefined, { count: 1 }))).totalResults, 150);
    assert.equal((await store.query(t.id, 'User', page('title eq "title2"', { count: 100 }))).resources.length, 50);
    // A cursor page of 100 (docs/scim-api.md): 100 rows and the look-ahead row.
    assert.equal((await store.query(t.id, 'User', page(undefined, { count: 101 }))).resources.length, 101);
    const after = { sortValue: users[10]!.data['userName'] as string, id: users[10]!.id, direction: 'after' as const };
    assert.equal((await store.query(t.id, 'User', page(undefined, { count: 101, sort: { path: { name: 'userName' }, order: 'ascending' }, keyset: after }))).resources.length, 101);
    assert.equal(jobs(), before);
  });

  it('the deadline stops a query on the worker with 503, and the next query is served', async () => {
    const before = jobs();
    stalled = true;
    const r = await rejection(store.query(t.id, 'User', page('emails co "example"')));
    stalled = false;
    assert.equal(r.status, 503);
    assert.match(r.detail, /did not finish within 2 s/);
    assert.equal(jobs(), before + 1, 'stopped inside the worker');
    assert.equal((await store.query(t.id, 'User', page('emails co "example"'))).totalResults, 150);
    assert.equal(store.readerStats()?.replaced, 0);
  });

  it('a read inside a transaction stays on the writer connection (its snapshot)', async () => {
    const before = jobs();
    const seen = await store.transaction(async (tx) => {
      await tx.insertResource(userRes(t.id, 'in-tx', { emails: [{ value: 'tx@example.com' }] }));
      return tx.query(t.id, 'User', page('emails co "tx@"', { count: 500 }));
    });
    assert.equal(seen.totalResults, 1);
    assert.equal(jobs(), before);
    await store.deleteResource(t.id, 'User', seen.resources[0]!.id);
  });
});

describe('reader pool failures', () => {
  const counted: QueryPlan = {
    cost: 10,
    job: {
      tenantId: t.id, type: 'User', limit: 0, offset: 0, keyset: false, reverse: false, withMembers: false, withGroups: false,
      count: { sql: 'SELECT count(*) AS n FROM resources', params: [], fixed: true },
    },
  };

  // A statement that never calls `scim_live`: half a million rows, each calling scim_fold.
  const long: QueryPlan = {
    cost: 0,
    job: {
      ...counted.job,
      count: { sql: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500000 AND scim_fold('a') = 'a') SELECT count(*) AS n FROM c", params: [], fixed: true },
    },
  };

  it('a worker that overruns its deadline is terminated (503) and a fresh one serves the next job', async () => {
    // No margin and no budget: the watchdog fires while the worker is still in the long
    // statement, the way it fires for a worker stuck past its deadline.
    const pool = new ReaderPool({ file, synchronous: 'FULL', busyTimeoutMs: 1000 }, 1, 0);
    try {
      assert.ok(isExpensive(counted));
      const doomed = rejection(pool.run(long, 0, 0));
      // Queued behind it: served by the fresh worker.
      const queued = pool.run(counted, 2000, 2000);
      assert.equal((await doomed).status, 503);
      assert.ok((await queued).totalResults > 150);
      assert.equal(pool.stats().replaced, 1);
      const next = await pool.run(counted, 2000, 2000);
      assert.ok(next.totalResults > 150);
    } finally {
      await pool.close();
    }
    assert.equal(pool.stats().workers, 0);
  });

  it('jobs beyond the workers wait their turn and are all served', async () => {
    const pool = new ReaderPool({ file, synchronous: 'FULL', busyTimeoutMs: 1000 }, 2);
    try {
      const all = await Promise.all(Array.from({ length: 7 }, () => pool.run(counted, 2000, 2000)));
      assert.deepEqual(new Set(all.map((r) => r.totalResults)).size, 1);
      assert.equal(pool.stats().jobs, 7);
      assert.ok(pool.stats().workers <= 2);
    } finally {
      await pool.close();
    }
  });

  it('closing the store ends its worker threads and fails what runs on them with 503', async () => {
    const s = await openSqliteStore({ file, registry: defaultRegistry, readerWorkers: 2 });
    await s.query(t.id, 'User', page('emails co "example"'));
    assert.equal(s.readerStats()?.workers, 1);
    const pending = s.query(t.id, 'User', page('emails co "example"')).then(
      (r) => assert.equal(r.totalResults, 150),
      (e: unknown) => assert.ok(isScimError(e) && e.status === 503, String(e)),
    );
    await s.close();
    await pending;
    assert.equal(s.readerStats()?.workers, 0);
    assert.equal((await rejection(s.query(t.id, 'User', page('emails co "example"')))).status, 503);
  });
});
