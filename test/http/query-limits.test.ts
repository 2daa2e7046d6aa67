// docs/filters.md "Caps" and docs/storage.md "Query deadline": a filter past the
// cost bound is 400 invalidFilter, a longer filter than --filter-max-length is 400,
// and a query past --query-timeout is 503 with Retry-After while the server keeps
// serving (found in review: 150 terms on emails over 100 users × 1,000 emails held
// the main thread for 13 s).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ERROR, SEARCH, q, startTestServer, tenant } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';
import { TEST_STORE } from '../helpers/server.ts';
import { userRes } from '../../src/store/store-contract.test-support.ts';

const orOf = (term: (i: number) => string, n: number): string => Array.from({ length: n }, (_, i) => term(i)).join(' or ');

describe('filter cost and length over HTTP (defaults)', () => {
  let srv: TestServer;
  let c: Client;
  before(async () => {
    srv = await startTestServer();
    c = await tenant(srv, 'generic');
    assert.equal((await c.call('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'alice', emails: [{ value: 'alice@example.com', type: 'work' }] })).status, 201);
  });
  after(() => srv.close());

  it('a filter with many comparisons on a multi-valued attribute: 400 invalidFilter "too complex" (GET and .search)', async () => {
    const f = orOf((i) => `emails co "v${i}"`, 11);
    const get = await c.call('GET', `/Users?filter=${q(f)}`);
    assert.equal(get.status, 400);
    assert.deepEqual(get.body.schemas, [ERROR]);
    assert.equal(get.body.scimType, 'invalidFilter');
    assert.match(String(get.body.detail), /too complex/);
    const post = await c.call('POST', '/Users/.search', { schemas: [SEARCH], filter: f });
    assert.equal(post.status, 400);
    assert.equal(post.body.scimType, 'invalidFilter');
  });

  it('ordinary filters are within the bound', async () => {
    for (const f of ['userName eq "alice"', 'emails[type eq "work" and value co "alice"]', 'userName eq "alice" and emails co "example" and not (title pr)']) {
      const r = await c.call('GET', `/Users?filter=${q(f)}`);
      assert.equal(r.status, 200, f);
      assert.equal(r.body.totalResults, 1, f);
    }
  });

  it('the default filter length is 2048 characters', async () => {
    const at = `userName eq "${'a'.repeat(2048 - 14)}"`;
    assert.equal(at.length, 2048);
    assert.equal((await c.call('GET', `/Users?filter=${q(at)}`)).status, 200);
    const over = `userName eq "${'a'.repeat(2048 - 13)}"`;
    const r = await c.call('GET', `/Users?filter=${q(over)}`);
    assert.equal(r.status, 400);
    assert.equal(r.body.scimType, 'invalidFilter');
  });
});

// On PostgreSQL the deadline is statement_timeout, which a 1 ms setting also applies to the
// seeding writes; the PostgreSQL deadline is pinned by src/store/postgres/pg-concurrency.test.ts.
describe('query deadline over HTTP', { skip: TEST_STORE === 'postgres' && 'SQLite only: a 1 ms deadline stops the seeding writes too on PostgreSQL' }, () => {
  let srv: TestServer;
  let busy: Client;
  let other: Client;
  const otherId = randomUUID();
  before(async () => {
    // A 1 ms deadline against a query that reads thousands of array elements.
    srv = await startTestServer({ config: { queryTimeoutMs: 1 } });
    busy = await tenant(srv, 'generic');
    other = await tenant(srv, 'okta');
    await srv.store.transaction(async (tx) => {
      for (let i = 0; i < 200; i++) {
        const emails = Array.from({ length: 30 }, (_, j) => ({ value: `user${i}.mail${j}@example.com` }));
        await tx.insertResource(userRes(busy.tenantId, `user${i}`, { emails }));
      }
    });
    await srv.store.insertResource(userRes(other.tenantId, 'bob', {}, otherId));
  });
  after(() => srv.close());

  it('answers 503 with Retry-After and a SCIM error body; other requests are served', async () => {
    const f = orOf((i) => `emails co "nomatch${i}"`, 9);
    const r = await busy.call('GET', `/Users?filter=${q(f)}`);
    assert.equal(r.status, 503);
    assert.match(r.headers.get('retry-after') ?? '', /^\d+$/);
    assert.deepEqual(r.body.schemas, [ERROR]);
    assert.equal(r.body.status, '503');
    assert.match(String(r.body.detail), /did not finish within/);
    // The next requests, of another tenant and of the same one, are served.
    const get = await other.call('GET', `/Users/${otherId}`);
    assert.equal(get.status, 200);
    assert.equal(get.body.userName, 'bob');
    assert.equal((await busy.call('GET', '/ServiceProviderConfig')).status, 200);
  });
});
