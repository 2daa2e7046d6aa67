/**
 * RFC 7643 §8 example representations over HTTP: each example resource is POSTed
 * to the real server and read back (every attribute sent comes back as sent,
 * except readOnly and writeOnly ones; `id` and `meta` are issued by the server),
 * and the discovery examples (§8.5–§8.7.1) are checked against what Roster serves.
 * The example resources come from `src/scim/schema/rfc-examples.test-support.ts`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { enterpriseUser, fullUser, group as exampleGroup, minimalUser } from '../../src/scim/schema/rfc-examples.test-support.ts';
import { ENTERPRISE, GROUP, startTestServer, tenant, USER } from '../http/scim-helpers.ts';
import type { Client, TestServer } from '../http/scim-helpers.ts';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const RESOURCE_TYPE = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SPC = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';
const PASSWORD = 't1meMa$heen';

let srv: TestServer;

before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** The body sent minus what the server owns or never returns (readOnly / writeOnly). */
function withoutServerOwned(body: Json, drop: readonly string[] = []): Json {
  const out = clone(body);
  for (const k of ['id', 'meta', 'groups', 'password', ...drop]) delete out[k];
  return out;
}

async function create(c: Client, path: string, body: Json): Promise<{ created: Json; headers: Headers }> {
  const r = await c.call('POST', path, body);
  assert.equal(r.status, 201, `POST ${path}: ${JSON.stringify(r.body)}`);
  return { created: r.body, headers: r.headers };
}
async function get(c: Client, path: string): Promise<Json> {
  const r = await c.call('GET', path);
  assert.equal(r.status, 200, `GET ${path}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/** `id` and `meta` are the server's (RFC 7643 §3.1), never the RFC example's. */
function assertServerIssued(c: Client, res: Json, sent: Json, resourceType: string, endpoint: string): void {
  assert.equal(typeof res.id, 'string');
  assert.notEqual(res.id, sent.id);
  assert.equal(res.meta.resourceType, resourceType);
  assert.equal(res.meta.location, `${c.baseUrl}/${endpoint}/${res.id}`);
  assert.notEqual(res.meta.created, sent.meta.created);
  assert.notEqual(res.meta.version, sent.meta.version);
  assert.match(res.meta.version, /^W\/".+"$/);
  assert.ok(!Number.isNaN(Date.parse(res.meta.created)));
  assert.ok(!Number.isNaN(Date.parse(res.meta.lastModified)));
}

/** Asserts that `res` holds exactly the client-owned attributes of `expected`. */
function assertEcho(res: Json, expected: Json, ignore: readonly string[] = []): void {
  const got = clone(res);
  for (const k of ['id', 'meta', 'groups', ...ignore]) delete got[k];
  assert.deepEqual(got, expected);
}

describe('RFC 7643 §8 example resources', () => {
  it('RFC 7643 §8.1 minimal user representation: POST and GET back', async () => {
    const c = await tenant(srv);
    const { created } = await create(c, '/Users', minimalUser);
    assertServerIssued(c, created, minimalUser, 'User', 'Users');
    const got = await get(c, `/Users/${created.id}`);
    assert.deepEqual(got, created);
    assertEcho(got, withoutServerOwned(minimalUser));
    assert.equal(got.meta.created, got.meta.lastModified); // never modified (RFC 7643 §3.1)
  });

  it('RFC 7643 §8.2 full user representation: every attribute as sent; password never returned', async () => {
    const c = await tenant(srv);
    const { created } = await create(c, '/Users', fullUser);
    assertServerIssued(c, created, fullUser, 'User', 'Users');
    assert.equal(created.password, undefined);
    const got = await get(c, `/Users/${created.id}`);
    assertEcho(got, withoutServerOwned(fullUser));
    // groups is readOnly (RFC 7643 §4.1.2): the RFC's group ids are not memberships here.
    assert.deepEqual(got.groups ?? [], []);
    // password is writeOnly / returned "never" (RFC 7643 §4.1.1, §7): not even on request.
    assert.equal(got.password, undefined);
    assert.equal((await get(c, `/Users/${created.id}?attributes=password`)).password, undefined);
    const list = await get(c, '/Users?attributes=password,userName');
    assert.equal(list.Resources[0].password, undefined);
    assert.ok(!JSON.stringify(list).includes(PASSWORD));
    assert.ok(!srv.logs().includes(PASSWORD), 'the password appears in the logs');
  });

  it('RFC 7643 §8.2 full user plus entitlements and roles (RFC 7643 §4.1.2): returned as sent', async () => {
    const c = await tenant(srv);
    const body = {
      ...clone(fullUser),
      entitlements: [{ value: 'Park Access', type: 'badge', primary: true }],
      roles: [{ value: 'Guide', display: 'Tour guide', type: 'job' }, { value: 'Trainer' }],
    };
    const { created } = await create(c, '/Users', body);
    const got = await get(c, `/Users/${created.id}`);
    assertEcho(got, withoutServerOwned(body));
    assert.ok(!JSON.stringify(got).includes(PASSWORD));
  });

  it('RFC 7643 §8.3 enterprise user with a manager (manager id substituted)', async () => {
    const c = await tenant(srv);
    const { created: manager } = await create(c, '/Users', { schemas: [USER], userName: 'jsmith', displayName: 'John Smith' });
    const body = clone(enterpriseUser);
    const ext = body[ENTERPRISE] as Json;
    ext.manager.value = manager.id;
    ext.manager.$ref = `../Users/${manager.id}`;
    const { created } = await create(c, '/Users', body);
    assertServerIssued(c, created, enterpriseUser, 'User', 'Users');
    assert.deepEqual(created.schemas, [USER, ENTERPRISE]);
    const got = await get(c, `/Users/${created.id}`);
    // manager.displayName is readOnly (RFC 7643 §4.3): the server's, not the client's.
    const gotManager = got[ENTERPRISE].manager;
    assert.ok(gotManager.displayName === undefined || gotManager.displayName === 'John Smith', JSON.stringify(gotManager));
    const expected = withoutServerOwned(body);
    delete expected[ENTERPRISE].manager.displayName;
    const echoed = clone(got);
    delete echoed[ENTERPRISE].manager.displayName;
    assertEcho(echoed, expected);
    // The extension is addressable by URN (RFC 7644 §3.10).
    const only = await get(c, `/Users/${created.id}?attributes=${encodeURIComponent(`${ENTERPRISE}:manager.value`)}`);
    assert.deepEqual(only[ENTERPRISE], { manager: { value: manager.id } });
  });

  it('RFC 7643 §8.4 group representation: members (ids substituted) as sent; users list the group', async () => {
    const c = await tenant(srv);
    const { created: babs } = await create(c, '/Users', { schemas: [USER], userName: 'bjensen@example.com', displayName: 'Babs Jensen' });
    const { created: mandy } = await create(c, '/Users', { schemas: [USER], userName: 'mpepperidge', displayName: 'Mandy Pepperidge' });
    const body = clone(exampleGroup);
    const users = [babs, mandy];
    (body.members as Json[]).forEach((m, i) => {
      m.value = users[i].id;
      m.$ref = `${c.baseUrl}/Users/${users[i].id}`;
    });
    const { created } = await create(c, '/Groups', body);
    assertServerIssued(c, created, exampleGroup, 'Group', 'Groups');
    assert.deepEqual(created.schemas, [GROUP]);
    const got = await get(c, `/Groups/${created.id}`);
    assert.equal(got.displayName, 'Tour Guides');
    const members = [...(got.members as Json[])].sort((x, y) => (x.display < y.display ? -1 : 1));
    assert.deepEqual(members, (body.members as Json[]).map((m) => ({ ...m, type: 'User' })));
    const u = await get(c, `/Users/${babs.id}`);
    assert.deepEqual(u.groups.map((g: Json) => [g.value, g.display]), [[created.id, 'Tour Guides']]);
    assert.equal(u.groups[0].$ref, `${c.baseUrl}/Groups/${created.id}`);
  });

  it('RFC 7643 §3.1 meta.location equals the Content-Location response header; meta.version equals ETag', async () => {
    const c = await tenant(srv);
    const { created } = await create(c, '/Users', minimalUser);
    const r = await c.call('GET', `/Users/${created.id}`);
    assert.equal(r.headers.get('etag'), r.body.meta.version);
    assert.equal(r.headers.get('content-location'), r.body.meta.location);
  });
});

describe('RFC 7643 §8.5–§8.7 discovery representations', () => {
  let c: Client;
  before(async () => {
    c = await tenant(srv);
  });

  it('RFC 7643 §8.5 resource type representation: GET /ResourceTypes/User and /ResourceTypes/Group', async () => {
    const user = await get(c, '/ResourceTypes/User');
    assert.deepEqual(user.schemas, [RESOURCE_TYPE]);
    assert.equal(user.id, 'User');
    assert.equal(user.name, 'User');
    assert.equal(user.endpoint, '/Users');
    assert.equal(user.description, 'User Account');
    assert.equal(user.schema, USER);
    // The RFC's example marks the extension required; Roster makes it optional (docs/schema.md).
    assert.deepEqual(user.schemaExtensions, [{ schema: ENTERPRISE, required: false }]);
    assert.equal(user.meta.location, `${c.baseUrl}/ResourceTypes/User`);
    assert.equal(user.meta.resourceType, 'ResourceType');
    const group = await get(c, '/ResourceTypes/Group');
    assert.deepEqual(group.schemas, [RESOURCE_TYPE]);
    assert.deepEqual([group.id, group.name, group.endpoint, group.description, group.schema], ['Group', 'Group', '/Groups', 'Group', GROUP]);
    assert.deepEqual(group.schemaExtensions ?? [], []);
    assert.equal(group.meta.location, `${c.baseUrl}/ResourceTypes/Group`);
    assert.equal(group.meta.resourceType, 'ResourceType');
  });

  it('RFC 7643 §8.6 service provider configuration representation', async () => {
    const cfg = await get(c, '/ServiceProviderConfig');
    // RFC 7643 §3: the core URN, then one URN per extension block present (Roster's limits).
    assert.equal(cfg.schemas[0], SPC);
    for (const urn of (cfg.schemas as string[]).slice(1)) assert.equal(typeof cfg[urn], 'object', urn);
    if (cfg.documentationUri !== undefined) assert.equal(typeof cfg.documentationUri, 'string');
    assert.deepEqual(cfg.patch, { supported: true });
    assert.deepEqual(cfg.bulk, { supported: true, maxOperations: srv.config.bulkMaxOperations, maxPayloadSize: srv.config.bulkMaxPayloadSize });
    assert.deepEqual(cfg.filter, { supported: true, maxResults: srv.config.maxResults });
    assert.deepEqual(cfg.changePassword, { supported: false }); // passwords are never stored (docs/scim-api.md)
    assert.deepEqual(cfg.sort, { supported: true });
    assert.deepEqual(cfg.etag, { supported: true });
    const types = new Set(['oauth', 'oauth2', 'oauthbearertoken', 'httpbasic', 'httpdigest']);
    assert.ok(cfg.authenticationSchemes.length >= 1);
    for (const s of cfg.authenticationSchemes as Json[]) {
      assert.ok(types.has(s.type), s.type);
      assert.equal(typeof s.name, 'string');
      assert.equal(typeof s.description, 'string');
    }
    assert.ok((cfg.authenticationSchemes as Json[]).some((s) => s.type === 'oauthbearertoken'));
    assert.equal(cfg.meta.resourceType, 'ServiceProviderConfig');
    assert.equal(cfg.meta.location, `${c.baseUrl}/ServiceProviderConfig`);
  });

  /** Finds an attribute (or `a.b` sub-attribute) in a schema representation. */
  const attr = (schema: Json, path: string): Json => {
    const [name, sub] = path.split('.');
    const top = (schema.attributes as Json[]).find((x) => x.name === name);
    assert.ok(top !== undefined, `no attribute ${name}`);
    if (sub === undefined) return top;
    const s = (top.subAttributes as Json[]).find((x) => x.name === sub);
    assert.ok(s !== undefined, `no sub-attribute ${path}`);
    return s;
  };
  /** Asserts the listed characteristics of one attribute. */
  const has = (schema: Json, path: string, expected: Record<string, unknown>): void => {
    const a = attr(schema, path);
    for (const [k, v] of Object.entries(expected)) assert.deepEqual(a[k], v, `${path}.${k}`);
  };

  it('RFC 7643 §8.7.1 the User schema: characteristics of userName, name, password, emails, photos, groups, x509Certificates, …', async () => {
    const s = await get(c, `/Schemas/${USER}`);
    assert.deepEqual(s.schemas, [SCHEMA]);
    assert.equal(s.id, USER);
    assert.equal(s.name, 'User');
    assert.equal(s.description, 'User Account');
    assert.equal(s.meta.resourceType, 'Schema');
    assert.equal(s.meta.location, `${c.baseUrl}/Schemas/${USER}`);
    has(s, 'userName', { type: 'string', multiValued: false, required: true, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'server' });
    has(s, 'name', { type: 'complex', multiValued: false, required: false, mutability: 'readWrite', returned: 'default', uniqueness: 'none' });
    assert.deepEqual(
      (attr(s, 'name').subAttributes as Json[]).map((x) => x.name).sort(),
      ['familyName', 'formatted', 'givenName', 'honorificPrefix', 'honorificSuffix', 'middleName'],
    );
    has(s, 'name.familyName', { type: 'string', multiValued: false, required: false, caseExact: false });
    has(s, 'displayName', { type: 'string', multiValued: false, required: false, caseExact: false, mutability: 'readWrite', uniqueness: 'none' });
    has(s, 'profileUrl', { type: 'reference', referenceTypes: ['external'] });
    has(s, 'active', { type: 'boolean', multiValued: false, required: false });
    has(s, 'password', { type: 'string', multiValued: false, required: false, caseExact: false, mutability: 'writeOnly', returned: 'never', uniqueness: 'none' });
    has(s, 'emails', { type: 'complex', multiValued: true, required: false, mutability: 'readWrite' });
    has(s, 'emails.value', { type: 'string', multiValued: false, caseExact: false });
    has(s, 'emails.type', { type: 'string', canonicalValues: ['work', 'home', 'other'] });
    has(s, 'emails.primary', { type: 'boolean' });
    has(s, 'phoneNumbers.type', { canonicalValues: ['work', 'home', 'mobile', 'fax', 'pager', 'other'] });
    has(s, 'ims.type', { canonicalValues: ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo'] });
    has(s, 'photos.value', { type: 'reference', referenceTypes: ['external'] });
    has(s, 'photos.type', { canonicalValues: ['photo', 'thumbnail'] });
    has(s, 'addresses', { type: 'complex', multiValued: true });
    has(s, 'addresses.type', { canonicalValues: ['work', 'home', 'other'] });
    for (const sub of ['formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country']) has(s, `addresses.${sub}`, { type: 'string' });
    has(s, 'groups', { type: 'complex', multiValued: true, mutability: 'readOnly' });
    has(s, 'groups.value', { mutability: 'readOnly' });
    has(s, 'groups.$ref', { type: 'reference', referenceTypes: ['User', 'Group'], mutability: 'readOnly' });
    has(s, 'groups.type', { canonicalValues: ['direct', 'indirect'], mutability: 'readOnly' });
    has(s, 'entitlements', { type: 'complex', multiValued: true });
    has(s, 'roles', { type: 'complex', multiValued: true });
    has(s, 'x509Certificates', { type: 'complex', multiValued: true });
    has(s, 'x509Certificates.value', { type: 'binary' });
  });

  it('RFC 7643 §8.7.1 the Group and enterprise User schemas: members and manager characteristics', async () => {
    const g = await get(c, `/Schemas/${GROUP}`);
    assert.equal(g.name, 'Group');
    has(g, 'displayName', { type: 'string', multiValued: false });
    has(g, 'members', { type: 'complex', multiValued: true, required: false });
    has(g, 'members.value', { mutability: 'immutable' });
    has(g, 'members.$ref', { type: 'reference', referenceTypes: ['User', 'Group'], mutability: 'immutable' });
    has(g, 'members.type', { canonicalValues: ['User', 'Group'], mutability: 'immutable' });
    const e = await get(c, `/Schemas/${ENTERPRISE}`);
    assert.equal(e.name, 'EnterpriseUser');
    for (const n of ['employeeNumber', 'costCenter', 'organization', 'division', 'department']) has(e, n, { type: 'string', multiValued: false });
    has(e, 'manager', { type: 'complex', multiValued: false });
    has(e, 'manager.$ref', { type: 'reference', referenceTypes: ['User'] });
    has(e, 'manager.displayName', { mutability: 'readOnly' });
  });
});
