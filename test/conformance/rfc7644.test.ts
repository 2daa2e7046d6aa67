/**
 * RFC 7644 §3 and §4, example by example, over HTTP against the real server.
 * Each test reproduces one request/response example of the RFC (ids and
 * versions are server-issued, so the RFC's literal ids are substituted).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BULK_REQ, ENTERPRISE, ERROR, GROUP, LIST, PATCH_OP, SEARCH, startTestServer, tenant, USER } from '../http/scim-helpers.ts';
import type { Client, TestServer } from '../http/scim-helpers.ts';

const BULK_RES = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';
const SPC = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RESOURCE_TYPE = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

let srv: TestServer;
let a: Client;

before(async () => {
  srv = await startTestServer();
  a = await tenant(srv);
});
after(() => srv.close());

const q = (s: string): string => encodeURIComponent(s);
const patchOp = (...Operations: unknown[]): Json => ({ schemas: [PATCH_OP], Operations });
const bulkReq = (Operations: unknown[], extra: Record<string, unknown> = {}): Json => ({ schemas: [BULK_REQ], ...extra, Operations });
const lastSegment = (location: string): string => location.split('/').pop() as string;

async function post(c: Client, path: string, body: Json): Promise<Json> {
  const r = await c.call('POST', path, body);
  assert.equal(r.status, 201, `POST ${path}: ${JSON.stringify(r.body)}`);
  return r.body;
}
async function get(c: Client, path: string): Promise<Json> {
  const r = await c.call('GET', path);
  assert.equal(r.status, 200, `GET ${path}: ${JSON.stringify(r.body)}`);
  return r.body;
}
/**
 * RFC 7644 §3.5.2: a successful PATCH answers 200 with the resource, or 204. Roster
 * answers 200 for Users and 204 (with the new ETag) for Groups unless the request
 * names `attributes`/`excludedAttributes`; either way the resource is read back.
 */
async function patchOk(c: Client, path: string, body: Json): Promise<Json> {
  const r = await c.call('PATCH', path, body);
  const group = path.startsWith('/Groups/');
  assert.equal(r.status, group ? 204 : 200, `PATCH ${path}: ${JSON.stringify(r.body)}`);
  if (!group) return r.body;
  const now = await c.call('GET', path);
  assert.equal(now.status, 200);
  assert.equal(r.headers.get('etag'), now.body.meta.version, 'the 204 carries the new ETag');
  return now.body;
}
const memberIds = (g: Json): string[] => ((g.members ?? []) as { value: string }[]).map((m) => m.value).sort();
const sorted = (xs: string[]): string[] => [...xs].sort();

/** Asserts an RFC 7644 §3.12 error body. */
function assertError(r: { status: number; body: Json; headers: Headers }, status: number, scimType?: string): void {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.deepEqual(r.body.schemas, [ERROR]);
  assert.equal(r.body.status, String(status)); // §3.12: status is a string
  assert.equal(r.body.scimType, scimType);
  assert.equal(typeof r.body.detail, 'string');
  assert.match(r.headers.get('content-type') ?? '', /^application\/scim\+json/);
}

