/**
 * A large list page (docs/scim-api.md "Response size and large groups", Large pages) is rendered in slices and
 * streamed; it carries exactly what the same resources carry in small pages.
 * Real server, real SQLite file.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LIST, SEARCH, createUser, q, startTestServer, tenant } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';

describe('large list pages', () => {
  let srv: TestServer;
  let c: Client;
  before(async () => {
    // Rendering, not limits: seeding 500 users by POST passes the per-tenant rate (100/s, burst 200).
    srv = await startTestServer({ config: { tenantTimeShare: 0, tenantRateLimit: 0 } });
    c = await tenant(srv);
    for (let i = 0; i < 500; i += 25) {
      await Promise.all(Array.from({ length: 25 }, (_, j) => createUser(c, `u${String(i + j).padStart(3, '0')}`, { emails: [{ value: `u${i + j}@example.com`, type: 'work' }] })));
    }
  });
  after(() => srv.close());

  test('GET count=500 is streamed and equals the five pages of 100', async () => {
    const big = await c.call('GET', '/Users?count=500&sortBy=userName');
    assert.equal(big.status, 200, JSON.stringify(big.body));
    assert.equal(big.headers.get('transfer-encoding'), 'chunked');
    assert.equal(big.headers.get('content-length'), null);
    const body = big.body as { schemas: string[]; totalResults: number; itemsPerPage: number; startIndex: number; Resources: { userName: string }[] };
    assert.deepEqual(body.schemas, [LIST]);
    assert.equal(body.totalResults, 500);
    assert.equal(body.itemsPerPage, 500);
    assert.equal(body.startIndex, 1);
    const small: unknown[] = [];
    for (let s = 1; s <= 500; s += 100) {
      const r = await c.call('GET', `/Users?count=100&sortBy=userName&startIndex=${s}`);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('transfer-encoding'), null);
      small.push(...(r.body.Resources as unknown[]));
    }
    assert.deepEqual(body.Resources, small);
    assert.deepEqual(body.Resources.map((u) => u.userName), Array.from({ length: 500 }, (_, i) => `u${String(i).padStart(3, '0')}`));
  });

  test('.search and root search with a projection and a filter, streamed', async () => {
    const filter = 'emails[type eq "work" and value co "@example.com"]';
    const post = await c.call('POST', '/Users/.search', { schemas: [SEARCH], filter, count: 400, startIndex: 51, attributes: ['userName'] });
    assert.equal(post.status, 200, JSON.stringify(post.body));
    assert.equal(post.headers.get('transfer-encoding'), 'chunked');
    assert.equal(post.body.totalResults, 500);
    assert.equal(post.body.itemsPerPage, 400);
    assert.equal(post.body.startIndex, 51);
    assert.equal(post.body.Resources.length, 400);
    for (const r of post.body.Resources as Record<string, unknown>[]) assert.deepEqual(Object.keys(r).sort(), ['id', 'schemas', 'userName']);
    const root = await c.call('POST', '/.search', { schemas: [SEARCH], filter: 'userName sw "u"', count: 300 });
    assert.equal(root.status, 200, JSON.stringify(root.body));
    assert.equal(root.body.Resources.length, 300);
    const get = await c.call('GET', `/Users?count=300&filter=${q('userName sw "u"')}`);
    assert.deepEqual(root.body.Resources, get.body.Resources);
  });
});
