/**
 * Roles and permissions (docs/scim-api.md "Roles and permissions"): every SCIM Group is
 * a role with the same id and name, starting with no permissions; administrators grant
 * the catalogue's permissions through the admin API (audited, `role.permissions_changed`);
 * the access check answers the union over the user's roles, none unless active; SCIM
 * never grants a permission (docs/reliability.md AU-9).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import type { ScimCall } from '../helpers/server.ts';
import { ENTERPRISE, adminClient, createGroup, createUser, group, patch, startTestServer, tenant, user } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';

const CATALOGUE = [
  { name: 'billing.read', description: 'See invoices' },
  { name: 'billing.write', description: 'Change invoices' },
  { name: 'admin', description: 'Everything' },
];

let srv: TestServer;
let admin: ScimCall;
let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roster-perms-'));
  const file = join(dir, 'permissions.json');
  writeFileSync(file, JSON.stringify(CATALOGUE));
  // The catalogue through the real setting: the file is read and checked by loadConfig.
  const { permissions } = loadConfig({ argv: ['--permissions', file], only: ['permissions'] });
  srv = await startTestServer({ config: { permissions } });
  admin = await adminClient(srv);
});
after(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

type Role = { id: string; name: string; managed: boolean; permissions: string[]; memberCount: number };
const roles = async (c: Client): Promise<Role[]> => (await admin('GET', `/tenants/${c.tenantId}/roles`)).body.roles;
const role = async (c: Client, id: string): Promise<Role | undefined> => (await roles(c)).find((r) => r.id === id);
const grant = (c: Client, id: string, permissions: unknown) => admin('PUT', `/tenants/${c.tenantId}/roles/${id}/permissions`, { permissions });
const access = async (c: Client, id: string): Promise<unknown> => (await admin('GET', `/tenants/${c.tenantId}/access/${id}`)).body;

describe('permission catalogue', () => {
  it('GET /api/v1/permissions answers the configured catalogue', async () => {
    const r = await admin('GET', '/permissions');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { permissions: CATALOGUE });
  });
});

describe('SCIM groups are roles', () => {
  it('a created group is a role (same id and name, managed, no permissions); rename and delete follow', async () => {
    const c = await tenant(srv, 'okta');
    const u = await createUser(c, 'ann');
    const g = await createGroup(c, 'Sales', [u]);
    assert.deepEqual(await role(c, g), { id: g, name: 'Sales', managed: true, permissions: [], memberCount: 1 });
    const m = await admin('GET', `/tenants/${c.tenantId}/roles/${g}/members`);
    assert.equal(m.status, 200);
    assert.deepEqual(m.body.members.map((x: { id: string; type: string }) => [x.id, x.type]), [[u, 'User']]);
    assert.equal(m.body.next, null);

    assert.ok([200, 204].includes((await c.call('PATCH', `/Groups/${g}`, patch({ op: 'replace', path: 'displayName', value: 'Sales EU' }))).status));
    assert.equal((await role(c, g))?.name, 'Sales EU');
    assert.equal((await grant(c, g, ['billing.read'])).status, 200);
    assert.equal((await c.call('DELETE', `/Groups/${g}`)).status, 204);
    assert.equal(await role(c, g), undefined);
    assert.equal((await admin('GET', `/tenants/${c.tenantId}/roles/${g}/members`)).status, 404);
    assert.equal((await grant(c, g, ['billing.read'])).status, 404);
    assert.deepEqual(await access(c, u), { allowed: true, permissions: [] }, 'the deleted role\'s grants went with it');
  });

  it('the roles list pages by id; the users list `roles` field lists the role ids', async () => {
    const c = await tenant(srv);
    const u = await createUser(c, 'bo');
    const ids = [await createGroup(c, 'A', [u]), await createGroup(c, 'B'), await createGroup(c, 'C', [u])].sort();
    const p1 = await admin('GET', `/tenants/${c.tenantId}/roles?limit=2`);
    const p2 = await admin('GET', `/tenants/${c.tenantId}/roles?limit=2&after=${encodeURIComponent(p1.body.next)}`);
    assert.deepEqual([...p1.body.roles, ...p2.body.roles].map((r: Role) => r.id), ids);
    assert.equal(p2.body.next, null);
    const users = (await admin('GET', `/tenants/${c.tenantId}/users`)).body.users;
    const groupsOfU = (await c.call('GET', `/Users/${u}`)).body.groups.map((x: { value: string }) => x.value).sort();
    assert.deepEqual(users.find((x: { id: string }) => x.id === u).roles, groupsOfU);
    assert.equal(groupsOfU.length, 2);
  });
});

describe('granting permissions', () => {
  it('PUT sets them (audited with the operator, outbox role.permissions_changed); unknown names are 400 unknown_permission and change nothing', async () => {
    const c = await tenant(srv);
    const g = await createGroup(c, 'Finance');
    const ok = await grant(c, g, ['billing.write', 'billing.read', 'billing.read']);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body.permissions, ['billing.read', 'billing.write']);
    const bad = await grant(c, g, ['billing.read', 'root']);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'unknown_permission');
    for (const body of [{ permissions: 'admin' }, { permissions: [1] }, {}, { permissions: [], x: 1 }]) {
      const r = await admin('PUT', `/tenants/${c.tenantId}/roles/${g}/permissions`, body);
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, 'invalid_request');
    }
    assert.equal((await admin('POST', `/tenants/${c.tenantId}/roles/${g}/permissions`, { permissions: [] })).status, 405);
    assert.deepEqual((await role(c, g))?.permissions, ['billing.read', 'billing.write'], 'nothing half-written');
    assert.equal((await grant(c, g, ['billing.write', 'billing.read'])).status, 200, 'same set: no change');

    const audit = (await srv.store.listAuditEvents(c.tenantId, { limit: 100 })).filter((r) => r.operation === 'set_permissions');
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.actorKind, 'operator');
    assert.equal(audit[0]!.resourceId, g);
    const events = (await srv.store.listOutboxEvents(c.tenantId, { limit: 100 })).filter((e) => e.type === 'role.permissions_changed');
    assert.equal(events.length, 1);
    assert.deepEqual((events[0]!.payload as { after: string[] }).after, ['billing.read', 'billing.write']);
  });
});

describe('access check', () => {
  it('answers the union over the user\'s roles; none when inactive or suspended; nested groups give nothing', async () => {
    const c = await tenant(srv, 'entra');
    const u = await createUser(c, 'cy');
    const r1 = await createGroup(c, 'Readers', [u]);
    const r2 = await createGroup(c, 'Writers', [u]);
    await grant(c, r1, ['billing.read']);
    await grant(c, r2, ['billing.read', 'billing.write']);
    assert.deepEqual(await access(c, u), { allowed: true, permissions: ['billing.read', 'billing.write'] });

    // Nested: `Outer` has the group `Inner` as member, `v` is in Inner only.
    const v = await createUser(c, 'vi');
    const inner = await createGroup(c, 'Inner', [v]);
    const outer = (await c.call('POST', '/Groups', group('Outer', [{ value: inner, type: 'Group' }]))).body.id as string;
    await grant(c, outer, ['admin']);
    assert.deepEqual(await access(c, v), { allowed: true, permissions: [] }, 'no permission through a nested group');

    assert.equal((await admin('POST', `/tenants/${c.tenantId}/users/${u}/suspend`)).status, 200);
    assert.deepEqual(await access(c, u), { allowed: false, permissions: [] });
    assert.equal((await admin('POST', `/tenants/${c.tenantId}/users/${u}/unsuspend`)).status, 200);
    assert.equal((await c.call('PATCH', `/Users/${u}`, patch({ op: 'replace', path: 'active', value: false }))).status, 200);
    assert.deepEqual(await access(c, u), { allowed: false, permissions: [] });
  });
});

describe('AU-9: SCIM never grants a permission', () => {
  it('a group named "Admin" has none; roles, entitlements, isAdmin and permissions attributes grant nothing', async () => {
    const c = await tenant(srv, 'entra');
    const u = await createUser(c, 'eve', {
      roles: [{ value: 'admin', primary: true }],
      entitlements: [{ value: 'admin' }, { value: 'billing.write' }],
      [ENTERPRISE]: { department: 'admin' },
    });
    const g = (await c.call('POST', '/Groups', group('Admin', [{ value: u }], { permissions: ['admin'] }))).body.id as string | undefined;
    const gid = g ?? await createGroup(c, 'Admin', [u]);
    await c.call('PATCH', `/Groups/${gid}`, patch({ op: 'add', path: 'permissions', value: ['admin'] }, { op: 'add', value: { 'urn:ietf:params:scim:schemas:extension:roster:2.0:Role:permissions': ['admin'] } }));
    await c.call('PATCH', `/Users/${u}`, patch({ op: 'add', value: { 'urn:ietf:params:scim:schemas:extension:roster:2.0:User:isAdmin': true, roles: [{ value: 'admin' }] } }));
    await c.call('PUT', `/Users/${u}`, user('eve', { roles: [{ value: 'admin' }], entitlements: [{ value: 'admin' }] }));
    assert.deepEqual(await role(c, gid), { id: gid, name: 'Admin', managed: true, permissions: [], memberCount: 1 });
    assert.deepEqual(await access(c, u), { allowed: true, permissions: [] });
  });
});

describe('platform roles', () => {
  it('POST …/roles creates an unmanaged role; SCIM may read it but PUT, PATCH (join) and DELETE are 403 and change nothing', async () => {
    const c = await tenant(srv, 'okta');
    const u = await createUser(c, 'pat');
    const created = await admin('POST', `/tenants/${c.tenantId}/roles`, { name: 'Auditors' });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const id = created.body.id as string;
    assert.deepEqual(created.body, { id, name: 'Auditors', managed: false, permissions: [], memberCount: 0 });
    assert.equal((await grant(c, id, ['billing.read'])).status, 200, 'platform-owned fields stay editable');

    assert.equal((await c.call('GET', `/Groups/${id}`)).status, 200);
    const join = await c.call('PATCH', `/Groups/${id}`, patch({ op: 'add', path: 'members', value: [{ value: u }] }));
    assert.equal(join.status, 403, JSON.stringify(join.body));
    assert.match(join.body.detail, /platform/);
    assert.equal((await c.call('PUT', `/Groups/${id}`, group('Hacked', [{ value: u }]))).status, 403);
    assert.equal((await c.call('DELETE', `/Groups/${id}`)).status, 403);
    assert.deepEqual(await role(c, id), { id, name: 'Auditors', managed: false, permissions: ['billing.read'], memberCount: 0 });
    assert.deepEqual(await access(c, u), { allowed: true, permissions: [] });

    const dup = await admin('POST', `/tenants/${c.tenantId}/roles`, { name: 'AUDITORS' });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.code, 'conflict');
    for (const body of [{}, { name: '' }, { name: 3 }, { name: 'x', y: 1 }]) {
      const r = await admin('POST', `/tenants/${c.tenantId}/roles`, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error.code, 'invalid_request');
    }
    const audit = (await srv.store.listAuditEvents(c.tenantId, { limit: 100 })).filter((r) => r.resourceId === id);
    assert.deepEqual(audit.map((r) => [r.operation, r.actorKind, r.outcome, r.status]), [
      ['create', 'operator', 'success', 200], ['set_permissions', 'operator', 'success', 200],
      ['patch', 'api_key', 'refused', 403], ['replace', 'api_key', 'refused', 403], ['delete', 'api_key', 'refused', 403],
    ]);
  });
});

describe('managed roles in the admin API', () => {
  it('renaming a managed role is 409 managed_by_idp saying where to change it; a platform role is renamed (audited)', async () => {
    const c = await tenant(srv, 'okta');
    const managed = await createGroup(c, 'Support');
    const r = await admin('PATCH', `/tenants/${c.tenantId}/roles/${managed}`, { name: 'Helpdesk' });
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'managed_by_idp');
    assert.match(r.body.error.message, /identity provider \(okta\)/);
    assert.equal((await role(c, managed))?.name, 'Support', 'nothing changed');
    assert.equal((await grant(c, managed, ['billing.read'])).status, 200, 'its permissions stay editable');

    const id = (await admin('POST', `/tenants/${c.tenantId}/roles`, { name: 'Ops' })).body.id as string;
    const ok = await admin('PATCH', `/tenants/${c.tenantId}/roles/${id}`, { name: 'Operations' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.name, 'Operations');
    assert.equal((await c.call('GET', `/Groups/${id}`)).body.displayName, 'Operations');
    const taken = await admin('PATCH', `/tenants/${c.tenantId}/roles/${id}`, { name: 'support' });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.error.code, 'conflict');
    assert.equal((await admin('PATCH', `/tenants/${c.tenantId}/roles/nope`, { name: 'x' })).status, 404);
    assert.equal((await admin('PATCH', `/tenants/${c.tenantId}/roles/${id}`, { permissions: [] })).status, 400);
    const audit = (await srv.store.listAuditEvents(c.tenantId, { limit: 100 })).filter((a) => a.resourceId === id && a.operation === 'patch');
    assert.deepEqual(audit.map((a) => [a.actorKind, a.outcome]), [['operator', 'success']]);
  });
});