// ---------------------------------------------------------------------------
// §3.3 – §3.6: the lifecycle of the RFC's bjensen, in the RFC's order.
// ---------------------------------------------------------------------------
describe('RFC 7644 §3.3–§3.6 bjensen lifecycle', () => {
  let bjensen: Json;
  let group: Json;
  const users: Record<string, string> = {};

  it('RFC 7644 §3.3 creating a User: 201, Location = meta.location, ETag = meta.version, attributes echoed', async () => {
    const body = {
      schemas: [USER],
      userName: 'bjensen',
      externalId: 'bjensen',
      name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara' },
    };
    const r = await a.call('POST', '/Users', body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.match(r.headers.get('content-type') ?? '', /^application\/scim\+json/);
    const u = r.body;
    assert.deepEqual(u.schemas, [USER]);
    assert.equal(typeof u.id, 'string');
    assert.ok(u.id.length > 0);
    assert.equal(u.userName, 'bjensen');
    assert.equal(u.externalId, 'bjensen');
    assert.deepEqual(u.name, body.name);
    assert.equal(u.meta.resourceType, 'User');
    assert.equal(u.meta.location, `${a.baseUrl}/Users/${u.id}`);
    assert.equal(r.headers.get('location'), u.meta.location);
    assert.equal(r.headers.get('etag'), u.meta.version);
    assert.equal(u.meta.created, u.meta.lastModified);
    assert.ok(!Number.isNaN(Date.parse(u.meta.created)));
    bjensen = u;
  });

  it('RFC 7644 §3.3.1 resource types: POST /Groups sets meta.resourceType "Group"', async () => {
    const g = await post(a, '/Groups', { schemas: [GROUP], displayName: 'Tour Guides' });
    assert.deepEqual(g.schemas, [GROUP]);
    assert.equal(g.meta.resourceType, 'Group');
    assert.equal(g.meta.location, `${a.baseUrl}/Groups/${g.id}`);
    group = g;
  });

  it('RFC 7644 §3.4.1 retrieving a known resource: GET /Users/{id}', async () => {
    const r = await a.call('GET', `/Users/${bjensen.id}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('etag'), bjensen.meta.version);
    assert.equal(r.body.id, bjensen.id);
    assert.equal(r.body.userName, 'bjensen');
    assert.equal(r.body.externalId, 'bjensen');
    assert.deepEqual(r.body.name, bjensen.name);
    assert.deepEqual(r.body.meta, bjensen.meta);
  });

  it('RFC 7644 §3.4.1 retrieving a known resource with attributes=userName,name.familyName', async () => {
    const u = await get(a, `/Users/${bjensen.id}?attributes=${q('userName,name.familyName')}`);
    assert.equal(u.id, bjensen.id); // returned: always
    assert.equal(u.userName, 'bjensen');
    assert.deepEqual(u.name, { familyName: 'Jensen' });
    assert.equal(u.externalId, undefined);
    assert.equal(u.meta, undefined);
  });

  it('RFC 7644 §3.5.1 replacing with PUT: values replaced, a new version issued', async () => {
    const body = {
      schemas: [USER],
      id: bjensen.id,
      userName: 'bjensen',
      externalId: 'bjensen',
      name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara', middleName: 'Jane' },
      roles: [],
      emails: [{ value: 'bjensen@example.com' }, { value: 'babs@jensen.org' }],
    };
    const r = await a.call('PUT', `/Users/${bjensen.id}`, body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const u = r.body;
    assert.equal(u.id, bjensen.id);
    assert.deepEqual(u.name, body.name);
    assert.deepEqual(u.emails, body.emails);
    assert.equal(u.roles, undefined); // [] = unassigned (RFC 7643 §2.5)
    assert.notEqual(u.meta.version, bjensen.meta.version);
    assert.equal(r.headers.get('etag'), u.meta.version);
    assert.equal(u.meta.created, bjensen.meta.created);
    assert.ok(Date.parse(u.meta.lastModified) >= Date.parse(bjensen.meta.lastModified));
    assert.deepEqual(await get(a, `/Users/${bjensen.id}`), u);
    bjensen = u;
  });

  it('RFC 7644 §3.5.2.1 add: a member to a group', async () => {
    const ref = `${a.baseUrl}/Users/${bjensen.id}`;
    const g = await patchOk(a, `/Groups/${group.id}`, patchOp({
      op: 'add', path: 'members', value: [{ display: 'Babs Jensen', $ref: ref, value: bjensen.id }],
    }));
    assert.deepEqual(memberIds(g), [bjensen.id]);
    const got = await get(a, `/Groups/${group.id}`);
    assert.equal(got.members.length, 1);
    assert.equal(got.members[0].value, bjensen.id);
    assert.equal(got.members[0].$ref, ref);
    assert.equal(got.members[0].type, 'User');
    const u = await get(a, `/Users/${bjensen.id}`);
    assert.deepEqual(u.groups.map((x: Json) => x.value), [group.id]);
  });

  it('RFC 7644 §3.5.2.1 add without path: emails value appended, "nickname" (any case) added', async () => {
    const id = (await post(a, '/Users', {
      schemas: [USER], userName: 'babs', emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }],
    })).id;
    users.babs = id;
    await patchOk(a, `/Users/${id}`, patchOp({
      op: 'add', value: { emails: [{ value: 'babs@jensen.org', type: 'home' }], nickname: 'Babs' },
    }));
    const u = await get(a, `/Users/${id}`);
    assert.equal(u.nickName, 'Babs');
    assert.deepEqual(u.emails, [
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ]);
  });

  it('RFC 7644 §3.5.2.2 remove: a single member members[value eq "…"]', async () => {
    users.mandy = (await post(a, '/Users', { schemas: [USER], userName: 'mandy', displayName: 'Mandy Pepperidge' })).id;
    users.jsmith = (await post(a, '/Users', { schemas: [USER], userName: 'jsmith', displayName: 'James Smith' })).id;
    await patchOk(a, `/Groups/${group.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: users.mandy }] }));
    assert.deepEqual(memberIds(await get(a, `/Groups/${group.id}`)), sorted([bjensen.id, users.mandy!]));
    await patchOk(a, `/Groups/${group.id}`, patchOp({ op: 'remove', path: `members[value eq "${bjensen.id}"]` }));
    assert.deepEqual(memberIds(await get(a, `/Groups/${group.id}`)), [users.mandy]);
  });

  it('RFC 7644 §3.5.2.2 remove: all members', async () => {
    await patchOk(a, `/Groups/${group.id}`, patchOp({ op: 'remove', path: 'members' }));
    const g = await get(a, `/Groups/${group.id}`);
    assert.deepEqual(g.members ?? [], []);
    assert.equal(g.displayName, 'Tour Guides');
  });

  it('RFC 7644 §3.5.2.2 remove then add: remove all members, add a new list in one request', async () => {
    await patchOk(a, `/Groups/${group.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: users.mandy }] }));
    await patchOk(a, `/Groups/${group.id}`, patchOp(
      { op: 'remove', path: 'members' },
      {
        op: 'add', path: 'members', value: [
          { display: 'Babs Jensen', $ref: `${a.baseUrl}/Users/${bjensen.id}`, value: bjensen.id },
          { display: 'James Smith', $ref: `${a.baseUrl}/Users/${users.jsmith}`, value: users.jsmith },
        ],
      },
    ));
    assert.deepEqual(memberIds(await get(a, `/Groups/${group.id}`)), sorted([bjensen.id, users.jsmith!]));
  });

  it('RFC 7644 §3.5.2.2 remove: multiple members through one value filter', async () => {
    await patchOk(a, `/Groups/${group.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: users.mandy }] }));
    await patchOk(a, `/Groups/${group.id}`, patchOp({
      op: 'remove', path: `members[value eq "${bjensen.id}" or value eq "${users.jsmith}"]`,
    }));
    assert.deepEqual(memberIds(await get(a, `/Groups/${group.id}`)), [users.mandy]);
  });

  it('RFC 7644 §3.5.2.2 remove: values of a complex multi-valued attribute matched by a filter', async () => {
    const id = users.babs!;
    await patchOk(a, `/Users/${id}`, patchOp({ op: 'remove', path: 'emails[type eq "work" and value ew "example.com"]' }));
    const u = await get(a, `/Users/${id}`);
    assert.deepEqual(u.emails, [{ value: 'babs@jensen.org', type: 'home' }]);
    // A sub-attribute of the matched element: only that sub-attribute goes.
    await patchOk(a, `/Users/${id}`, patchOp({ op: 'remove', path: 'emails[type eq "home"].type' }));
    assert.deepEqual((await get(a, `/Users/${id}`)).emails, [{ value: 'babs@jensen.org' }]);
  });

  it('RFC 7644 §3.5.2.3 replace: all members', async () => {
    await patchOk(a, `/Groups/${group.id}`, patchOp({
      op: 'replace', path: 'members', value: [
        { display: 'Babs Jensen', $ref: `${a.baseUrl}/Users/${bjensen.id}`, value: bjensen.id },
        { display: 'James Smith', $ref: `${a.baseUrl}/Users/${users.jsmith}`, value: users.jsmith },
      ],
    }));
    assert.deepEqual(memberIds(await get(a, `/Groups/${group.id}`)), sorted([bjensen.id, users.jsmith!]));
  });

  const WORK = {
    type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood', region: 'CA',
    postalCode: '91608', country: 'USA', formatted: '100 Universal City Plaza\nHollywood, CA 91608 USA', primary: true,
  };
  const HOME = {
    type: 'home', streetAddress: '456 Hollywood Blvd', locality: 'Hollywood', region: 'CA',
    postalCode: '91608', country: 'USA', formatted: '456 Hollywood Blvd\nHollywood, CA 91608 USA',
  };

  it('RFC 7644 §3.5.2.3 replace: the work address addresses[type eq "work"]', async () => {
    users.addr = (await post(a, '/Users', { schemas: [USER], userName: 'addressed', addresses: [WORK, HOME] })).id;
    const value = {
      type: 'work', streetAddress: '911 Universal City Plaza', locality: 'Hollywood', region: 'CA', postalCode: '91608',
      country: 'US', formatted: '911 Universal City Plaza\nHollywood, CA 91608 US', primary: true,
    };
    await patchOk(a, `/Users/${users.addr}`, patchOp({ op: 'replace', path: 'addresses[type eq "work"]', value }));
    assert.deepEqual((await get(a, `/Users/${users.addr}`)).addresses, [value, HOME]);
  });

  it('RFC 7644 §3.5.2.3 replace: addresses[type eq "work"].streetAddress', async () => {
    await patchOk(a, `/Users/${users.addr}`, patchOp({ op: 'replace', path: 'addresses[type eq "work"].streetAddress', value: '1010 Broadway Ave' }));
    const u = await get(a, `/Users/${users.addr}`);
    assert.equal(u.addresses[0].streetAddress, '1010 Broadway Ave');
    assert.equal(u.addresses[0].formatted, '911 Universal City Plaza\nHollywood, CA 91608 US');
    assert.deepEqual(u.addresses[1], HOME);
  });

  it('RFC 7644 §3.5.2.3 replace without path: userName, emails and "nickname"', async () => {
    const emails = [{ value: 'bjensen@example.com', type: 'work', primary: true }, { value: 'babs@jensen.org', type: 'home' }];
    await patchOk(a, `/Users/${users.babs}`, patchOp({ op: 'replace', value: { userName: 'babs2', emails, nickname: 'Babsy' } }));
    const u = await get(a, `/Users/${users.babs}`);
    assert.equal(u.userName, 'babs2');
    assert.deepEqual(u.emails, emails);
    assert.equal(u.nickName, 'Babsy');
  });

  it('RFC 7644 §3.6 deleting a resource: 204, then 404 for GET, PUT, PATCH, DELETE', async () => {
    const r = await a.call('DELETE', `/Users/${bjensen.id}`);
    assert.equal(r.status, 204);
    assert.equal(r.body, undefined);
    assertError(await a.call('GET', `/Users/${bjensen.id}`), 404);
    assertError(await a.call('PUT', `/Users/${bjensen.id}`, { schemas: [USER], userName: 'bjensen' }), 404);
    assertError(await a.call('PATCH', `/Users/${bjensen.id}`, patchOp({ op: 'add', path: 'title', value: 'x' })), 404);
    assertError(await a.call('DELETE', `/Users/${bjensen.id}`), 404);
    // The deleted user is no longer a member anywhere.
    assert.deepEqual(memberIds(await get(a, `/Groups/${group.id}`)), [users.jsmith]);
  });
});

