/**
 * `POST /Bulk` (RFC 7644 §3.7): bulkId references (forward too), circular
 * references, failOnErrors, maxOperations / maxPayloadSize → 413.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BULK_REQ, GROUP, patch, q, startTestServer, tenant, USER } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';

let srv: TestServer;
let a: Client;

before(async () => {
  srv = await startTestServer({ config: { bulkMaxOperations: 5 } as never });
  a = await tenant(srv);
});
after(() => srv.close());

const bulk = (Operations: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({ schemas: [BULK_REQ], Operations, ...extra });

describe('bulk', () => {
  it('creates a user and a group referencing it by bulkId (forward reference), then patches and deletes', async () => {
    const r = await a.call('POST', '/Bulk', bulk([
      { method: 'POST', path: '/Groups', bulkId: 'g1', data: { schemas: [GROUP], displayName: 'Bulk Group', members: [{ type: 'User', value: 'bulkId:u1' }] } },
      { method: 'POST', path: '/Users', bulkId: 'u1', data: { schemas: [USER], userName: 'bulk-alice' } },
      { method: 'PATCH', path: '/Users/bulkId:u1', data: patch({ op: 'replace', path: 'title', value: 'Boss' }) },
    ]));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const [g, u, p] = r.body.Operations;
    assert.equal(u.status, '201');
    assert.equal(u.bulkId, 'u1');
    assert.match(u.location, /\/Users\/[0-9a-f-]{36}$/);
    assert.equal(u.version, 'W/"1"');
    assert.equal(g.status, '201', JSON.stringify(g));
    assert.equal(p.status, '200', JSON.stringify(p));
    const userId = (u.location as string).split('/').pop();
    const group = await a.call('GET', `/Groups/${(g.location as string).split('/').pop()}`);
    assert.deepEqual(group.body.members.map((m: { value: string }) => m.value), [userId]);
    const user = await a.call('GET', `/Users/${userId}`);
    assert.equal(user.body.title, 'Boss');
    assert.equal(user.body.groups[0].display, 'Bulk Group');

    const d = await a.call('POST', '/Bulk', bulk([{ method: 'DELETE', path: `/Users/${userId}` }, { method: 'DELETE', path: `/Users/${userId}` }]));
    assert.deepEqual(d.body.Operations.map((o: { status: string }) => o.status), ['204', '404']);
    assert.equal(d.body.Operations[1].response.status, '404');
  });

  it('circular bulkId references → 409 for the operations on the cycle', async () => {
    const r = await a.call('POST', '/Bulk', bulk([
      { method: 'POST', path: '/Groups', bulkId: 'ga', data: { schemas: [GROUP], displayName: 'Cycle A', members: [{ value: 'bulkId:gb' }] } },
      { method: 'POST', path: '/Groups', bulkId: 'gb', data: { schemas: [GROUP], displayName: 'Cycle B', members: [{ value: 'bulkId:ga' }] } },
      { method: 'POST', path: '/Users', bulkId: 'ok', data: { schemas: [USER], userName: 'bulk-ok' } },
    ]));
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.Operations.map((o: { status: string }) => o.status), ['409', '409', '201']);
    assert.equal((await a.call('GET', `/Groups?filter=${q('displayName sw "Cycle"')}`)).body.totalResults, 0);
  });

  it('RFC 7644 §3.7.3: a malformed operation\'s result still carries its method and bulkId', async () => {
    const r = await a.call('POST', '/Bulk', bulk([
      { method: 'POST', path: '/Users', bulkId: 'no-data' },
      { method: 'GET', path: '/Users', bulkId: 'wrong-method' },
    ]));
    assert.equal(r.status, 200);
    const [first, second] = r.body.Operations;
    assert.deepEqual([first.method, first.bulkId, first.status, first.response.scimType], ['POST', 'no-data', '400', 'invalidValue']);
    assert.deepEqual([second.method, second.bulkId, second.status], ['GET', 'wrong-method', '400']);
  });

  it('failOnErrors stops after N errors; unknown bulkId → 400', async () => {
    const r = await a.call('POST', '/Bulk', bulk([
      { method: 'POST', path: '/Users', bulkId: 'x1', data: { schemas: [USER] } },
      { method: 'POST', path: '/Groups', bulkId: 'x2', data: { schemas: [GROUP], displayName: 'G', members: [{ value: 'bulkId:nope' }] } },
      { method: 'POST', path: '/Users', bulkId: 'x3', data: { schemas: [USER], userName: 'never-created' } },
    ], { failOnErrors: 2 }));
    assert.equal(r.status, 200);
    assert.equal(r.body.Operations.length, 2);
    assert.equal(r.body.Operations[0].status, '400');
    assert.equal(r.body.Operations[0].response.scimType, 'invalidValue');
    assert.equal(r.body.Operations[1].status, '400');
    assert.equal((await a.call('GET', `/Users?filter=${q('userName eq "never-created"')}`)).body.totalResults, 0);
  });

  it('more than maxOperations → 413; bad message → 400', async () => {
    const ops = Array.from({ length: 6 }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `b${i}`, data: { schemas: [USER], userName: `too-many-${i}` } }));
    const r = await a.call('POST', '/Bulk', bulk(ops));
    assert.equal(r.status, 413);
    assert.equal(r.body.status, '413');
    assert.equal((await a.call('GET', `/Users?filter=${q('userName sw "too-many"')}`)).body.totalResults, 0);
    const bad = await a.call('POST', '/Bulk', { Operations: [] });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.scimType, 'invalidSyntax');
    const get = await a.call('GET', '/Bulk');
    assert.equal(get.status, 405);
  });
});
