/**
 * The typed admin client (`roster-scim/client`, docs/embedding.md "The admin client")
 * against a real server: tenants, keys, users, roles, permissions, access, audit and
 * events (with the async iterator over pages and a resumable cursor), and errors as
 * `AdminApiError` carrying the catalogue's stable code.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createOperatorToken } from '../../src/app/operator-tokens.ts';
import { AdminApiError, createAdminClient, isAdminApiError } from '../../src/client/index.ts';
import type { AdminClient } from '../../src/client/index.ts';
import { createGroup, createUser, patch, startTestServer, tenant } from './scim-helpers.ts';
import type { TestServer } from './scim-helpers.ts';

let srv: TestServer;
let admin: AdminClient;
before(async () => {
  srv = await startTestServer({ config: { permissions: [{ name: 'billing.read', description: 'Read invoices' }] } });
  admin = createAdminClient({ baseUrl: srv.url, token: (await createOperatorToken(srv.store)).token });
});
after(() => srv.close());

it('reads and changes the directory through typed calls', async () => {
  const c = await tenant(srv, 'okta');
  const alice = await createUser(c, 'alice@example.com');
  const bob = await createUser(c, 'bob@example.com');
  const group = await createGroup(c, 'Engineering', [alice]);

  const t = await admin.tenants.get(c.tenantId);
  assert.deepEqual([t.idp, t.scimBaseUrl], ['okta', c.baseUrl]);
  const keys = await admin.keys.list(c.tenantId);
  assert.equal(keys.length, 1);
  assert.equal(keys[0]!.active, true);
  assert.equal((await admin.tenants.setDeprovision(c.tenantId, 'delete')).deprovision, 'delete');

  const first = await admin.users.list(c.tenantId, { limit: 1 });
  assert.equal(first.items.length, 1);
  assert.notEqual(first.next, null);
  const all = [];
  for await (const u of admin.users.iterate(c.tenantId, { limit: 1 })) all.push(u.userName);
  assert.deepEqual(all.sort(), ['alice@example.com', 'bob@example.com']);
  assert.equal((await admin.users.findByUserName(c.tenantId, 'ALICE@example.com'))?.id, alice);
  assert.equal(await admin.users.findByUserName(c.tenantId, 'nobody'), undefined);
  assert.equal((await admin.users.suspend(c.tenantId, bob)).status, 'suspended');
  assert.equal((await admin.users.unsuspend(c.tenantId, bob)).status, 'active');

  assert.deepEqual(await admin.permissions.list(), [{ name: 'billing.read', description: 'Read invoices' }]);
  const granted = await admin.roles.setPermissions(c.tenantId, group, ['billing.read']);
  assert.deepEqual(granted.permissions, ['billing.read']);
  assert.deepEqual(await admin.access.check(c.tenantId, alice), { allowed: true, permissions: ['billing.read'] });
  assert.deepEqual((await admin.roles.members(c.tenantId, group)).items.map((m) => m.id), [alice]);
  const own = await admin.roles.create(c.tenantId, 'Support');
  assert.equal(own.managed, false);
  assert.equal((await admin.roles.rename(c.tenantId, own.id, 'Support Tier 2')).name, 'Support Tier 2');
  assert.deepEqual((await admin.roles.list(c.tenantId)).items.map((r) => r.name).sort(), ['Engineering', 'Support Tier 2']);

  const audit = [];
  for await (const row of admin.audit.iterate(c.tenantId, { resourceType: 'User', limit: 2 })) audit.push(row.operation);
  assert.ok(audit.filter((o) => o === 'create').length === 2, audit.join());
});

it('manages tenants, keys and the SCIM setup', async () => {
  const created = await admin.tenants.create({ name: 'Client Co', idp: 'entra' });
  assert.match(created.apiKey, /^roster_/);
  assert.equal((await admin.tenants.update(created.id, { name: 'Client Co 2' })).name, 'Client Co 2');
  const extra = await admin.keys.create(created.id);
  assert.match(extra.apiKey, new RegExp(`^roster_${extra.id}_`));
  const rotated = await admin.keys.rotate(created.id, { graceSeconds: 60 });
  assert.ok(rotated.previousKeysExpireAt > new Date().toISOString());
  assert.equal((await admin.keys.revoke(created.id, rotated.id)).active, false);
  assert.equal((await admin.keys.list(created.id)).length, 3);
  const done = await admin.tenants.deleteSetup(created.id, 'keep');
  assert.deepEqual([done.users, done.revokedKeys], ['keep', 2]);
  assert.equal((await admin.tenants.get(created.id)).scimEnabled, false);
  await admin.tenants.delete(created.id);
  await assert.rejects(admin.tenants.get(created.id), (e: unknown) => isAdminApiError(e, 'not_found'));
});

it('iterates the events feed page after page and resumes from the last cursor', async () => {
  const c = await tenant(srv);
  const u = await createUser(c, 'feed@example.com');
  await c.call('PATCH', `/Users/${u}`, patch({ op: 'replace', path: 'active', value: false }));
  const it1 = admin.events.iterate({ tenantId: c.tenantId, limit: 1 });
  const seen = [];
  for await (const e of it1) seen.push([e.type, e.sequence]);
  assert.deepEqual(seen, [['scim_setup.created', 1], ['user.created', 2], ['user.deactivated', 3]]);
  await createUser(c, 'later@example.com');
  const more = [];
  for await (const e of admin.events.iterate({ tenantId: c.tenantId, after: it1.lastCursor()! })) more.push(e.type);
  assert.deepEqual(more, ['user.created']);
  const typed = await admin.events.list({ types: ['user.deactivated'], limit: 1000 });
  assert.ok(typed.events.some((e) => e.tenantId === c.tenantId && e.type === 'user.deactivated'));
  assert.ok(typed.events.every((e) => e.type === 'user.deactivated'));
});

it('errors carry the stable code', async () => {
  await assert.rejects(admin.users.list('no-such-tenant'), (e: unknown) => isAdminApiError(e, 'not_found') && e.status === 404 && typeof e.requestId === 'string');
  const c = await tenant(srv);
  await assert.rejects(admin.roles.setPermissions(c.tenantId, (await admin.roles.create(c.tenantId, 'R')).id, ['nope']), (e: unknown) => isAdminApiError(e, 'unknown_permission'));
  await assert.rejects(admin.events.list({ tenantId: c.tenantId, after: 'garbage' }), (e: unknown) => isAdminApiError(e, 'invalid_request'));
  const wrong = createAdminClient({ baseUrl: `${srv.url}/`, token: 'roster_op_nope' });
  await assert.rejects(wrong.tenants.list(), (e: unknown) => e instanceof AdminApiError && e.code === 'unauthorized' && e.status === 401);
});