// ---------------------------------------------------------------------------
// §3.4.2 query examples.
// ---------------------------------------------------------------------------
describe('RFC 7644 §3.4.2 query', () => {
  let t: Client;
  const ids: Record<string, string> = {};

  before(async () => {
    t = await tenant(srv);
    ids.bjensen = (await post(t, '/Users', {
      schemas: [USER, ENTERPRISE], userName: 'bjensen', displayName: 'Babs Jensen', title: 'Tour Guide', userType: 'Employee',
      name: { familyName: 'Jensen', givenName: 'Barbara' }, emails: [{ value: 'bjensen@example.com', type: 'work' }],
      [ENTERPRISE]: { employeeNumber: '701984' },
    })).id;
    ids.jomalley = (await post(t, '/Users', {
      schemas: [USER], userName: 'jomalley', displayName: "Jo O'Malley", userType: 'Intern',
      name: { familyName: "O'Malley", givenName: 'Jo' }, emails: [{ value: 'jo@example.org', type: 'home' }],
    })).id;
    ids.JDoe = (await post(t, '/Users', {
      schemas: [USER], userName: 'JDoe', title: 'Engineer', userType: 'Contractor',
      emails: [{ value: 'jdoe@foo.com', type: 'work' }], ims: [{ value: 'jdoe@foo.com', type: 'xmpp' }],
    })).id;
  });

  const names = (body: Json): string[] => sorted((body.Resources as Json[]).map((r) => r.userName));

  it('RFC 7644 §3.4.2 GET /Users?attributes=userName: a ListResponse of id + userName', async () => {
    const body = await get(t, '/Users?attributes=userName');
    assert.deepEqual(body.schemas, [LIST]);
    assert.equal(body.totalResults, 3);
    for (const r of body.Resources as Json[]) {
      assert.deepEqual(Object.keys(r).filter((k) => k !== 'schemas').sort(), ['id', 'userName']);
    }
  });

  it('RFC 7644 §3.4.2 GET /Users?filter=userName eq "bjensen"', async () => {
    const body = await get(t, `/Users?filter=${q('userName eq "bjensen"')}`);
    assert.equal(body.totalResults, 1);
    assert.equal(body.Resources[0].id, ids.bjensen);
  });

  it('RFC 7644 §3.4.2 GET /Users?attributes=displayName&filter=userName eq "bjensen"', async () => {
    const body = await get(t, `/Users?attributes=displayName&filter=${q('userName eq "bjensen"')}`);
    assert.equal(body.totalResults, 1);
    const r = body.Resources[0];
    assert.equal(r.id, ids.bjensen);
    assert.equal(r.displayName, 'Babs Jensen');
    assert.equal(r.userName, undefined);
  });

  // RFC 7644 §3.4.2.2: every filter example of the section, against three users.
  const cases: [string, string[]][] = [
    ['userName eq "bjensen"', ['bjensen']],
    ['name.familyName co "O\'Malley"', ['jomalley']],
    ['userName sw "J"', ['JDoe', 'jomalley']],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"', ['JDoe', 'jomalley']],
    ['title pr', ['JDoe', 'bjensen']],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', ['JDoe', 'bjensen', 'jomalley']],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', ['JDoe', 'bjensen', 'jomalley']],
    ['meta.lastModified lt "2011-05-13T04:42:34Z"', []],
    ['meta.lastModified le "2011-05-13T04:42:34Z"', []],
    ['title pr and userType eq "Employee"', ['bjensen']],
    ['title pr or userType eq "Intern"', ['JDoe', 'bjensen', 'jomalley']],
    [`schemas eq "${ENTERPRISE}"`, ['bjensen']],
    ['userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")', ['bjensen']],
    ['userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")', ['JDoe']],
    ['userType eq "Employee" and (emails.type eq "work")', ['bjensen']],
    ['userType eq "Employee" and emails[type eq "work" and value co "@example.com"]', ['bjensen']],
    ['emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]', ['JDoe', 'bjensen']],
  ];
  for (const [filter, expected] of cases) {
    it(`RFC 7644 §3.4.2.2 filter=${filter}`, async () => {
      const body = await get(t, `/Users?filter=${q(filter)}`);
      assert.equal(body.totalResults, expected.length);
      assert.deepEqual(names(body), sorted(expected));
    });
  }

  it('RFC 7644 §3.4.2.2 GET /Groups?filter=displayName eq "…" (a filter on another endpoint)', async () => {
    const gid = (await post(t, '/Groups', { schemas: [GROUP], displayName: 'Employees', members: [{ value: ids.bjensen }] })).id;
    const body = await get(t, `/Groups?filter=${q('displayName eq "employees"')}`);
    assert.equal(body.totalResults, 1);
    assert.equal(body.Resources[0].id, gid);
  });

  it('RFC 7644 §3.4.2.3 sortBy=userName, sortOrder ascending and descending (caseExact=false → case-insensitive)', async () => {
    const asc = await get(t, '/Users?sortBy=userName&sortOrder=ascending');
    assert.deepEqual(asc.Resources.map((r: Json) => r.userName), ['bjensen', 'JDoe', 'jomalley']);
    const desc = await get(t, '/Users?sortBy=userName&sortOrder=descending');
    assert.deepEqual(desc.Resources.map((r: Json) => r.userName), ['jomalley', 'JDoe', 'bjensen']);
    const dflt = await get(t, '/Users?sortBy=userName');
    assert.deepEqual(dflt.Resources.map((r: Json) => r.userName), ['bjensen', 'JDoe', 'jomalley']);
  });

  it('RFC 7644 §3.4.2.3 sortBy=name.familyName: missing values sort last ascending, first descending', async () => {
    const asc = await get(t, '/Users?sortBy=name.familyName&sortOrder=ascending');
    assert.deepEqual(asc.Resources.map((r: Json) => r.userName), ['bjensen', 'jomalley', 'JDoe']);
    const desc = await get(t, '/Users?sortBy=name.familyName&sortOrder=descending');
    assert.deepEqual(desc.Resources.map((r: Json) => r.userName), ['JDoe', 'jomalley', 'bjensen']);
  });

  it('RFC 7644 §3.4.2.5 attributes and excludedAttributes', async () => {
    const only = await get(t, `/Users/${ids.bjensen}?attributes=displayName`);
    assert.deepEqual(Object.keys(only).filter((k) => k !== 'schemas').sort(), ['displayName', 'id']);
    const excluded = await get(t, `/Users/${ids.bjensen}?excludedAttributes=${q('emails,name,id')}`);
    assert.equal(excluded.id, ids.bjensen); // returned: always cannot be excluded
    assert.equal(excluded.emails, undefined);
    assert.equal(excluded.name, undefined);
    assert.equal(excluded.userName, 'bjensen');
    assert.equal(excluded.title, 'Tour Guide');
    assert.equal(excluded[ENTERPRISE].employeeNumber, '701984');
    assert.equal(excluded.meta.resourceType, 'User');
    const ext = await get(t, `/Users/${ids.bjensen}?attributes=${q(`${ENTERPRISE}:employeeNumber`)}`);
    assert.deepEqual(ext[ENTERPRISE], { employeeNumber: '701984' });
    assert.equal(ext.userName, undefined);
    const list = await get(t, `/Users?excludedAttributes=emails&filter=${q('userName eq "bjensen"')}`);
    assert.equal(list.Resources[0].emails, undefined);
    assert.equal(list.Resources[0].userName, 'bjensen');
  });
});

