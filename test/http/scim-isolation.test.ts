/**
 * Tenant isolation (docs/reliability.md AU-2, AU-3): tenants A and B share userNames,
 * externalIds and group names; A's key on B's ids is always 404 and B is unchanged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BULK_REQ, createGroup, createUser, dump, group, patch, q, SEARCH, startTestServer, tenant, user } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';

let srv: TestServer;
let a: Client;
let b: Client;
let bUser: string;
let bGroup: string;
let aGroup: string;

before(async () => {
  srv = await startTestServer();
  a = await tenant(srv);
  b = await tenant(srv);
  await createUser(a, 'shared', { externalId: 'ext-1' });
  aGroup = await createGroup(a, 'Shared Group');
  bUser = await createUser(b, 'shared', { externalId: 'ext-1' });
  bGroup = await createGroup(b, 'Shared Group', [bUser]);
  await createUser(b, 'only-in-b');
});
after(() => srv.close());

describe('cross-tenant matrix', () => {
  it("every method with A's key on B's ids → 404, and B is unchanged", async () => {
    const before = await dump(srv.store, b.tenantId);
    const calls: [string, string, unknown?][] = [];
    for (const [path, body] of [[`/Users/${bUser}`, user('shared')], [`/Groups/${bGroup}`, group('Shared Group')]] as const) {
      calls.push(['GET', path], ['PUT', path, body], ['PATCH', path, patch({ op: 'replace', path: 'displayName', value: 'pwned' })], ['DELETE', path]);
    }
    for (const [method, path, body] of calls) {
      const r = await a.call(method, path, body);
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.equal(r.body.status, '404');
    }
    const byId = await a.call('GET', `/Users?filter=${q(`id eq "${bUser}"`)}`);
    assert.equal(byId.body.totalResults, 0);
    const byExt = await a.call('GET', `/Users?filter=${q('externalId eq "ext-1"')}`);
    assert.equal(byExt.body.totalResults, 1);
    assert.notEqual(byExt.body.Resources[0].id, bUser);
    const search = await a.call('POST', '/.search', { schemas: [SEARCH], filter: `id eq "${bGroup}"` });
    assert.equal(search.body.totalResults, 0);
    // B's ids as members of A's group, by PATCH, POST and Bulk.
    const p = await a.call('PATCH', `/Groups/${aGroup}`, patch({ op: 'add', path: 'members', value: [{ value: bUser }] }));
    assert.equal(p.status, 400);
    assert.equal(p.body.scimType, 'invalidValue');
    const c = await a.call('POST', '/Groups', group('Foreign', [{ value: bUser }]));
    assert.equal(c.status, 400);
    const bulk = await a.call('POST', '/Bulk', { schemas: [BULK_REQ], Operations: [
      { method: 'DELETE', path: `/Users/${bUser}` },
      { method: 'PATCH', path: `/Groups/${bGroup}`, data: patch({ op: 'remove', path: 'members' }) },
    ] });
    assert.deepEqual(bulk.body.Operations.map((o: { status: string }) => o.status), ['404', '404']);
    assert.equal(await dump(srv.store, b.tenantId), before);
    const total = await a.call('GET', '/Users');
    assert.equal(total.body.totalResults, 1);
  });

  it('AU-3: POST in A of a userName that exists only in B → 201 (no oracle)', async () => {
    const r = await a.call('POST', '/Users', user('only-in-b'));
    assert.equal(r.status, 201);
    const g = await a.call('POST', '/Groups', group('Another Shared'));
    assert.equal(g.status, 201);
    assert.equal((await b.call('POST', '/Groups', group('another shared'))).status, 201);
  });
});
