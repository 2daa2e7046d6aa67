/**
 * Bounds on one store query: the deadline (docs/storage.md "Query deadline"), the
 * filter cost (docs/filters.md "Caps") and the prepared-statement cache
 * (docs/storage.md "Prepared statements").
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isScimError } from '../../scim/errors.ts';
import { parseFilter } from '../../scim/filter/parser.ts';
import { defaultRegistry } from '../../scim/schema/registry.ts';
import { tenant, userRes } from '../store-contract.test-support.ts';
import type { QueryOptions } from '../store.ts';
import { COMPILED_CACHE_MAX_BYTES, COMPILED_CACHE_MAX_ENTRIES } from './connection.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { SqliteStore } from './sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'roster-limits-'));
const t = tenant();
const users = Array.from({ length: 30 }, (_, i) =>
  userRes(t.id, `user${i}`, { title: `title${i % 3}`, emails: Array.from({ length: 5 }, (_, j) => ({ value: `u${i}.${j}@example.com`, type: j === 0 ? 'work' : 'home' })) }),
);
let store: SqliteStore;
// The deadline's clock: it jumps a minute at every reading while `stalled` is set, so
// any query reaches its deadline at its first row, whatever the machine's speed.
let clock = 0;
let stalled = false;
const now = (): number => (stalled ? (clock += 60_000) : clock);

before(async () => {
  store = await openSqliteStore({ file: join(dir, 'limits.db'), registry: defaultRegistry, now, queryTimeoutMs: 2000 });
  await store.createTenant(t);
  await store.insertApiKey({ id: 'k1', tenantId: t.id, digest: 'd', last4: 'abcd', createdAt: '2024-01-01T00:00:00.000Z', expiresAt: null });
  for (const u of users) await store.insertResource(u);
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const page = (filter: string | undefined, extra: Partial<QueryOptions> = {}): QueryOptions => ({
  ...(filter !== undefined ? { filter: parseFilter(filter) } : {}),
  startIndex: 1,
  count: 100,
  withMembers: false,
  ...extra,
});

async function rejection(p: Promise<unknown>): Promise<{ status: number; scimType: unknown; detail: string }> {
  try {
    await p;
  } catch (e) {
    assert.ok(isScimError(e), String(e));
    return { status: e.status, scimType: e.scimType, detail: e.message };
  }
  assert.fail('expected a ScimError');
}

describe('query deadline', () => {
  it('a query past its deadline is stopped with 503, and the next query is served', async () => {
    stalled = true;
    const r = await rejection(store.query(t.id, 'User', page('emails co "example" and title sw "title"')));
    stalled = false;
    assert.equal(r.status, 503);
    assert.match(r.detail, /did not finish within 2 s/);
    const ok = await store.query(t.id, 'User', page('emails co "example" and title sw "title"'));
    assert.equal(ok.totalResults, 30);
  });

  it('every query has the deadline: unfiltered, sorted, counted pages too', async () => {
    for (const opts of [page(undefined), page(undefined, { sort: { path: { name: 'emails', sub: 'value' }, order: 'descending' } }), page('title eq "title1"', { count: 2 })]) {
      stalled = true;
      const r = await rejection(store.query(t.id, 'User', opts));
      stalled = false;
      assert.equal(r.status, 503);
    }
  });

  it('inside a transaction: 503, the transaction rolls back, the store keeps working', async () => {
    stalled = true;
    const r = await rejection(
      store.transaction(async (tx) => {
        await tx.insertResource(userRes(t.id, 'never-committed'));
        return tx.query(t.id, 'User', page('emails co "x"'));
      }),
    );
    stalled = false;
    assert.equal(r.status, 503);
    assert.equal((await store.query(t.id, 'User', page('userName eq "never-committed"'))).totalResults, 0);
    await store.insertResource(userRes(t.id, 'after-deadline'));
    assert.equal((await store.query(t.id, 'User', page('userName eq "after-deadline"'))).totalResults, 1);
  });
});

describe('filter cost bound in the store', () => {
  it('a filter past the cost bound is 400 invalidFilter before any SQL runs', async () => {
    const f = Array.from({ length: 11 }, (_, i) => `emails co "v${i}"`).join(' or ');
    const r = await rejection(store.query(t.id, 'User', page(f)));
    assert.equal(r.status, 400);
    assert.equal(r.scimType, 'invalidFilter');
    assert.match(r.detail, /too complex/);
  });

  it('the bound is the store option', async () => {
    const strict = await openSqliteStore({ file: join(dir, 'limits.db'), registry: defaultRegistry, filterMaxCost: 5 });
    try {
      assert.equal((await rejection(strict.query(t.id, 'User', page('emails co "x"')))).scimType, 'invalidFilter');
      assert.equal((await strict.query(t.id, 'User', page('userName eq "user1"'))).totalResults, 1);
    } finally {
      await strict.close();
    }
  });
});

describe('prepared statements', () => {
  it('pages of one filter, with other literals, counts and offsets, share one statement (LIMIT/OFFSET are parameters)', async () => {
    const run = (v: string, count: number, startIndex: number): Promise<unknown> =>
      store.query(t.id, 'User', page(`emails[type eq "work" and value ew "${v}"] or title ew "${v}"`, { count, startIndex }));
    await run('@example.com', 10, 1);
    const before = store.statementStats();
    for (let i = 1; i <= 20; i++) await run(`${i}@example.com`, i, i);
    assert.deepEqual(store.statementStats(), before);
  });

  it('many distinct filters keep the cache under its byte and entry bounds; fixed statements stay prepared', async () => {
    await store.findApiKeyWithTenant('k1');
    const fixedBefore = store.statementStats().fixed;
    // 300 distinct shapes of up to 100 terms (cost ≤ 100 each).
    const attrs = ['userName eq', 'externalId eq', 'id eq'];
    for (let n = 1; n <= 100; n++) {
      for (const a of attrs) {
        const f = Array.from({ length: n }, (_, i) => `${a} "v${i}"`).join(' or ');
        await store.query(t.id, 'User', page(f, { count: 1 }));
        const s = store.statementStats();
        assert.ok(s.compiledBytes <= COMPILED_CACHE_MAX_BYTES, `${s.compiledBytes} bytes cached`);
        assert.ok(s.compiled <= COMPILED_CACHE_MAX_ENTRIES, `${s.compiled} statements cached`);
      }
    }
    const s = store.statementStats();
    assert.equal(s.maxCompiledBytes, COMPILED_CACHE_MAX_BYTES);
    // Fixed statements are neither evicted nor multiplied by compiled ones.
    assert.equal(s.fixed, fixedBefore);
    assert.equal((await store.findApiKeyWithTenant('k1'))?.tenant.id, t.id);
    assert.equal(store.statementStats().fixed, fixedBefore);
  });
});