describe('RFC 7644 §3.4.2.4 pagination', () => {
  let t: Client;
  before(async () => {
    t = await tenant(srv);
    const ops = Array.from({ length: 100 }, (_, i) => ({
      method: 'POST', path: '/Users', bulkId: `u${i}`, data: { schemas: [USER], userName: `user${String(i).padStart(3, '0')}` },
    }));
    const r = await t.call('POST', '/Bulk', bulkReq(ops));
    assert.equal(r.status, 200);
    assert.ok((r.body.Operations as Json[]).every((o) => o.status === '201'));
  });

  it('RFC 7644 §3.4.2.4 GET /Users?startIndex=1&count=10: totalResults 100, itemsPerPage 10, startIndex 1', async () => {
    const body = await get(t, '/Users?startIndex=1&count=10&sortBy=userName');
    assert.deepEqual(body.schemas, [LIST]);
    assert.equal(body.totalResults, 100);
    assert.equal(body.itemsPerPage, 10);
    assert.equal(body.startIndex, 1);
    assert.deepEqual(body.Resources.map((r: Json) => r.userName), Array.from({ length: 10 }, (_, i) => `user00${i}`));
  });

  it('RFC 7644 §3.4.2.4 the next page: GET /Users?startIndex=11&count=10', async () => {
    const body = await get(t, '/Users?startIndex=11&count=10&sortBy=userName');
    assert.equal(body.totalResults, 100);
    assert.equal(body.itemsPerPage, 10);
    assert.equal(body.startIndex, 11);
    assert.deepEqual(body.Resources.map((r: Json) => r.userName), Array.from({ length: 10 }, (_, i) => `user0${10 + i}`));
  });

  it('RFC 7644 §3.4.2.4 the last page is short; past the end is empty; count=0 gives totalResults only', async () => {
    const last = await get(t, '/Users?startIndex=95&count=10');
    assert.equal(last.itemsPerPage, 6);
    assert.equal(last.Resources.length, 6);
    const past = await get(t, '/Users?startIndex=101&count=10');
    assert.equal(past.totalResults, 100);
    assert.equal(past.itemsPerPage, 0);
    assert.deepEqual(past.Resources ?? [], []);
    const none = await get(t, '/Users?count=0');
    assert.equal(none.totalResults, 100);
    assert.deepEqual(none.Resources ?? [], []);
  });

  it('RFC 7644 §3.4.2.4 pages are disjoint and cover every resource', async () => {
    const seen = new Set<string>();
    for (let start = 1; start <= 100; start += 30) {
      const body = await get(t, `/Users?startIndex=${start}&count=30`);
      for (const r of body.Resources as Json[]) seen.add(r.id);
    }
    assert.equal(seen.size, 100);
  });
});

