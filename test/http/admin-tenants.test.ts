/**
 * The admin API of tenants, their SCIM keys and the deletion of a SCIM setup
 * (docs/architecture.md, Admin API; docs/scim-api.md "API keys" and "Deleting a SCIM
 * setup"): each route against a real server and database, the audit rows the changes
 * leave, and 4xx with stable codes for bad input (nothing changed).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { scim } from '../helpers/server.ts';
import type { ScimCall } from '../helpers/server.ts';
import { adminClient, createGroup, createUser, startTestServer, user } from './scim-helpers.ts';
import type { TestServer } from './scim-helpers.ts';

let srv: TestServer;
let admin: ScimCall;
before(async () => {
  srv = await startTestServer();
  admin = await adminClient(srv);
});
after(() => srv.close());

function assertError(r: { status: number; body: any }, status: number, code: string): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.error.code, code);
}

/** A tenant made through the admin API, with a SCIM client on its first key. */
async function newTenant(extra: Record<string, unknown> = {}): Promise<{ id: string; apiKey: string; base: string; call: ScimCall; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await admin('POST', '/tenants', { name: 'Acme', idp: 'okta', ...extra });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { id: r.body.id, apiKey: r.body.apiKey, base: r.body.scimBaseUrl, call: scim(r.body.scimBaseUrl, r.body.apiKey), body: r.body };
}

const auditOf = async (tenantId: string, operation: string) =>
  (await srv.store.listAuditEvents(tenantId, { limit: 10_000 })).filter((e) => e.operation === operation);

