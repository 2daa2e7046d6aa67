/**
 * `bulkId:<id>` is resolved where a resource id goes (RFC 7644 §3.7.2) — paths,
 * `members.value`, `manager.value`, PATCH value filters on them — and nowhere
 * else: other strings that read `bulkId:x` are data (docs/scim-api.md, Bulk).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BULK_REQ, ENTERPRISE, GROUP, patch, PATCH_OP, startTestServer, tenant, USER } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';

let srv: TestServer;
let a: Client;

before(async () => {
  srv = await startTestServer();
  a = await tenant(srv);
});
after(() => srv.close());

const bulk = (Operations: unknown[]): Record<string, unknown> => ({ schemas: [BULK_REQ], Operations });
const idOf = (result: { location: string }): string => result.location.split('/').pop() as string;

describe('bulkId references: exactly where a resource id goes', () => {
  it('a PATCH path value filter on members.value is resolved (remove the member created in the same request)', async () => {
    const r = await a.call('POST', '/Bulk', bulk([
      { method: 'POST', path: '/Users', bulkId: 'fu1', data: { schemas: [USER], userName: 'refs-filter-1' } },
      { method: 'POST', path: '/Users', bulkId: 'fu2', data: { schemas: [USER], userName: 'refs-filter-2' } },
      { method: 'POST', path: '/Groups', bulkId: 'fg', data: { schemas: [GROUP], displayName: 'Refs Filter', members: [{ value: 'bulkId:fu1' }, { value: 'bulkId:fu2' }] } },
      { method: 'PATCH', path: '/Groups/bulkId:fg', data: patch({ op: 'remove', path: 'members[value eq "bulkId:fu1"]' }) },
    ]));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.Operations.map((o: { status: string }) => o.status), ['201', '201', '201', '200'], JSON.stringify(r.body));
    const group = await a.call('GET', `/Groups/${idOf(r.body.Operations[2])}`);
    assert.deepEqual(group.body.members.map((m: { value: string }) => m.value), [idOf(r.body.Operations[1])]);
  });

  it('filters on Entra-style PATCH (bare operation list) with "or" are resolved too; the filter keeps its meaning', async () => {
    const r = await a.call('POST', '/Bulk', bulk([
      { method: 'POST', path: '/Users', bulkId: 'ou1', data: { schemas: [USER], userName: 'refs-or-1' } },
      { method: 'POST', path: '/Users', bulkId: 'ou2', data: { schemas: [USER], userName: 'refs-or-2' } },
      { method: 'POST', path: '/Users', bulkId: 'ou3', data: { schemas: [USER], userName: 'refs-or-3' } },
      { method: 'POST', path: '/Groups', bulkId: 'og', data: { schemas: [GROUP], displayName: 'Refs Or', members: [{ value: 'bulkId:ou1' }, { value: 'bulkId:ou2' }, { value: 'bulkId:ou3' }] } },
      { method: 'PATCH', path: '/Groups/bulkId:og', data: [{ op: 'remove', path: 'members[value eq "bulkId:ou1" or value eq "bulkId:ou2"]' }] },
    ]));
    assert.deepEqual(r.body.Operations.map((o: { status: string }) => o.status), ['201', '201', '201', '201', '200'], JSON.stringify(r.body));
    const group = await a.call('GET', `/Groups/${idOf(r.body.Operations[3])}`);
    assert.deepEqual(group.body.members.map((m: { value: string }) => m.value), [idOf(r.body.Operations[2])]);
  });

  it('a title or displayName that reads "bulkId:x" stays as sent, even when x is a bulkId of the request or of none', async () => {
    const r = await a.call('POST', '/Bulk', bulk([
      { method: 'POST', path: '/Users', bulkId: 'tu1', data: { schemas: [USER], userName: 'refs-title-1', title: 'bulkId:tu2', nickName: 'bulkId:nope' } },
      { method: 'POST', path: '/Users', bulkId: 'tu2', data: { schemas: [USER], userName: 'refs-title-2' } },
      { method: 'POST', path: '/Groups', bulkId: 'tg', data: { schemas: [GROUP], displayName: 'bulkId:tu1' } },
      { method: 'PATCH', path: '/Users/bulkId:tu2', data: patch({ op: 'replace', path: 'title', value: 'bulkId:tu1' }, { op: 'replace', value: { displayName: 'bulkId:tg' } }) },
    ]));
    assert.deepEqual(r.body.Operations.map((o: { status: string }) => o.status), ['201', '201', '201', '200'], JSON.stringify(r.body));
    const u1 = await a.call('GET', `/Users/${idOf(r.body.Operations[0])}`);
    assert.equal(u1.body.title, 'bulkId:tu2');
    assert.equal(u1.body.nickName, 'bulkId:nope');
    const g = await a.call('GET', `/Groups/${idOf(r.body.Operations[2])}`);
    assert.equal(g.body.displayName, 'bulkId:tu1');
    const u2 = await a.call('GET', `/Users/${idOf(r.body.Operations[1])}`);
    assert.equal(u2.body.title, 'bulkId:tu1');
    assert.equal(u2.body.displayName, 'bulkId:tg');
  });

  it('manager.value in the enterprise extension (block, PATCH path, path-less PATCH key) is resolved', async () => {
    const r = await a.call('POST', '/Bulk', bulk([
      { method: 'POST', path: '/Users', bulkId: 'boss', data: { schemas: [USER], userName: 'refs-boss' } },
      { method: 'POST', path: '/Users', bulkId: 'e1', data: { schemas: [USER, ENTERPRISE], userName: 'refs-e1', [ENTERPRISE]: { manager: { value: 'bulkId:boss' }, department: 'bulkId:boss' } } },
      { method: 'POST', path: '/Users', bulkId: 'e2', data: { schemas: [USER], userName: 'refs-e2' } },
      { method: 'PATCH', path: '/Users/bulkId:e2', data: patch({ op: 'add', path: `${ENTERPRISE}:manager.value`, value: 'bulkId:e1' }) },
      { method: 'POST', path: '/Users', bulkId: 'e3', data: { schemas: [USER], userName: 'refs-e3' } },
      { method: 'PATCH', path: '/Users/bulkId:e3', data: { schemas: [PATCH_OP], Operations: [{ op: 'add', value: { [`${ENTERPRISE}:manager`]: { value: 'bulkId:e2' } } }] } },
    ]));
    assert.deepEqual(r.body.Operations.map((o: { status: string }) => o.status), ['201', '201', '201', '200', '201', '200'], JSON.stringify(r.body));
    const [boss, e1, e2, , e3] = r.body.Operations.map((o: { location: string }) => idOf(o));
    const get = async (id: string): Promise<Record<string, { manager?: { value: string }; department?: string }>> => (await a.call('GET', `/Users/${id}`)).body;
    assert.equal((await get(e1))[ENTERPRISE]?.manager?.value, boss);
    assert.equal((await get(e1))[ENTERPRISE]?.department, 'bulkId:boss');
    assert.equal((await get(e2))[ENTERPRISE]?.manager?.value, e1);
    assert.equal((await get(e3))[ENTERPRISE]?.manager?.value, e2);
  });

  it('an unresolved reference in an allowed place keeps its answer: undefined bulkId → 400 invalidValue, in a filter too', async () => {
    const r = await a.call('POST', '/Bulk', bulk([
      { method: 'POST', path: '/Groups', bulkId: 'ug', data: { schemas: [GROUP], displayName: 'Refs Unresolved' } },
      { method: 'PATCH', path: '/Groups/bulkId:ug', data: patch({ op: 'remove', path: 'members[value eq "bulkId:missing"]' }) },
    ]));
    assert.deepEqual(r.body.Operations.map((o: { status: string }) => o.status), ['201', '400'], JSON.stringify(r.body));
    assert.equal(r.body.Operations[1].response.scimType, 'invalidValue');
    assert.match(r.body.Operations[1].response.detail, /missing/);
  });
});