describe('RFC 7644 §3.4.3 querying with POST /.search', () => {
  let t: Client;
  const ids: Record<string, string> = {};
  const search = {
    schemas: [SEARCH],
    attributes: ['displayName', 'userName'],
    filter: 'displayName sw "smith"',
    startIndex: 1,
    count: 10,
  };
  before(async () => {
    t = await tenant(srv);
    ids.jsmith = (await post(t, '/Users', { schemas: [USER], userName: 'jsmith', displayName: 'Smith, James', title: 'x' })).id;
    ids.bjensen = (await post(t, '/Users', { schemas: [USER], userName: 'bjensen', displayName: 'Babs Jensen' })).id;
    ids.family = (await post(t, '/Groups', { schemas: [GROUP], displayName: 'Smith Family' })).id;
  });

  it('RFC 7644 §3.4.3 POST /Users/.search with the RFC SearchRequest', async () => {
    const r = await t.call('POST', '/Users/.search', search);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.schemas, [LIST]);
    assert.equal(r.body.totalResults, 1);
    assert.equal(r.body.itemsPerPage, 1);
    assert.equal(r.body.startIndex, 1);
    const [u] = r.body.Resources;
    assert.equal(u.id, ids.jsmith);
    assert.equal(u.userName, 'jsmith');
    assert.equal(u.displayName, 'Smith, James');
    assert.equal(u.title, undefined);
    assert.equal(u.meta, undefined);
  });

  it('RFC 7644 §3.4.3 POST /.search at the root: Users and Groups', async () => {
    const r = await t.call('POST', '/.search', search);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.schemas, [LIST]);
    assert.equal(r.body.totalResults, 2);
    assert.equal(r.body.itemsPerPage, 2);
    assert.equal(r.body.startIndex, 1);
    const byId = new Map((r.body.Resources as Json[]).map((x) => [x.id, x]));
    assert.equal(byId.get(ids.jsmith).userName, 'jsmith');
    assert.equal(byId.get(ids.family).displayName, 'Smith Family');
    assert.equal(byId.get(ids.family).userName, undefined);
    assert.equal(byId.get(ids.family).members, undefined);
  });

  it('RFC 7644 §3.4.3 excludedAttributes in a SearchRequest; a GET on /.search is not a search', async () => {
    const r = await t.call('POST', '/Users/.search', { schemas: [SEARCH], excludedAttributes: ['title'], filter: 'userName eq "jsmith"' });
    assert.equal(r.status, 200);
    assert.equal(r.body.Resources[0].title, undefined);
    assert.equal(r.body.Resources[0].displayName, 'Smith, James');
    const wrong = await t.call('GET', '/Users/.search');
    assert.ok(wrong.status === 404 || wrong.status === 405, String(wrong.status));
  });
});

