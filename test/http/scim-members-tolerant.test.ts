// Issue "What real identity providers send and Roster refuses": a member id that no
// longer resolves (a user deleted in the platform) must not make a whole group push
// fail on provider tenants: what resolves is added, what does not is recorded
// (docs/identity-providers.md "Ignored input"). `generic` stays strict.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BULK_REQ, PATCH_OP, group, startTestServer, tenant, user } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

const patch = (...ops: unknown[]): Record<string, unknown> => ({ schemas: [PATCH_OP], Operations: ops });
const GONE = '00000000-dead-4000-8000-000000000000';

async function users(c: Client, ...names: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const n of names) {
    const r = await c.call('POST', '/Users', user(n));
    assert.equal(r.status, 201);
    ids.push(r.body.id as string);
  }
  return ids;
}

async function memberIds(c: Client, groupId: string): Promise<string[]> {
  const g = await c.call('GET', `/Groups/${groupId}`);
  return ((g.body.members ?? []) as { value: string }[]).map((m) => m.value).sort();
}

describe('member ids that resolve to nothing', () => {
  it('okta: PATCH add [valid, deleted, valid] adds the two and records the third', async () => {
    const c = await tenant(srv, 'okta');
    const [a, b, d] = await users(c, 'm.a', 'm.b', 'm.deleted');
    assert.equal((await c.call('DELETE', `/Users/${d}`)).status, 204);
    const g = await c.call('POST', '/Groups', group('Pushed'));
    const r = await c.call('PATCH', `/Groups/${g.body.id}`, patch({ op: 'add', path: 'members', value: [{ value: a }, { value: d }, { value: b }] }));
    assert.ok(r.status === 200 || r.status === 204, JSON.stringify(r.body));
    assert.deepEqual(await memberIds(c, g.body.id), [a, b].sort());
    const rows = await srv.store.listIgnoredInput(c.tenantId);
    assert.deepEqual(rows.map((x) => [x.kind, x.name, x.count]), [['member', d, 1]]);
    const line = srv.logs().split('\n').find((l) => l.includes('"msg":"request"') && l.includes(c.tenantId) && l.includes('"PATCH"'));
    assert.ok(line?.includes(`member:${d}`), line);
  });

  it('okta: when nothing resolves the change is a no-op (2xx), the group keeps its version', async () => {
    const c = await tenant(srv, 'okta');
    const g = await c.call('POST', '/Groups', group('Nothing'));
    const r = await c.call('PATCH', `/Groups/${g.body.id}`, patch({ op: 'add', path: 'members', value: [{ value: GONE }] }), { 'if-match': g.body.meta.version });
    assert.ok(r.status === 200 || r.status === 204, JSON.stringify(r.body));
    const after = await c.call('GET', `/Groups/${g.body.id}`);
    assert.equal(after.body.meta.version, g.body.meta.version);
    assert.deepEqual(await memberIds(c, g.body.id), []);
  });

  it('provider tenants: replace, POST and PUT of a group, and Bulk, keep the members that resolve', async () => {
    for (const idp of ['entra', 'jumpcloud', 'onelogin', 'google'] as const) {
      const c = await tenant(srv, idp);
      const [a, b] = await users(c, `r.a.${idp}`, `r.b.${idp}`);
      const post = await c.call('POST', '/Groups', group(`G ${idp}`, [{ value: a }, { value: GONE }]));
      assert.equal(post.status, 201, `${idp} ${JSON.stringify(post.body)}`);
      assert.deepEqual(await memberIds(c, post.body.id), [a]);
      const put = await c.call('PUT', `/Groups/${post.body.id}`, group(`G ${idp}`, [{ value: b }, { value: GONE }]));
      assert.equal(put.status, 200, idp);
      assert.deepEqual(await memberIds(c, post.body.id), [b]);
      const rep = await c.call('PATCH', `/Groups/${post.body.id}`, patch({ op: 'replace', path: 'members', value: [{ value: a }, { value: GONE }] }));
      assert.ok(rep.status === 200 || rep.status === 204, idp);
      assert.deepEqual(await memberIds(c, post.body.id), [a]);
      const bulk = await c.call('POST', '/Bulk', {
        schemas: [BULK_REQ],
        Operations: [{ method: 'PATCH', path: `/Groups/${post.body.id}`, data: patch({ op: 'add', path: 'members', value: [{ value: GONE }, { value: b }] }) }],
      });
      assert.equal(bulk.status, 200);
      assert.match(String(bulk.body.Operations[0].status), /^20/);
      assert.deepEqual(await memberIds(c, post.body.id), [a, b].sort());
      const rows = await srv.store.listIgnoredInput(c.tenantId);
      assert.deepEqual(rows.map((x) => [x.kind, x.name, x.count]), [['member', GONE, 4]], idp);
    }
  });

  it('generic stays strict: 400 invalidValue and nothing is added', async () => {
    const c = await tenant(srv, 'generic');
    const [a] = await users(c, 'strict.a');
    const g = await c.call('POST', '/Groups', group('Strict'));
    const r = await c.call('PATCH', `/Groups/${g.body.id}`, patch({ op: 'add', path: 'members', value: [{ value: a }, { value: GONE }] }));
    assert.deepEqual([r.status, r.body.scimType], [400, 'invalidValue']);
    assert.deepEqual(await memberIds(c, g.body.id), []);
    const post = await c.call('POST', '/Groups', group('Strict 2', [{ value: GONE }]));
    assert.deepEqual([post.status, post.body.scimType], [400, 'invalidValue']);
    assert.deepEqual(await srv.store.listIgnoredInput(c.tenantId), []);
  });
});
