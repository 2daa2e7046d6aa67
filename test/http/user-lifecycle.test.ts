/**
 * The user lifecycle behind the SCIM endpoint (docs/scim-api.md "User lifecycle"):
 * `active: false` in every provider's dialect makes the platform user inactive and
 * leaves it readable; SCIM writes set the managed mark; DELETE follows the tenant's
 * deprovisioning policy; a re-created user is restored with its id.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser, patch, q, startTestServer, tenant, user } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';
import { dbQuery } from '../helpers/server.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

const status = async (c: Client, id: string): Promise<string | undefined> => (await srv.store.users.get(c.tenantId, id))?.status;
const total = async (c: Client, filter?: string): Promise<number> =>
  (await c.call('GET', `/Users${filter === undefined ? '' : `?filter=${q(filter)}`}`)).body.totalResults as number;

describe('status and deactivation', () => {
  const dialects: [string, 'entra' | 'okta' | 'onelogin' | 'generic', (c: Client, id: string) => Promise<number>][] = [
    ['PATCH path active, boolean', 'generic', async (c, id) => (await c.call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: false }))).status],
    ['Entra PATCH Replace active "False"', 'entra', async (c, id) => (await c.call('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'active', value: 'False' }))).status],
    ['Okta path-less value object', 'okta', async (c, id) => (await c.call('PATCH', `/Users/${id}`, patch({ op: 'replace', value: { active: false } }))).status],
    ['PUT active false', 'onelogin', async (c, id) => (await c.call('PUT', `/Users/${id}`, user('dana', { active: false }))).status],
  ];
  for (const [name, idp, deactivate] of dialects) {
    it(`${name}: inactive, still readable and filterable, managed; active true makes it active again`, async () => {
      const c = await tenant(srv, idp);
      const id = await createUser(c, 'dana', { active: true });
      assert.equal(await status(c, id), 'active');
      assert.equal((await srv.store.users.get(c.tenantId, id))?.managed, true);
      assert.equal(await deactivate(c, id), 200);
      assert.equal(await status(c, id), 'inactive');
      const got = await c.call('GET', `/Users/${id}`);
      assert.equal(got.status, 200);
      assert.equal(got.body.active, false);
      assert.equal(await total(c, 'active eq false'), 1);
      assert.equal(await total(c, 'userName eq "dana"'), 1);
      assert.equal((await c.call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: true }))).status, 200);
      assert.equal(await status(c, id), 'active');
    });
  }

  it('reads never mark; an unknown id has no platform user', async () => {
    const c = await tenant(srv);
    assert.equal((await c.call('GET', '/Users')).status, 200);
    assert.deepEqual(await srv.store.users.list(c.tenantId, { limit: 10 }), []);
    assert.equal(await srv.store.users.get(c.tenantId, 'nope'), undefined);
  });
});

describe('DELETE under the deprovisioning policy', () => {
  it('deactivate (default): 404, gone from lists and counts, inactive, memberships recorded; re-create by externalId restores the id', async () => {
    const c = await tenant(srv, 'entra');
    const id = await createUser(c, 'erin', { externalId: 'ext-erin' });
    const other = await createUser(c, 'frank');
    const gid = (await c.call('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'g', members: [{ value: id }] })).body.id as string;
    assert.equal(await srv.store.users.deprovisionPolicy(c.tenantId), 'deactivate');
    assert.equal((await c.call('DELETE', `/Users/${id}`)).status, 204);
    assert.equal((await c.call('GET', `/Users/${id}`)).status, 404);
    assert.equal(await total(c), 1, 'unfiltered count (resource_counts) excludes it');
    assert.equal(await total(c, 'userName eq "erin"'), 0);
    assert.equal((await c.call('GET', `/Groups/${gid}`)).body.members, undefined);
    const u = await srv.store.users.get(c.tenantId, id);
    assert.equal(u?.status, 'inactive');
    assert.equal(typeof u?.deprovisionedAt, 'string');
    const [row] = await dbQuery(srv, {
      sqlite: 'SELECT hidden FROM platform_users WHERE tenant_id = ? AND id = ?',
      postgres: 'SELECT hidden FROM platform_users WHERE tenant_id = $1 AND id = $2',
    }, [c.tenantId, id]);
    const hidden = row?.hidden;
    assert.deepEqual((typeof hidden === 'string' ? JSON.parse(hidden) : hidden).groups, [gid]);
    // Same externalId, new userName: restored, same id, new data, active again.
    const back = await c.call('POST', '/Users', user('erin2', { externalId: 'ext-erin', title: 'Back' }));
    assert.equal(back.status, 201);
    assert.equal(back.body.id, id);
    assert.equal(back.body.userName, 'erin2');
    assert.equal((await c.call('GET', `/Users/${id}`)).body.title, 'Back');
    assert.equal(await status(c, id), 'active');
    assert.equal((await srv.store.users.get(c.tenantId, id))?.deprovisionedAt, null);
    assert.equal(await total(c), 2);
    assert.notEqual(other, id);
    const rows = (await srv.store.listAuditEvents(c.tenantId, { limit: 100 })).filter((r) => r.resourceId === id);
    assert.deepEqual(rows.map((r) => [r.operation, r.status]), [['create', 201], ['delete', 204], ['restore', 201]]);
    const events = (await srv.store.listOutboxEvents(c.tenantId, { limit: 100 })).map((e) => e.type);
    assert.ok(events.includes('user.deprovisioned') && events.includes('user.restored'));
  });

  it('deactivate: without externalId the same userName (any case) restores; a different externalId does not', async () => {
    const c = await tenant(srv);
    const id = await createUser(c, 'Gina');
    assert.equal((await c.call('DELETE', `/Users/${id}`)).status, 204);
    const back = await c.call('POST', '/Users', user('gina'));
    assert.equal(back.status, 201);
    assert.equal(back.body.id, id);

    const withExt = await createUser(c, 'hal', { externalId: 'h-1' });
    assert.equal((await c.call('DELETE', `/Users/${withExt}`)).status, 204);
    const fresh = await c.call('POST', '/Users', user('hal', { externalId: 'h-2' }));
    assert.equal(fresh.status, 201, 'the hidden user freed its userName');
    assert.notEqual(fresh.body.id, withExt);
    assert.equal(await status(c, withExt), 'inactive');
    // Never linked by email.
    const byMail = await createUser(c, 'ivy', { emails: [{ value: 'ivy@example.com', type: 'work' }] });
    assert.equal((await c.call('DELETE', `/Users/${byMail}`)).status, 204);
    const other = await c.call('POST', '/Users', user('ivy.other', { emails: [{ value: 'ivy@example.com', type: 'work' }] }));
    assert.notEqual(other.body.id, byMail);
  });

  it('delete: the user and its memberships are erased; the delete audit row keeps only id and userName', async () => {
    const c = await tenant(srv);
    assert.equal(await srv.store.users.setDeprovisionPolicy(c.tenantId, 'delete'), true);
    const id = await createUser(c, 'jo', { externalId: 'jo-1', title: 'Secret title', name: { givenName: 'Jo' } });
    assert.equal((await c.call('DELETE', `/Users/${id}`)).status, 204);
    assert.equal((await c.call('GET', `/Users/${id}`)).status, 404);
    assert.equal(await srv.store.users.get(c.tenantId, id), undefined);
    const again = await c.call('POST', '/Users', user('jo', { externalId: 'jo-1' }));
    assert.notEqual(again.body.id, id, 'nothing to restore');
    const del = (await srv.store.listAuditEvents(c.tenantId, { limit: 100 })).find((r) => r.resourceId === id && r.operation === 'delete');
    assert.ok(del);
    const text = JSON.stringify(del.change);
    assert.match(text, /"jo"/);
    assert.doesNotMatch(text, /Secret title|givenName|jo-1/);
    const events = (await srv.store.listOutboxEvents(c.tenantId, { limit: 100 })).filter((e) => e.type === 'user.deleted');
    assert.deepEqual(events.map((e) => e.payload), [{ id }]);
  });
});
