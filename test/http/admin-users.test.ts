/**
 * The admin API of platform users (docs/architecture.md, Admin API; docs/scim-api.md
 * "User lifecycle"): the users list and `userName=` lookup, suspension (wins over the
 * identity provider, removes the managed mark, refused reactivations audited), the
 * sign-in access check, the tenant's deprovisioning policy, and 4xx with stable
 * codes for bad input.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ScimCall } from '../helpers/server.ts';
import { adminClient, createUser, patch, startTestServer, tenant, user } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';

let srv: TestServer;
let admin: ScimCall;
before(async () => {
  srv = await startTestServer();
  admin = await adminClient(srv);
});
after(() => srv.close());

const access = async (c: Client, id: string): Promise<unknown> => (await admin('GET', `/tenants/${c.tenantId}/access/${id}`)).body;
const refusals = async (c: Client, id: string) =>
  (await srv.store.listAuditEvents(c.tenantId, { limit: 1000 })).filter((r) => r.resourceId === id && r.operation === 'reactivate');

function assertError(r: { status: number; body: any }, status: number, code: string): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.error.code, code);
}

describe('admin users list', () => {
  it('lists id, userName, externalId, status, managed, roles; userName= finds one (any case); limit/after page by id', async () => {
    const c = await tenant(srv, 'okta');
    const a = await createUser(c, 'Amy', { externalId: 'e-amy' });
    const b = await createUser(c, 'bob', { active: false });
    const d = await createUser(c, 'dee');
    assert.equal((await c.call('DELETE', `/Users/${d}`)).status, 204);
    const all = await admin('GET', `/tenants/${c.tenantId}/users`);
    assert.equal(all.status, 200);
    const byId = new Map(all.body.users.map((u: { id: string }) => [u.id, u]));
    assert.equal(byId.size, 3);
    assert.deepEqual(
      { ...(byId.get(a) as object), deprovisionedAt: undefined, suspendedAt: undefined },
      { id: a, userName: 'Amy', externalId: 'e-amy', status: 'active', managed: true, roles: [], deprovisionedAt: undefined, suspendedAt: undefined },
    );
    assert.equal((byId.get(b) as { status: string }).status, 'inactive');
    assert.equal((byId.get(d) as { status: string }).status, 'inactive', 'a deactivated user stays on the platform');
    const one = await admin('GET', `/tenants/${c.tenantId}/users?userName=AMY`);
    assert.deepEqual(one.body.users.map((u: { id: string }) => u.id), [a]);
    const sorted = [a, b, d].sort();
    const p1 = await admin('GET', `/tenants/${c.tenantId}/users?limit=2`);
    assert.deepEqual(p1.body.users.map((u: { id: string }) => u.id), sorted.slice(0, 2));
    const p2 = await admin('GET', `/tenants/${c.tenantId}/users?limit=2&after=${encodeURIComponent(p1.body.next)}`);
    assert.deepEqual(p2.body.users.map((u: { id: string }) => u.id), sorted.slice(2));
    assert.equal(p2.body.next, null);
  });

  it('bad input is a 4xx with a stable code, never a 500', async () => {
    const c = await tenant(srv);
    assertError(await admin('GET', `/tenants/${c.tenantId}/users?limit=0`), 400, 'invalid_request');
    assertError(await admin('GET', `/tenants/${c.tenantId}/users?limit=abc`), 400, 'invalid_request');
    assertError(await admin('GET', '/tenants/no-such-tenant/users'), 404, 'not_found');
    assertError(await admin('DELETE', `/tenants/${c.tenantId}/users`), 405, 'method_not_allowed');
    assertError(await admin('GET', `/tenants/${c.tenantId}/access/nope`), 404, 'not_found');
    assertError(await admin('POST', `/tenants/${c.tenantId}/users/nope/suspend`), 404, 'not_found');
    assertError(await admin('GET', `/tenants/${c.tenantId}/users/x/suspend`), 405, 'method_not_allowed');
  });
});

describe('deprovisioning policy', () => {
  it('PATCH the tenant sets it; bad values and bodies are 400 invalid_request', async () => {
    const c = await tenant(srv);
    const ok = await admin('PATCH', `/tenants/${c.tenantId}`, { deprovision: 'delete' });
    assert.equal(ok.status, 200);
    assert.deepEqual([ok.body.id, ok.body.deprovision], [c.tenantId, 'delete']);
    assert.equal(await srv.store.users.deprovisionPolicy(c.tenantId), 'delete');
    for (const body of [{ deprovision: 'archive' }, { deprovision: null }, {}, { deprovision: 'delete', extra: 1 }, [], 'not json', '{"deprovision":"delete","deprovision":"deactivate"}', '']) {
      assertError(await admin('PATCH', `/tenants/${c.tenantId}`, body, { 'content-type': 'application/json' }), 400, 'invalid_request');
    }
    assertError(await admin('PATCH', `/tenants/${c.tenantId}`, { deprovision: 'x'.repeat(20_000) }), 413, 'payload_too_large');
    assertError(await admin('PATCH', '/tenants/nope', { deprovision: 'delete' }), 404, 'not_found');
    assert.equal(await srv.store.users.deprovisionPolicy(c.tenantId), 'delete', 'nothing half-written');
    const audit = (await srv.store.listAuditEvents(c.tenantId, { limit: 100 })).filter((r) => r.operation === 'set_deprovision');
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.actorKind, 'operator');
  });
});

describe('suspension and access check', () => {
  it('suspend removes the managed mark; SCIM active:true does not reactivate (audited) while other attributes update; unsuspend', async () => {
    const c = await tenant(srv, 'entra');
    const id = await createUser(c, 'sam', { active: true, title: 'Eng' });
    assert.deepEqual(await access(c, id), { allowed: true, permissions: [] });
    const s = await admin('POST', `/tenants/${c.tenantId}/users/${id}/suspend`);
    assert.equal(s.status, 200);
    assert.equal(s.body.status, 'suspended');
    assert.equal(s.body.managed, false);
    assert.deepEqual(await access(c, id), { allowed: false, permissions: [] });

    const p = await c.call('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'active', value: 'True' }, { op: 'Replace', path: 'title', value: 'Lead' }));
    assert.equal(p.status, 200, 'the provider sync is not broken');
    assert.equal(p.body.active, true, 'answered as sent');
    assert.equal(p.body.title, 'Lead');
    const u = await srv.store.users.get(c.tenantId, id);
    assert.equal(u?.status, 'suspended');
    assert.equal(u?.managed, false, 'suspension wins over external management');
    const put = await c.call('PUT', `/Users/${id}`, user('sam', { active: true, title: 'Lead' }));
    assert.equal(put.status, 200);
    const refused = await refusals(c, id);
    assert.deepEqual(refused.map((r) => [r.outcome, r.status, r.actorKind]), [['refused', 200, 'api_key'], ['refused', 200, 'api_key']]);
    // A PATCH that does not touch active is no reactivation attempt.
    assert.equal((await c.call('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'title', value: 'CTO' }))).status, 200);
    assert.equal((await refusals(c, id)).length, 2);
    assert.deepEqual(await access(c, id), { allowed: false, permissions: [] });

    const un = await admin('POST', `/tenants/${c.tenantId}/users/${id}/unsuspend`);
    assert.equal(un.status, 200);
    assert.equal(un.body.status, 'active');
    assert.deepEqual(await access(c, id), { allowed: true, permissions: [] });
    const events = (await srv.store.listOutboxEvents(c.tenantId, { limit: 100 })).map((e) => e.type);
    assert.ok(events.includes('user.suspended') && events.includes('user.unsuspended'));
    const ops = (await srv.store.listAuditEvents(c.tenantId, { limit: 100 })).filter((r) => r.actorKind === 'operator').map((r) => r.operation);
    assert.deepEqual(ops, ['suspend', 'unsuspend']);
  });

  it('access check: inactive (active false) and deprovisioned users are refused', async () => {
    const c = await tenant(srv);
    const off = await createUser(c, 'off', { active: false });
    assert.deepEqual(await access(c, off), { allowed: false, permissions: [] });
    const gone = await createUser(c, 'gone');
    assert.equal((await c.call('DELETE', `/Users/${gone}`)).status, 204);
    assert.deepEqual(await access(c, gone), { allowed: false, permissions: [] });
    // Unsuspending a deprovisioned user leaves it inactive.
    assert.equal((await admin('POST', `/tenants/${c.tenantId}/users/${gone}/suspend`)).body.status, 'suspended');
    assert.equal((await admin('POST', `/tenants/${c.tenantId}/users/${gone}/unsuspend`)).body.status, 'inactive');
  });
});

describe('external management on the admin API', () => {
  it('PATCH a user: identity-provider attributes are refused (managed_by_idp naming the provider, nothing changes); suspension is editable', async () => {
    const c = await tenant(srv, 'okta');
    const id = await createUser(c, 'mia', { title: 'Eng' });
    const before = (await srv.store.listAuditEvents(c.tenantId, { limit: 1000 })).length;
    const r = await admin('PATCH', `/tenants/${c.tenantId}/users/${id}`, { title: 'CEO', suspended: true });
    assertError(r, 409, 'managed_by_idp');
    assert.match(r.body.error.message, /okta/);
    assert.match(r.body.error.message, /change it there/);
    const u = (await admin('GET', `/tenants/${c.tenantId}/users/${id}`)).body;
    assert.deepEqual([u.status, u.managed], ['active', true], 'the refused PATCH changed nothing, not even its platform-owned part');
    assert.equal((await c.call('GET', `/Users/${id}`)).body.title, 'Eng');
    assert.equal((await srv.store.listAuditEvents(c.tenantId, { limit: 1000 })).length, before, 'nothing audited as changed');
    const s = await admin('PATCH', `/tenants/${c.tenantId}/users/${id}`, { suspended: true });
    assert.equal(s.status, 200, JSON.stringify(s.body));
    assert.deepEqual([s.body.status, s.body.managed], ['suspended', false]);
    // No longer managed: still not editable here (the profile comes from SCIM), but not the provider's refusal.
    assertError(await admin('PATCH', `/tenants/${c.tenantId}/users/${id}`, { firstName: 'M' }), 409, 'conflict');
    assertError(await admin('PATCH', `/tenants/${c.tenantId}/users/${id}`, { suspended: 'yes' }), 400, 'invalid_request');
    assertError(await admin('PATCH', `/tenants/${c.tenantId}/users/${id}`, { password: 'x' }), 400, 'invalid_request');
    assertError(await admin('PATCH', `/tenants/${c.tenantId}/users/nosuchuser`, { suspended: true }), 404, 'not_found');
    const back = await admin('PATCH', `/tenants/${c.tenantId}/users/${id}`, { suspended: false });
    assert.equal(back.body.status, 'active');
  });
});
