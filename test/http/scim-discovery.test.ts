/**
 * Discovery (RFC 7644 §4), `/Me` (§3.11), unknown endpoints and wrong methods.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENTERPRISE, GROUP, LIST, SEARCH, startTestServer, tenant, USER, createUser, createGroup } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';
import { scim } from '../helpers/server.ts';

/** Roster's ServiceProviderConfig extension (docs/scim-api.md). */
const ROSTER_SPC = 'urn:ietf:params:scim:schemas:extension:roster:2.0:ServiceProviderConfig';

let srv: TestServer;
let a: Client;

before(async () => {
  srv = await startTestServer({ config: { maxResults: 321 } as never });
  a = await tenant(srv);
});
after(() => srv.close());

const noNulls = (v: unknown): boolean =>
  v !== null && (typeof v !== 'object' || Object.values(v as object).every(noNulls));

describe('discovery', () => {
  it('ServiceProviderConfig is truthful', async () => {
    const r = await a.call('GET', '/ServiceProviderConfig');
    assert.equal(r.status, 200);
    const c = r.body;
    assert.deepEqual(c.schemas, ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig', ROSTER_SPC]);
    assert.deepEqual(c[ROSTER_SPC], {
      maxMultiValued: srv.config.maxMultiValued,
      maxGroupMembers: srv.config.maxGroupMembers,
      listMaxMembers: srv.config.listMaxMembers,
      maxPatchOperations: srv.config.maxPatchOperations,
      filterMaxLength: srv.config.filterMaxLength,
      filterMaxDepth: srv.config.filterMaxDepth,
      maxAttributeNames: 200,
    });
    assert.equal(c.patch.supported, true);
    assert.equal(c.bulk.supported, true);
    assert.equal(c.bulk.maxOperations, srv.config.bulkMaxOperations);
    assert.equal(c.bulk.maxPayloadSize, srv.config.bulkMaxPayloadSize);
    assert.deepEqual(c.filter, { supported: true, maxResults: 321 });
    assert.equal(c.changePassword.supported, false);
    assert.equal(c.sort.supported, true);
    assert.equal(c.etag.supported, true);
    assert.equal(c.authenticationSchemes[0].type, 'oauthbearertoken');
    assert.equal(c.pagination.cursor, true);
    assert.equal(c.pagination.index, true);
    assert.equal(c.pagination.defaultPaginationMethod, 'index');
    assert.equal(c.pagination.maxPageSize, 321);
    assert.equal(typeof c.pagination.cursorTimeout, 'number');
    assert.equal(c.meta.location, `${a.baseUrl}/ServiceProviderConfig`);
    assert.ok(noNulls(c));
  });

  it('/Schemas is a ListResponse with User, enterprise User and Group; /Schemas/{urn}', async () => {
    const r = await a.call('GET', '/Schemas');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.schemas, [LIST]);
    assert.deepEqual(r.body.Resources.map((s: { id: string }) => s.id).sort(), [ENTERPRISE, GROUP, USER].sort());
    assert.equal(r.body.totalResults, 3);
    assert.ok(noNulls(r.body));
    const u = r.body.Resources.find((s: { id: string }) => s.id === USER);
    assert.equal(u.meta.resourceType, 'Schema');
    assert.equal(u.meta.location, `${a.baseUrl}/Schemas/${USER}`);
    const userName = u.attributes.find((x: { name: string }) => x.name === 'userName');
    assert.deepEqual({ required: userName.required, uniqueness: userName.uniqueness, caseExact: userName.caseExact }, { required: true, uniqueness: 'server', caseExact: false });
    const one = await a.call('GET', `/Schemas/${GROUP}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.id, GROUP);
    assert.equal((await a.call('GET', '/Schemas/urn:nope')).status, 404);
  });

  it('/ResourceTypes lists User and Group; /ResourceTypes/User', async () => {
    const r = await a.call('GET', '/ResourceTypes');
    assert.deepEqual(r.body.schemas, [LIST]);
    const user = r.body.Resources.find((t: { name: string }) => t.name === 'User');
    assert.equal(user.endpoint, '/Users');
    assert.equal(user.schema, USER);
    assert.deepEqual(user.schemaExtensions, [{ schema: ENTERPRISE, required: false }]);
    assert.equal(user.meta.resourceType, 'ResourceType');
    const one = await a.call('GET', '/ResourceTypes/Group');
    assert.equal(one.body.endpoint, '/Groups');
  });

  it('AU-12: filter on /Schemas or /ResourceTypes → 403; discovery requires authentication', async () => {
    for (const p of ['/Schemas?filter=id%20pr', '/ResourceTypes?filter=name%20eq%20%22User%22']) {
      const r = await a.call('GET', p);
      assert.equal(r.status, 403, p);
      assert.equal(r.body.status, '403');
    }
    const anon = await scim(a.baseUrl)('GET', '/ServiceProviderConfig');
    assert.equal(anon.status, 401);
  });
});

describe('other endpoints', () => {
  it('/Me → 501; unknown → 404; wrong method → 405 with Allow', async () => {
    const me = await a.call('GET', '/Me');
    assert.equal(me.status, 501);
    assert.equal(me.body.status, '501');
    assert.equal((await a.call('GET', '/Nope')).status, 404);
    assert.equal((await a.call('GET', '/Users/x/y')).status, 404);
    const m = await a.call('DELETE', '/Users');
    assert.equal(m.status, 405);
    assert.equal(m.body.status, '405');
    assert.match(m.headers.get('allow') ?? '', /GET/);
    assert.equal((await a.call('PUT', '/ServiceProviderConfig', {})).status, 405);
  });

  it('root POST /.search returns Users and Groups', async () => {
    await createUser(a, 'root-user');
    await createGroup(a, 'root-group');
    const r = await a.call('POST', '/.search', { schemas: [SEARCH], filter: 'meta.resourceType pr', count: 10 });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.totalResults, 2);
    assert.deepEqual(r.body.Resources.map((x: { meta: { resourceType: string } }) => x.meta.resourceType), ['User', 'Group']);
    const onlyUsers = await a.call('POST', '/.search', { schemas: [SEARCH], filter: 'userName eq "root-user"' });
    assert.equal(onlyUsers.body.totalResults, 1);
    const paged = await a.call('POST', '/.search', { schemas: [SEARCH], startIndex: 2, count: 1 });
    assert.equal(paged.body.Resources[0].displayName, 'root-group');
  });
});