// ---------------------------------------------------------------------------
// §3.7 Bulk.
// ---------------------------------------------------------------------------
describe('RFC 7644 §3.7 bulk operations', () => {
  it('RFC 7644 §3.7.2 bulkId: POST User "qwerty", POST Group "ytrewq" with member bulkId:qwerty', async () => {
    const t = await tenant(srv);
    const r = await t.call('POST', '/Bulk', bulkReq([
      { method: 'POST', path: '/Users', bulkId: 'qwerty', data: { schemas: [USER], userName: 'Alice' } },
      {
        method: 'POST', path: '/Groups', bulkId: 'ytrewq',
        data: { schemas: [GROUP], displayName: 'Tour Guides', members: [{ type: 'User', value: 'bulkId:qwerty' }] },
      },
    ]));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.schemas, [BULK_RES]);
    const [u, g] = r.body.Operations;
    assert.deepEqual({ method: u.method, bulkId: u.bulkId, status: u.status }, { method: 'POST', bulkId: 'qwerty', status: '201' });
    assert.deepEqual({ method: g.method, bulkId: g.bulkId, status: g.status }, { method: 'POST', bulkId: 'ytrewq', status: '201' });
    const user = await get(t, `/Users/${lastSegment(u.location)}`);
    assert.equal(u.location, user.meta.location);
    assert.equal(u.version, user.meta.version);
    assert.equal(user.userName, 'Alice');
    const group = await get(t, `/Groups/${lastSegment(g.location)}`);
    assert.equal(g.location, group.meta.location);
    assert.equal(g.version, group.meta.version);
    assert.deepEqual(memberIds(group), [user.id]);
    assert.equal(group.members[0].type, 'User');
  });

  it('RFC 7644 §3.7.3 POST, PUT, PATCH, DELETE in one request: statuses "201", "200", "200", "204" with location and version', async () => {
    const t = await tenant(srv);
    const bob = await post(t, '/Users', { schemas: [USER], userName: 'Bob' });
    const dave = await post(t, '/Users', { schemas: [USER], userName: 'Davey', nickName: 'Dave-o' });
    const gone = await post(t, '/Users', { schemas: [USER], userName: 'Eve' });
    const r = await t.call('POST', '/Bulk', bulkReq([
      { method: 'POST', path: '/Users', bulkId: 'qwerty', data: { schemas: [USER], userName: 'Alice' } },
      { method: 'PUT', path: `/Users/${bob.id}`, version: bob.meta.version, data: { schemas: [USER], id: bob.id, userName: 'Bob', title: 'Builder' } },
      {
        method: 'PATCH', path: `/Users/${dave.id}`, version: dave.meta.version,
        data: patchOp({ op: 'remove', path: 'nickName' }, { op: 'add', path: 'userName', value: 'Dave' }),
      },
      { method: 'DELETE', path: `/Users/${gone.id}`, version: gone.meta.version },
    ], { failOnErrors: 1 }));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.schemas, [BULK_RES]);
    const [p, u, pa, d] = r.body.Operations;
    assert.equal(p.status, '201');
    assert.equal(p.bulkId, 'qwerty');
    assert.equal(p.method, 'POST');
    assert.match(p.location, new RegExp(`^${t.baseUrl}/Users/`));
    assert.equal(typeof p.version, 'string');
    assert.deepEqual({ method: u.method, status: u.status, location: u.location }, { method: 'PUT', status: '200', location: bob.meta.location });
    assert.notEqual(u.version, bob.meta.version);
    assert.deepEqual({ method: pa.method, status: pa.status, location: pa.location }, { method: 'PATCH', status: '200', location: dave.meta.location });
    assert.notEqual(pa.version, dave.meta.version);
    assert.deepEqual({ method: d.method, status: d.status, location: d.location }, { method: 'DELETE', status: '204', location: gone.meta.location });
    assert.equal(d.version, undefined);

    assert.equal((await get(t, `/Users/${bob.id}`)).title, 'Builder');
    const daveNow = await get(t, `/Users/${dave.id}`);
    assert.equal(daveNow.userName, 'Dave');
    assert.equal(daveNow.nickName, undefined);
    assert.equal(daveNow.meta.version, pa.version);
    assertError(await t.call('GET', `/Users/${gone.id}`), 404);
  });

  it('RFC 7644 §3.7.3 PATCH data written as in the RFC example (a bare array of operations) is accepted', async () => {
    const t = await tenant(srv);
    const dave = await post(t, '/Users', { schemas: [USER], userName: 'Davey', nickName: 'Dave-o' });
    const r = await t.call('POST', '/Bulk', bulkReq([{
      method: 'PATCH', path: `/Users/${dave.id}`,
      data: [{ op: 'remove', path: 'nickName' }, { op: 'add', path: 'userName', value: 'Dave' }],
    }]));
    assert.equal(r.status, 200);
    const [op] = r.body.Operations;
    assert.equal(op.status, '200', JSON.stringify(op));
    const now = await get(t, `/Users/${dave.id}`);
    assert.equal(now.userName, 'Dave');
    assert.equal(now.nickName, undefined);
  });

  it('RFC 7644 §3.7.1 circular references: the RFC two-group example → 409 for each, nothing created', async () => {
    const t = await tenant(srv);
    const r = await t.call('POST', '/Bulk', bulkReq([
      { method: 'POST', path: '/Groups', bulkId: 'qwerty', data: { schemas: [GROUP], displayName: 'Group A', members: [{ type: 'Group', value: 'bulkId:ytrewq' }] } },
      { method: 'POST', path: '/Groups', bulkId: 'ytrewq', data: { schemas: [GROUP], displayName: 'Group B', members: [{ type: 'Group', value: 'bulkId:qwerty' }] } },
    ]));
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.Operations.map((o: Json) => [o.method, o.bulkId, o.status]), [['POST', 'qwerty', '409'], ['POST', 'ytrewq', '409']]);
    for (const o of r.body.Operations as Json[]) {
      assert.deepEqual(o.response.schemas, [ERROR]);
      assert.equal(o.response.status, '409');
    }
    assert.equal((await get(t, '/Groups')).totalResults, 0);
  });

  it('RFC 7644 §3.7.3 errors without failOnErrors: every operation runs and reports its own error', async () => {
    const t = await tenant(srv);
    const bob = await post(t, '/Users', { schemas: [USER], userName: 'Bob' });
    const dave = await post(t, '/Users', { schemas: [USER], userName: 'Dave' });
    const stale = 'W/"999"';
    const missing = '00000000-0000-4000-8000-000000000000';
    const r = await t.call('POST', '/Bulk', bulkReq([
      { method: 'POST', path: '/Users', bulkId: 'qwerty', data: { userName: 'Alice' } }, // no schemas: invalidSyntax
      { method: 'PUT', path: `/Users/${bob.id}`, version: stale, data: { schemas: [USER], userName: 'Bob', title: 'x' } },
      { method: 'PATCH', path: `/Users/${dave.id}`, version: stale, data: patchOp({ op: 'add', path: 'title', value: 'x' }) },
      { method: 'DELETE', path: `/Users/${missing}` },
    ]));
    assert.equal(r.status, 200);
    const ops = r.body.Operations as Json[];
    assert.deepEqual(ops.map((o) => o.status), ['400', '412', '412', '404']);
    assert.equal(ops[0].bulkId, 'qwerty');
    assert.equal(ops[0].response.scimType, 'invalidSyntax');
    assert.equal(ops[1].location, bob.meta.location);
    assert.equal(ops[2].location, dave.meta.location);
    for (const o of ops) {
      assert.deepEqual(o.response.schemas, [ERROR]);
      assert.equal(o.response.status, o.status);
    }
    assert.equal((await get(t, `/Users/${bob.id}`)).title, undefined);
    assert.equal((await get(t, `/Users/${dave.id}`)).title, undefined);
  });

  it('RFC 7644 §3.7.3 failOnErrors: 1 — processing stops after the first error; only processed operations listed', async () => {
    const t = await tenant(srv);
    const r = await t.call('POST', '/Bulk', bulkReq([
      { method: 'POST', path: '/Users', bulkId: 'qwerty', data: { userName: 'Alice' } },
      { method: 'POST', path: '/Users', bulkId: 'ytrewq', data: { schemas: [USER], userName: 'Bob' } },
    ], { failOnErrors: 1 }));
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.schemas, [BULK_RES]);
    assert.equal(r.body.Operations.length, 1);
    const [op] = r.body.Operations;
    assert.deepEqual([op.method, op.bulkId, op.status], ['POST', 'qwerty', '400']);
    assert.deepEqual(op.response.schemas, [ERROR]);
    assert.equal(op.response.scimType, 'invalidSyntax');
    assert.equal(op.response.status, '400');
    assert.equal((await get(t, '/Users')).totalResults, 0);
  });

  it('RFC 7644 §3.7.3 a reference to a bulkId whose POST failed (409 uniqueness) fails too', async () => {
    const t = await tenant(srv);
    await post(t, '/Users', { schemas: [USER], userName: 'Alice' });
    const r = await t.call('POST', '/Bulk', bulkReq([
      { method: 'POST', path: '/Users', bulkId: 'qwerty', data: { schemas: [USER], userName: 'alice' } },
      { method: 'POST', path: '/Groups', bulkId: 'ytrewq', data: { schemas: [GROUP], displayName: 'G', members: [{ value: 'bulkId:qwerty' }] } },
    ]));
    const [u, g] = r.body.Operations;
    assert.equal(u.status, '409');
    assert.equal(u.response.scimType, 'uniqueness');
    assert.equal(g.status, '409');
    assert.equal((await get(t, '/Groups')).totalResults, 0);
  });

  it('RFC 7644 §3.7.4 more operations than maxOperations → 413, nothing done', async () => {
    const small = await startTestServer({ config: { bulkMaxOperations: 2 } });
    try {
      const t = await tenant(small);
      const spc = await get(t, '/ServiceProviderConfig');
      assert.equal(spc.bulk.maxOperations, 2);
      const ops = ['a', 'b', 'c'].map((n) => ({ method: 'POST', path: '/Users', bulkId: n, data: { schemas: [USER], userName: n } }));
      const r = await t.call('POST', '/Bulk', bulkReq(ops));
      assertError(r, 413);
      assert.equal((await get(t, '/Users')).totalResults, 0);
    } finally {
      await small.close();
    }
  });

  it('RFC 7644 §3.7.4 a payload larger than maxPayloadSize → 413', async () => {
    const t = await tenant(srv);
    const spc = await get(t, '/ServiceProviderConfig');
    const big = 'x'.repeat(spc.bulk.maxPayloadSize);
    const r = await t.call('POST', '/Bulk', bulkReq([{ method: 'POST', path: '/Users', bulkId: 'a', data: { schemas: [USER], userName: 'a', title: big } }]));
    assert.equal(r.status, 413);
    assert.equal((await get(t, '/Users')).totalResults, 0);
  });
});

