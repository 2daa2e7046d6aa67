/**
 * Groups with members over HTTP: add/remove/replace as deltas, excludedAttributes=members,
 * User.groups computed, foreign or missing members refused (RFC 7643 §4.2; docs/reliability.md AU-2, IN-5, RL-5).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createGroup, createUser, dump, group, patch, q, startTestServer, tenant } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';

let srv: TestServer;
let a: Client;
let b: Client;
const u: string[] = [];

before(async () => {
  srv = await startTestServer();
  a = await tenant(srv);
  b = await tenant(srv);
  for (let i = 0; i < 4; i++) u.push(await createUser(a, `member${i}`, { displayName: `Member ${i}` }));
});
after(() => srv.close());

const memberIds = (body: { members?: { value: string }[] }): string[] => (body.members ?? []).map((m) => m.value).sort();

describe('group membership', () => {
  it('create with members; type inferred; $ref absolute; User.groups computed', async () => {
    const r = await a.call('POST', '/Groups', group('Engineering', [{ value: u[0] }, { value: u[1], display: 'Member 1' }]));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(memberIds(r.body), [u[0], u[1]].sort());
    const m = r.body.members.find((x: { value: string }) => x.value === u[0]);
    assert.equal(m.type, 'User');
    assert.equal(m.$ref, `${a.baseUrl}/Users/${u[0]}`);
    const user = await a.call('GET', `/Users/${u[0]}`);
    assert.deepEqual(user.body.groups.map((g: { value: string }) => g.value), [r.body.id]);
    assert.equal(user.body.groups[0].display, 'Engineering');
  });

  it('PATCH add / remove by filter / Entra remove-with-value / replace; 204 with the new ETag; no-op keeps the ETag', async () => {
    const gid = await createGroup(a, 'Ops', [u[0] as string]);
    const members = async (): Promise<string[]> => memberIds((await a.call('GET', `/Groups/${gid}`)).body);
    // RFC 7644 §3.5.2: 204 No Content (Entra, Okta); the ETag is the new version.
    const add = await a.call('PATCH', `/Groups/${gid}`, patch({ op: 'add', path: 'members', value: [{ value: u[1] }, { value: u[2] }] }));
    assert.equal(add.status, 204, JSON.stringify(add.body));
    assert.equal(add.body, undefined);
    assert.deepEqual(await members(), [u[0], u[1], u[2]].sort());
    const etag = add.headers.get('etag');
    const got = await a.call('GET', `/Groups/${gid}`);
    assert.equal(got.headers.get('etag'), etag);
    assert.equal(got.body.meta.version, etag);
    // Replayed add (CC-8): succeeds, changes nothing.
    const again = await a.call('PATCH', `/Groups/${gid}`, patch({ op: 'add', path: 'members', value: [{ value: u[1] }] }));
    assert.equal(again.status, 204);
    assert.equal(again.headers.get('etag'), etag);
    assert.equal((await a.call('GET', `/Groups/${gid}`)).body.meta.lastModified, got.body.meta.lastModified);
    const rm = await a.call('PATCH', `/Groups/${gid}`, patch({ op: 'remove', path: `members[value eq "${u[0]}"]` }));
    assert.equal(rm.status, 204);
    assert.notEqual(rm.headers.get('etag'), etag);
    assert.deepEqual(await members(), [u[1], u[2]].sort());
    const entra = await a.call('PATCH', `/Groups/${gid}`, patch({ op: 'Remove', path: 'members', value: [{ value: u[1] }] }));
    assert.equal(entra.status, 204, JSON.stringify(entra.body));
    assert.deepEqual(await members(), [u[2]]);
    // With `attributes` / `excludedAttributes`: 200 and the projected resource (RFC 7644 §3.9).
    const rep = await a.call('PATCH', `/Groups/${gid}?attributes=members`, patch({ op: 'replace', path: 'members', value: [{ value: u[3] }] }));
    assert.equal(rep.status, 200);
    assert.deepEqual(memberIds(rep.body), [u[3]]);
    assert.equal(rep.body.displayName, undefined);
    const empty = await a.call('PATCH', `/Groups/${gid}?excludedAttributes=members`, patch({ op: 'replace', path: 'members', value: [] }));
    assert.equal(empty.status, 200);
    assert.equal(empty.body.members, undefined);
    assert.equal(empty.body.displayName, 'Ops');
    assert.equal(empty.headers.get('etag'), empty.body.meta.version);
    assert.deepEqual(await members(), []);
    // Okta rename: path-less replace carrying the read-only id.
    const ren = await a.call('PATCH', `/Groups/${gid}`, patch({ op: 'replace', value: { id: gid, displayName: 'Ops 2' } }));
    assert.equal(ren.status, 204, JSON.stringify(ren.body));
    assert.equal((await a.call('GET', `/Groups/${gid}`)).body.displayName, 'Ops 2');
  });

  it('excludedAttributes=members omits members (by id and in lists)', async () => {
    const gid = await createGroup(a, 'Quiet', [u[0] as string]);
    const one = await a.call('GET', `/Groups/${gid}?excludedAttributes=members`);
    assert.equal(one.status, 200);
    assert.equal(one.body.members, undefined);
    assert.equal(one.body.displayName, 'Quiet');
    const list = await a.call('GET', `/Groups?filter=${q('displayName eq "quiet"')}&excludedAttributes=members`);
    assert.equal(list.body.totalResults, 1);
    assert.equal(list.body.Resources[0].members, undefined);
  });

  it('PUT with members replaces them; PUT without members keeps them', async () => {
    const gid = await createGroup(a, 'Putty', [u[0] as string]);
    const p1 = await a.call('PUT', `/Groups/${gid}`, group('Putty', [{ value: u[1] }, { value: u[2] }]));
    assert.equal(p1.status, 200);
    assert.deepEqual(memberIds(p1.body), [u[1], u[2]].sort());
    const { members: _m, ...noMembers } = group('Putty renamed');
    const p2 = await a.call('PUT', `/Groups/${gid}`, noMembers);
    assert.deepEqual(memberIds(p2.body), [u[1], u[2]].sort());
  });

  it('nested group member gets type Group; a group cannot contain itself', async () => {
    const inner = await createGroup(a, 'Inner');
    const outer = await a.call('POST', '/Groups', group('Outer', [{ value: inner, type: 'User' }]));
    assert.equal(outer.status, 201);
    assert.equal(outer.body.members[0].type, 'Group');
    const self = await a.call('PATCH', `/Groups/${inner}`, patch({ op: 'add', path: 'members', value: [{ value: inner }] }));
    assert.equal(self.status, 400);
    assert.equal(self.body.scimType, 'invalidValue');
  });

  it("a member of another tenant or a missing id → 400 invalidValue and nothing changes (AU-2)", async () => {
    const bUser = await createUser(b, 'b-only');
    const gid = await createGroup(a, 'Guarded', [u[0] as string]);
    const before = await dump(srv.store, a.tenantId);
    for (const value of [bUser, 'does-not-exist']) {
      const p = await a.call('PATCH', `/Groups/${gid}`, patch({ op: 'add', path: 'members', value: [{ value: u[1] }, { value }] }));
      assert.equal(p.status, 400);
      assert.equal(p.body.scimType, 'invalidValue');
      const c = await a.call('POST', '/Groups', group('Sneaky', [{ value }]));
      assert.equal(c.status, 400);
      assert.equal(c.body.scimType, 'invalidValue');
    }
    assert.equal(await dump(srv.store, a.tenantId), before);
  });

  it('duplicate displayName (case-insensitive) → 409 uniqueness', async () => {
    await createGroup(a, 'Sales');
    const r = await a.call('POST', '/Groups', group('SALES'));
    assert.equal(r.status, 409);
    assert.equal(r.body.scimType, 'uniqueness');
  });

  it('deleting a user removes it from groups', async () => {
    const x = await createUser(a, 'short-lived');
    const gid = await createGroup(a, 'Temp', [x]);
    assert.equal((await a.call('DELETE', `/Users/${x}`)).status, 204);
    const g = await a.call('GET', `/Groups/${gid}`);
    assert.deepEqual(memberIds(g.body), []);
  });

  it('RL-5: PATCH 10,000 members in one request', async () => {
    const rows: string[] = [];
    await srv.store.transaction(async (tx) => {
      const now = new Date().toISOString();
      for (let i = 0; i < 10_000; i++) {
        const id = `bulk-user-${i}`;
        rows.push(id);
        await tx.insertResource({ tenantId: a.tenantId, type: 'User', id, data: { userName: `bulk${i}` }, version: 1, created: now, lastModified: now });
      }
    });
    const gid = await createGroup(a, 'Huge');
    const r = await a.call('PATCH', `/Groups/${gid}?excludedAttributes=members`, patch({ op: 'add', path: 'members', value: rows.map((value) => ({ value })) }));
    assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 300));
    assert.equal(r.body.members, undefined);
    const full = await srv.store.getResource(a.tenantId, 'Group', gid, { withMembers: true, withGroups: false });
    assert.equal(full?.members?.length, 10_000);
    assert.equal(full?.version, 2);
  });
});
