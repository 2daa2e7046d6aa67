// docs/filters.md "Caps": a filter past the cost bound is 400 invalidFilter, and a
// longer filter than --filter-max-length is 400 (found in review: 150 terms on emails
// over 100 users × 1,000 emails held the main thread for 13 s).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ERROR, SEARCH, q, startTestServer, tenant } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';

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