describe('tenants', () => {
  it('POST creates a tenant with its SCIM base URL and a first key shown once; the key works on SCIM', async () => {
    const t = await newTenant({ deprovision: 'delete' });
    assert.match(t.apiKey, /^roster_/);
    assert.equal(t.body.idp, 'okta');
    assert.equal(t.body.deprovision, 'delete');
    assert.equal(t.body.scimEnabled, true);
    assert.equal(t.base, `${srv.url}/scim/v2/${t.id}`);
    assert.equal((await t.call('GET', '/Users')).status, 200);
    const read = await admin('GET', `/tenants/${t.id}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.apiKey, undefined, 'the key is shown once');
    assert.ok(!JSON.stringify(read.body).includes(t.apiKey.slice(-20)), 'no secret in a read');
    assert.equal(read.body.keys.length, 1);
    assert.equal((await admin('GET', '/tenants')).body.tenants.some((x: { id: string }) => x.id === t.id), true);
    const created = await auditOf(t.id, 'create');
    assert.equal(created.length, 1);
    assert.equal(created[0]!.actorKind, 'operator');
  });

  it('bad input is 400 invalid_request and creates nothing', async () => {
    const before = (await admin('GET', '/tenants')).body.tenants.length;
    assertError(await admin('POST', '/tenants', { name: 'x', idp: 'nope' }), 400, 'invalid_request');
    assertError(await admin('POST', '/tenants', { idp: 'okta' }), 400, 'invalid_request');
    assertError(await admin('POST', '/tenants', { name: 'x', idp: 'okta', extra: 1 }), 400, 'invalid_request');
    assertError(await admin('POST', '/tenants', { name: 'x', idp: 'okta', deprovision: 'erase' }), 400, 'invalid_request');
    assertError(await admin('POST', '/tenants', [1]), 400, 'invalid_request');
    assert.equal((await admin('GET', '/tenants')).body.tenants.length, before);
    assertError(await admin('GET', '/tenants/nosuchtenant'), 404, 'not_found');
    assertError(await admin('PUT', '/tenants'), 405, 'method_not_allowed');
  });

  it('PATCH renames, changes the identity provider and the policy, audited with before and after', async () => {
    const t = await newTenant();
    const r = await admin('PATCH', `/tenants/${t.id}`, { name: 'Acme Corp', idp: 'entra', deprovision: 'delete' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual([r.body.name, r.body.idp, r.body.deprovision], ['Acme Corp', 'entra', 'delete']);
    const [row] = await auditOf(t.id, 'update');
    assert.deepEqual((row!.change as { attributes: unknown[] }).attributes, [
      { path: 'name', before: 'Acme', after: 'Acme Corp' },
      { path: 'idp', before: 'okta', after: 'entra' },
    ]);
    assertError(await admin('PATCH', `/tenants/${t.id}`, {}), 400, 'invalid_request');
    assertError(await admin('PATCH', `/tenants/${t.id}`, { idp: 'nope' }), 400, 'invalid_request');
    assertError(await admin('PATCH', `/tenants/${t.id}`, { name: '' }), 400, 'invalid_request');
    assertError(await admin('PATCH', '/tenants/nosuchtenant', { name: 'x' }), 404, 'not_found');
    assert.equal((await admin('GET', `/tenants/${t.id}`)).body.idp, 'entra', 'a refused PATCH changed nothing');
  });

  it('DELETE erases the tenant: 204, then 404, its key fails, its audit stays', async () => {
    const t = await newTenant();
    await createUser({ call: t.call, tenantId: t.id, baseUrl: t.base }, 'gone');
    const r = await admin('DELETE', `/tenants/${t.id}`);
    assert.equal(r.status, 204);
    assertError(await admin('GET', `/tenants/${t.id}`), 404, 'not_found');
    assert.equal((await t.call('GET', '/Users')).status, 401);
    assert.equal((await auditOf(t.id, 'delete')).length, 1);
  });
});

describe('SCIM API keys', () => {
  it('POST issues another key (shown once); both work; the list shows prefixes and last use', async () => {
    const t = await newTenant();
    const r = await admin('POST', `/tenants/${t.id}/keys`, {});
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.match(r.body.apiKey, new RegExp(`^roster_${r.body.id}_`));
    const second = scim(t.base, r.body.apiKey);
    assert.equal((await second('GET', '/Users')).status, 200);
    assert.equal((await t.call('GET', '/Users')).status, 200);
    // Last use reaches the store with the request counters, every few seconds.
    let keys: Array<{ id: string; key: string; lastUsedAt: string | null; active: boolean }> = [];
    for (let i = 0; i < 100; i++) {
      keys = (await admin('GET', `/tenants/${t.id}/keys`)).body.keys;
      if (keys.every((k) => k.lastUsedAt !== null)) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(keys.length, 2);
    for (const k of keys) {
      assert.match(k.key, /^roster_[0-9A-Za-z]+_…/);
      assert.ok(k.lastUsedAt !== null, 'last use recorded');
      assert.equal(k.active, true);
    }
    assert.ok(!JSON.stringify(keys).includes(r.body.apiKey.slice(-12)), 'no secret listed');
    assert.equal((await auditOf(t.id, 'create_key')).length, 1);
  });

  it('DELETE …/keys/{id} revokes that key at once; the other keeps working; unknown key 404', async () => {
    const t = await newTenant();
    const second = (await admin('POST', `/tenants/${t.id}/keys`, {})).body;
    const r = await admin('DELETE', `/tenants/${t.id}/keys/${second.id}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.active, false);
    assert.equal((await scim(t.base, second.apiKey)('GET', '/Users')).status, 401);
    assert.equal((await t.call('GET', '/Users')).status, 200);
    assertError(await admin('DELETE', `/tenants/${t.id}/keys/${second.id}`), 404, 'not_found');
    assertError(await admin('DELETE', `/tenants/${t.id}/keys/nosuchkey`), 404, 'not_found');
    assert.equal((await auditOf(t.id, 'revoke_key')).length, 1);
  });

  it('rotate issues a new key; the previous ones fail at once, or after graceSeconds', async () => {
    const t = await newTenant();
    const r = await admin('POST', `/tenants/${t.id}/keys/rotate`, {});
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal((await t.call('GET', '/Users')).status, 401, 'old key fails at once');
    const next = scim(t.base, r.body.apiKey);
    assert.equal((await next('GET', '/Users')).status, 200);
    const g = await admin('POST', `/tenants/${t.id}/keys/rotate`, { graceSeconds: 600 });
    assert.equal(g.status, 201);
    assert.equal((await next('GET', '/Users')).status, 200, 'previous key works during the grace period');
    assert.ok(Date.parse(g.body.previousKeysExpireAt) > Date.now() + 500_000);
    assertError(await admin('POST', `/tenants/${t.id}/keys/rotate`, { graceSeconds: -1 }), 400, 'invalid_request');
    assertError(await admin('POST', `/tenants/${t.id}/keys/rotate`, { graceSeconds: 10 ** 9 }), 400, 'invalid_request');
    assertError(await admin('POST', `/tenants/${t.id}/keys/rotate`, { grace: 1 }), 400, 'invalid_request');
  });

  it('at most 10 live keys: the 11th is 409 conflict', async () => {
    const t = await newTenant();
    for (let i = 0; i < 9; i++) assert.equal((await admin('POST', `/tenants/${t.id}/keys`, {})).status, 201);
    assertError(await admin('POST', `/tenants/${t.id}/keys`, {}), 409, 'conflict');
  });

  it('a SCIM key never works on the admin API', async () => {
    const t = await newTenant();
    assertError(await scim(`${srv.url}/api/v1`, t.apiKey)('GET', `/tenants/${t.id}/keys`), 401, 'unauthorized');
  });
});

