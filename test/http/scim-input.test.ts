/**
 * Bad input (docs/reliability.md IN-5, IN-6, IN-8, RL-6): the right 4xx and scimType,
 * and nothing written (the tenant's full dump is compared before and after).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser, dump, patch, PATCH_OP, q, startTestServer, tenant, user, USER } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';

let srv: TestServer;
let a: Client;
let alice: string;

before(async () => {
  srv = await startTestServer({ config: { maxPatchOperations: 50 } as never });
  a = await tenant(srv);
  alice = await createUser(a, 'in-alice', { title: 'Original', emails: [{ value: 'a@example.com', type: 'work' }] });
});
after(() => srv.close());

describe('IN-5: PATCH is atomic', () => {
  const failing: [string, unknown[], string][] = [
    ['remove of a readOnly attribute', [{ op: 'replace', path: 'title', value: 'Changed' }, { op: 'add', path: 'nickName', value: 'x' }, { op: 'remove', path: 'id' }], 'mutability'],
    ['replace through a filter that matches nothing', [{ op: 'replace', path: 'title', value: 'Changed' }, { op: 'add', path: 'nickName', value: 'x' }, { op: 'replace', path: 'emails[type eq "home"].value', value: 'h@example.com' }], 'noTarget'],
    ['a malformed path', [{ op: 'replace', path: 'title', value: 'Changed' }, { op: 'add', path: 'nickName', value: 'x' }, { op: 'replace', path: 'emails[type eq', value: 'x' }], 'invalidPath'],
  ];
  for (const [name, ops, scimType] of failing) {
    it(`3rd op fails (${name}) → 400 ${scimType}; resource, ETag and lastModified unchanged`, async () => {
      const before = await a.call('GET', `/Users/${alice}`);
      const snapshot = await dump(srv.store, a.tenantId);
      const r = await a.call('PATCH', `/Users/${alice}`, patch(...ops));
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.scimType, scimType);
      const afterwards = await a.call('GET', `/Users/${alice}`);
      assert.deepEqual(afterwards.body, before.body);
      assert.equal(afterwards.headers.get('etag'), before.headers.get('etag'));
      assert.equal(await dump(srv.store, a.tenantId), snapshot);
    });
  }
});

describe('IN-6: mass assignment', () => {
  it('client id/meta/groups ignored on POST and PUT; 400 mutability on PATCH of id', async () => {
    const id = await createUser(a, 'in-bob', { id: alice, meta: { version: 'W/"77"' }, groups: [{ value: 'x' }] });
    assert.notEqual(id, alice);
    const put = await a.call('PUT', `/Users/${id}`, user('in-bob', { id: alice, meta: { created: '1999-01-01T00:00:00Z' } }));
    assert.equal(put.status, 200);
    assert.equal(put.body.id, id);
    assert.notEqual(put.body.meta.created, '1999-01-01T00:00:00Z');
    const aliceNow = await a.call('GET', `/Users/${alice}`);
    assert.equal(aliceNow.body.userName, 'in-alice');
    const p = await a.call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'id', value: alice }));
    assert.equal(p.status, 400);
    assert.equal(p.body.scimType, 'mutability');
  });

  it('externalId "1" never resolves an internal record', async () => {
    await createUser(a, 'in-carol', { externalId: '1' });
    assert.equal((await a.call('GET', '/Users/1')).status, 404);
    const f = await a.call('GET', `/Users?filter=${q('externalId eq "1"')}`);
    assert.equal(f.body.totalResults, 1);
    assert.equal(f.body.Resources[0].userName, 'in-carol');
  });
});

describe('IN-8: shape and type confusion', () => {
  const cases: [string, unknown, string][] = [
    ['active "yes"', user('in-x1', { active: 'yes' }), 'invalidValue'],
    ['userName as a number', user('in-x2', { userName: 42 }), 'invalidValue'],
    ['userName null', user('in-x3', { userName: null }), 'invalidValue'],
    ['no userName', { schemas: [USER] }, 'invalidValue'],
    ['unknown schema URN', { schemas: [USER, 'urn:example:unknown'], userName: 'in-x4' }, 'invalidValue'],
    ['no schemas', { userName: 'in-x5' }, 'invalidSyntax'],
    ['emails not an array of objects', user('in-x6', { emails: 'a@b.c' }), 'invalidValue'],
    ['a JSON array body', [user('in-x7')], 'invalidSyntax'],
  ];
  for (const [name, body, scimType] of cases) {
    it(`${name} → 400 ${scimType}, nothing written`, async () => {
      const before = await dump(srv.store, a.tenantId);
      const r = await a.call('POST', '/Users', body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.scimType, scimType);
      assert.equal(await dump(srv.store, a.tenantId), before);
    });
  }
  it('PATCH with a bad value type → 400 and nothing written', async () => {
    const before = await dump(srv.store, a.tenantId);
    const r = await a.call('PATCH', `/Users/${alice}`, patch({ op: 'replace', path: 'active', value: 'yes' }));
    assert.equal(r.status, 400);
    assert.equal(r.body.scimType, 'invalidValue');
    const r2 = await a.call('PATCH', `/Users/${alice}`, { schemas: ['urn:wrong'], Operations: [] });
    assert.equal(r2.status, 400);
    assert.equal(await dump(srv.store, a.tenantId), before);
  });
});

describe('RL-6: number of PATCH operations', () => {
  it('more than maxOperations → 400 tooMany, nothing written', async () => {
    const ops = Array.from({ length: 51 }, (_, i) => ({ op: 'replace', path: 'title', value: `t${i}` }));
    const r = await a.call('PATCH', `/Users/${alice}`, { schemas: [PATCH_OP], Operations: ops });
    assert.equal(r.status, 400);
    assert.equal(r.body.scimType, 'tooMany');
    const ok = await a.call('PATCH', `/Users/${alice}`, { schemas: [PATCH_OP], Operations: ops.slice(0, 50) });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.title, 't49');
  });
});