// ---------------------------------------------------------------------------
// §3.12 errors, §3.14 versioning.
// ---------------------------------------------------------------------------
describe('RFC 7644 §3.12 error responses', () => {
  it('RFC 7644 §3.12 404: unknown resource, status "404", no scimType', async () => {
    const missing = '2819c223-7f76-453a-919d-413861904646';
    const r = await a.call('GET', `/Users/${missing}`);
    assertError(r, 404);
  });

  it('RFC 7644 §3.12 409 uniqueness: a second user with the same userName', async () => {
    await post(a, '/Users', { schemas: [USER], userName: 'unique-one' });
    assertError(await a.call('POST', '/Users', { schemas: [USER], userName: 'unique-one' }), 409, 'uniqueness');
    assertError(await a.call('POST', '/Users', { schemas: [USER], userName: 'UNIQUE-ONE' }), 409, 'uniqueness');
  });

  it('RFC 7644 §3.12 400 invalidFilter: a filter that does not parse', async () => {
    assertError(await a.call('GET', `/Users?filter=${q('userName eq')}`), 400, 'invalidFilter');
    assertError(await a.call('GET', `/Users?filter=${q('userName xx "a"')}`), 400, 'invalidFilter');
    assertError(await a.call('POST', '/Users/.search', { schemas: [SEARCH], filter: '(userName eq "a"' }), 400, 'invalidFilter');
  });

  it('RFC 7644 §3.12 400 mutability: "Attribute \'id\' is readOnly" (PATCH of id)', async () => {
    const id = (await post(a, '/Users', { schemas: [USER], userName: 'mutable' })).id;
    assertError(await a.call('PATCH', `/Users/${id}`, patchOp({ op: 'replace', path: 'id', value: 'other' })), 400, 'mutability');
  });

  it('RFC 7644 §3.12 400 invalidSyntax, invalidPath, invalidValue, noTarget', async () => {
    const id = (await post(a, '/Users', { schemas: [USER], userName: 'errs', emails: [{ value: 'e@example.com', type: 'work' }] })).id;
    assertError(await a.call('POST', '/Users', { userName: 'no-schemas' }), 400, 'invalidSyntax');
    assertError(await a.call('PATCH', `/Users/${id}`, patchOp({ op: 'replace', path: 'emails[type eq', value: 'x' })), 400, 'invalidPath');
    assertError(await a.call('POST', '/Users', { schemas: [USER], userName: 'x', active: 'yes' }), 400, 'invalidValue');
    assertError(await a.call('PATCH', `/Users/${id}`, patchOp({ op: 'replace', path: 'emails[type eq "home"].value', value: 'h@example.com' })), 400, 'noTarget');
  });
});