describe('deleting a SCIM setup', () => {
  /** A tenant with two users (one in a role) and a platform role. */
  async function provisioned(): Promise<{ t: Awaited<ReturnType<typeof newTenant>>; amy: string; bob: string; role: string; platformRole: string }> {
    const t = await newTenant();
    const c = { call: t.call, tenantId: t.id, baseUrl: t.base };
    const amy = await createUser(c, 'amy', { externalId: 'e-amy' });
    const bob = await createUser(c, 'bob');
    const role = await createGroup(c, 'Engineering', [amy]);
    const platformRole = (await admin('POST', `/tenants/${t.id}/roles`, { name: 'Platform admins' })).body.id as string;
    return { t, amy, bob, role, platformRole };
  }
  const usersOf = async (id: string) => new Map(((await admin('GET', `/tenants/${id}/users`)).body.users as Array<{ id: string }>).map((u) => [u.id, u as any])); // eslint-disable-line @typescript-eslint/no-explicit-any
  const rolesOf = async (id: string) => new Map(((await admin('GET', `/tenants/${id}/roles`)).body.roles as Array<{ id: string }>).map((r) => [r.id, r as any])); // eslint-disable-line @typescript-eslint/no-explicit-any

  it('without a choice: 400, and nothing changes (the key still works)', async () => {
    const { t } = await provisioned();
    assertError(await admin('DELETE', `/tenants/${t.id}/scim`), 400, 'invalid_request');
    assertError(await admin('DELETE', `/tenants/${t.id}/scim?users=archive`), 400, 'invalid_request');
    assert.equal((await t.call('GET', '/Users')).status, 200);
    assertError(await admin('DELETE', '/tenants/nosuchtenant/scim?users=keep'), 404, 'not_found');
  });

  it('keep: keys fail at once; users and roles stay, unmarked; the choice is audited', async () => {
    const { t, amy, bob, role } = await provisioned();
    const r = await admin('DELETE', `/tenants/${t.id}/scim?users=keep`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual([r.body.users, r.body.revokedKeys, r.body.usersAffected, r.body.rolesAffected], ['keep', 1, 2, 1]);
    assert.equal((await t.call('GET', '/Users')).status, 401);
    const users = await usersOf(t.id);
    for (const id of [amy, bob]) assert.deepEqual([users.get(id).status, users.get(id).managed], ['active', false]);
    assert.deepEqual(users.get(amy).roles, [role]);
    assert.equal((await rolesOf(t.id)).get(role).managed, false);
    assert.equal((await admin('GET', `/tenants/${t.id}`)).body.scimEnabled, false);
    const [row] = await auditOf(t.id, 'delete_setup');
    assert.equal((row!.change as { users: string }).users, 'keep');
    assert.equal(row!.actorKind, 'operator');
  });

  it('deactivate: every user inactive and gone from SCIM; a new setup restores by externalId', async () => {
    const { t, amy, bob, role, platformRole } = await provisioned();
    const r = await admin('DELETE', `/tenants/${t.id}/scim?users=deactivate`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.usersAffected, 2);
    const users = await usersOf(t.id);
    for (const id of [amy, bob]) assert.deepEqual([users.get(id).status, users.get(id).managed], ['inactive', false]);
    assert.equal((await admin('GET', `/tenants/${t.id}/access/${amy}`)).body.allowed, false);
    const roles = await rolesOf(t.id);
    assert.ok(roles.has(role) && roles.has(platformRole), 'roles stay');
    assert.equal((await auditOf(t.id, 'deactivate')).length, 2);
    // A new setup: the users are not in its SCIM view; re-creating one restores it.
    const key = (await admin('POST', `/tenants/${t.id}/keys`, {})).body.apiKey as string;
    const again = scim(t.base, key);
    assert.equal((await again('GET', '/Users')).body.totalResults, 0);
    const back = await again('POST', '/Users', user('amy', { externalId: 'e-amy' }));
    assert.equal(back.status, 201);
    assert.equal(back.body.id, amy, 'restored, not duplicated');
    assert.equal((await usersOf(t.id)).get(amy).status, 'active');
  });

  it('delete: users (deprovisioned ones too) and the identity provider\'s roles are erased; platform roles stay', async () => {
    const { t, amy, bob, role, platformRole } = await provisioned();
    const c = { call: t.call, tenantId: t.id, baseUrl: t.base };
    const carl = await createUser(c, 'carl');
    assert.equal((await t.call('DELETE', `/Users/${carl}`)).status, 204); // deactivated by the default policy
    const r = await admin('DELETE', `/tenants/${t.id}/scim?users=delete`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual([r.body.usersAffected, r.body.rolesAffected], [3, 1]);
    assert.equal((await usersOf(t.id)).size, 0);
    const roles = await rolesOf(t.id);
    assert.ok(!roles.has(role) && roles.has(platformRole));
    const deletes = (await auditOf(t.id, 'delete')).filter((e) => e.resourceType === 'User' && (e.change as { reason?: string }).reason === 'scim_setup_deleted');
    assert.deepEqual(deletes.map((e) => e.resourceId).sort(), [amy, bob, carl].sort());
    for (const e of deletes) assert.deepEqual(Object.keys(e.change as object).sort(), ['attributes', 'reason'], 'only id and userName remain');
    const events = (await srv.store.listOutboxEvents(t.id, { limit: 10_000 })).map((e) => e.type);
    assert.ok(events.includes('scim_setup.deleted'));
  });
});
