/**
 * Conditional requests and concurrency (RFC 7644 §3.14; docs/reliability.md CC-3, CC-4, CC-8).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser, patch, q, startTestServer, tenant, user } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';

let srv: TestServer;
let a: Client;

before(async () => {
  srv = await startTestServer();
  a = await tenant(srv);
});
after(() => srv.close());

describe('ETags', () => {
  it('If-Match mismatch → 412 for PUT, PATCH, DELETE; match → success; * matches', async () => {
    const id = await createUser(a, 'etag-user');
    const body = user('etag-user', { title: 'x' });
    for (const [method, payload] of [['PUT', body], ['PATCH', patch({ op: 'replace', path: 'title', value: 'y' })], ['DELETE', undefined]] as const) {
      const r = await a.call(method, `/Users/${id}`, payload, { 'if-match': 'W/"99"' });
      assert.equal(r.status, 412, method);
      assert.equal(r.body.status, '412');
    }
    const ok = await a.call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'y' }), { 'if-match': 'W/"1"' });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('etag'), 'W/"2"');
    const star = await a.call('PUT', `/Users/${id}`, body, { 'if-match': '*' });
    assert.equal(star.status, 200);
    const del = await a.call('DELETE', `/Users/${id}`, undefined, { 'if-match': star.headers.get('etag') as string });
    assert.equal(del.status, 204);
  });

  it('If-None-Match with the current ETag → 304 without a body', async () => {
    const id = await createUser(a, 'inm-user');
    const r = await a.call('GET', `/Users/${id}`, undefined, { 'if-none-match': 'W/"1"' });
    assert.equal(r.status, 304);
    assert.equal(r.body, undefined);
    const changed = await a.call('GET', `/Users/${id}`, undefined, { 'if-none-match': 'W/"0"' });
    assert.equal(changed.status, 200);
  });

  it('a no-op PATCH keeps the ETag and lastModified', async () => {
    const id = await createUser(a, 'noop-user', { title: 'same' });
    const before = await a.call('GET', `/Users/${id}`);
    const r = await a.call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'same' }));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('etag'), before.headers.get('etag'));
    assert.equal(r.body.meta.lastModified, before.body.meta.lastModified);
  });
});

describe('concurrency', () => {
  it('CC-3: 20 parallel POSTs of one userName (case variants) → exactly one 201, the rest 409 uniqueness', async () => {
    const names = Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? 'RACE' : i % 3 === 1 ? 'race' : 'Race'));
    const results = await Promise.all(names.map((n) => a.call('POST', '/Users', user(n))));
    const statuses = results.map((r) => r.status).sort();
    assert.equal(statuses.filter((s) => s === 201).length, 1, JSON.stringify(statuses));
    for (const r of results.filter((x) => x.status !== 201)) {
      assert.equal(r.status, 409);
      assert.equal(r.body.scimType, 'uniqueness');
    }
    const found = await a.call('GET', `/Users?filter=${q('userName eq "race"')}`);
    assert.equal(found.body.totalResults, 1);
  });

  it('CC-4: two PATCHes with the same If-Match → one 200, one 412', async () => {
    const id = await createUser(a, 'cc4-user');
    const [r1, r2] = await Promise.all([
      a.call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'one' }), { 'if-match': 'W/"1"' }),
      a.call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'two' }), { 'if-match': 'W/"1"' }),
    ]);
    assert.deepEqual([r1?.status, r2?.status].sort(), [200, 412]);
  });

  it('CC-8: replayed POST → 409 and findable by userName and externalId; replayed DELETE → 404', async () => {
    const body = user('replay-user', { externalId: 'ext-replay' });
    assert.equal((await a.call('POST', '/Users', body)).status, 201);
    const again = await a.call('POST', '/Users', body);
    assert.equal(again.status, 409);
    assert.equal(again.body.scimType, 'uniqueness');
    const byName = await a.call('GET', `/Users?filter=${q('userName eq "replay-user"')}`);
    const byExt = await a.call('GET', `/Users?filter=${q('externalId eq "ext-replay"')}`);
    assert.equal(byName.body.totalResults, 1);
    assert.equal(byExt.body.Resources[0].id, byName.body.Resources[0].id);
    const id = byName.body.Resources[0].id as string;
    assert.equal((await a.call('DELETE', `/Users/${id}`)).status, 204);
    assert.equal((await a.call('DELETE', `/Users/${id}`)).status, 404);
  });
});