describe('RFC 7644 §3.14 versioning', () => {
  let u: Json;
  before(async () => {
    u = await post(a, '/Users', { schemas: [USER], userName: 'versioned' });
  });

  it('RFC 7644 §3.14 GET with If-None-Match equal to the ETag → 304 Not Modified', async () => {
    const r = await a.call('GET', `/Users/${u.id}`, undefined, { 'if-none-match': u.meta.version });
    assert.equal(r.status, 304);
    assert.equal(r.body, undefined);
    const other = await a.call('GET', `/Users/${u.id}`, undefined, { 'if-none-match': 'W/"nope"' });
    assert.equal(other.status, 200);
  });

  it('RFC 7644 §3.14 PUT and PATCH with a stale If-Match → 412; nothing changes', async () => {
    const stale = 'W/"e180ee84f0671b1"';
    assertError(await a.call('PUT', `/Users/${u.id}`, { schemas: [USER], userName: 'versioned', title: 'x' }, { 'if-match': stale }), 412);
    assertError(await a.call('PATCH', `/Users/${u.id}`, patchOp({ op: 'add', path: 'title', value: 'x' }), { 'if-match': stale }), 412);
    assertError(await a.call('DELETE', `/Users/${u.id}`, undefined, { 'if-match': stale }), 412);
    const now = await get(a, `/Users/${u.id}`);
    assert.equal(now.title, undefined);
    assert.equal(now.meta.version, u.meta.version);
  });

  it('RFC 7644 §3.14 PUT and PATCH with the current If-Match succeed and issue a new ETag', async () => {
    const put = await a.call('PUT', `/Users/${u.id}`, { schemas: [USER], userName: 'versioned', title: 'x' }, { 'if-match': u.meta.version });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.notEqual(put.headers.get('etag'), u.meta.version);
    assert.equal(put.headers.get('etag'), put.body.meta.version);
    const p = await a.call('PATCH', `/Users/${u.id}`, patchOp({ op: 'add', path: 'nickName', value: 'v' }), { 'if-match': put.body.meta.version });
    assert.equal(p.status, 200, JSON.stringify(p.body));
    assert.notEqual(p.body.meta.version, put.body.meta.version);
    assert.equal(p.headers.get('etag'), p.body.meta.version);
    // The old version is now stale.
    assertError(await a.call('PATCH', `/Users/${u.id}`, patchOp({ op: 'add', path: 'title', value: 'y' }), { 'if-match': put.body.meta.version }), 412);
    const del = await a.call('DELETE', `/Users/${u.id}`, undefined, { 'if-match': p.body.meta.version });
    assert.equal(del.status, 204);
  });
});

// ---------------------------------------------------------------------------
// §4 discovery (shapes per RFC 7643 §5, §6, §7).
// ---------------------------------------------------------------------------
describe('RFC 7644 §4 service provider configuration endpoints', () => {
  it('RFC 7644 §4 GET /ServiceProviderConfig (RFC 7643 §5)', async () => {
    const r = await a.call('GET', '/ServiceProviderConfig');
    assert.equal(r.status, 200);
    const c = r.body;
    // RFC 7643 §3: the core URN, then one URN per extension block present (Roster's limits).
    assert.equal(c.schemas[0], SPC);
    for (const urn of (c.schemas as string[]).slice(1)) assert.equal(typeof c[urn], 'object', urn);
    for (const k of ['patch', 'bulk', 'filter', 'changePassword', 'sort', 'etag']) assert.equal(typeof c[k]?.supported, 'boolean', k);
    assert.equal(c.patch.supported, true);
    assert.equal(c.bulk.supported, true);
    assert.ok(Number.isInteger(c.bulk.maxOperations) && c.bulk.maxOperations > 0);
    assert.ok(Number.isInteger(c.bulk.maxPayloadSize) && c.bulk.maxPayloadSize > 0);
    assert.equal(c.filter.supported, true);
    assert.ok(Number.isInteger(c.filter.maxResults) && c.filter.maxResults > 0);
    assert.equal(c.sort.supported, true);
    assert.equal(c.etag.supported, true);
    assert.ok(Array.isArray(c.authenticationSchemes) && c.authenticationSchemes.length > 0);
    for (const s of c.authenticationSchemes as Json[]) {
      assert.equal(typeof s.type, 'string');
      assert.equal(typeof s.name, 'string');
      assert.equal(typeof s.description, 'string');
    }
    assert.equal(c.meta.resourceType, 'ServiceProviderConfig');
    assert.equal(c.meta.location, `${a.baseUrl}/ServiceProviderConfig`);
  });

  it('RFC 7644 §4 GET /ResourceTypes (RFC 7643 §6): a ListResponse of User and Group', async () => {
    const body = await get(a, '/ResourceTypes');
    assert.deepEqual(body.schemas, [LIST]);
    assert.equal(body.totalResults, body.Resources.length);
    const byName = new Map((body.Resources as Json[]).map((r) => [r.name, r]));
    assert.deepEqual([...byName.keys()].sort(), ['Group', 'User']);
    for (const [name, endpoint, schema] of [['User', '/Users', USER], ['Group', '/Groups', GROUP]] as const) {
      const rt = byName.get(name);
      assert.deepEqual(rt.schemas, [RESOURCE_TYPE]);
      assert.equal(rt.id, name);
      assert.equal(rt.endpoint, endpoint);
      assert.equal(rt.schema, schema);
      assert.equal(rt.meta.resourceType, 'ResourceType');
      assert.equal(rt.meta.location, `${a.baseUrl}/ResourceTypes/${name}`);
    }
    assert.deepEqual(byName.get('User').schemaExtensions.map((e: Json) => e.schema), [ENTERPRISE]);
  });

  it('RFC 7644 §4 GET /Schemas (RFC 7643 §7): User, Group, enterprise User; and GET /Schemas/{urn}', async () => {
    const body = await get(a, '/Schemas');
    assert.deepEqual(body.schemas, [LIST]);
    const ids = (body.Resources as Json[]).map((s) => s.id).sort();
    assert.deepEqual(ids, [GROUP, USER, ENTERPRISE].sort());
    for (const s of body.Resources as Json[]) {
      assert.deepEqual(s.schemas, [SCHEMA]);
      assert.equal(typeof s.name, 'string');
      assert.ok(Array.isArray(s.attributes) && s.attributes.length > 0);
      assert.equal(s.meta.resourceType, 'Schema');
      assert.equal(s.meta.location, `${a.baseUrl}/Schemas/${s.id}`);
    }
    const one = await get(a, `/Schemas/${GROUP}`);
    assert.equal(one.id, GROUP);
    assert.equal(one.name, 'Group');
    assertError(await a.call('GET', '/Schemas/urn:example:nope'), 404);
  });
});
