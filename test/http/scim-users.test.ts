/**
 * Users over HTTP: lifecycle, filters, sorting, index paging, projection,
 * password never returned (RFC 7644 §3.3–§3.6, §3.4.2; docs/reliability.md IN-7, IN-9, LD-4).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createUser, ENTERPRISE, ERROR, LIST, patch, q, SEARCH, startTestServer, tenant, user, USER } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';

let srv: TestServer;
let a: Client;

before(async () => {
  srv = await startTestServer();
  a = await tenant(srv);
});
after(() => srv.close());

describe('user lifecycle', () => {
  it('create → get → filter → PUT → PATCH → deactivate → DELETE → 404', async () => {
    const created = await a.call('POST', '/Users', user('alice', {
      id: 'client-chosen', externalId: 'ext-alice', name: { givenName: 'Alice', familyName: 'Smith' },
      emails: [{ value: 'alice@example.com', type: 'work', primary: true }], active: true, password: 'Secret123!',
      meta: { created: '2000-01-01T00:00:00Z' }, groups: [{ value: 'nope' }],
    }));
    assert.equal(created.status, 201);
    const u = created.body;
    assert.notEqual(u.id, 'client-chosen');
    assert.match(u.id, /^[0-9a-f-]{36}$/);
    assert.equal(created.headers.get('location'), `${a.baseUrl}/Users/${u.id}`);
    assert.equal(created.headers.get('etag'), 'W/"1"');
    assert.deepEqual(u.schemas, [USER]);
    assert.equal(u.meta.resourceType, 'User');
    assert.equal(u.meta.location, `${a.baseUrl}/Users/${u.id}`);
    assert.equal(u.meta.version, 'W/"1"');
    assert.notEqual(u.meta.created, '2000-01-01T00:00:00Z');
    assert.equal(u.password, undefined);
    assert.deepEqual(u.groups ?? [], []); // empty multi-valued = unassigned (RFC 7643 §2.5)

    const got = await a.call('GET', `/Users/${u.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.userName, 'alice');
    assert.equal(got.body.password, undefined);
    assert.equal(got.headers.get('etag'), 'W/"1"');

    const list = await a.call('GET', `/Users?filter=${q('userName eq "alice"')}`);
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.schemas, [LIST]);
    assert.equal(list.body.totalResults, 1);
    assert.equal(list.body.Resources[0].id, u.id);

    const put = await a.call('PUT', `/Users/${u.id}`, { ...got.body, displayName: 'Alice S.', id: 'other', meta: {} });
    assert.equal(put.status, 200);
    assert.equal(put.body.id, u.id);
    assert.equal(put.body.displayName, 'Alice S.');
    assert.equal(put.headers.get('etag'), 'W/"2"');

    // Okta: path-less replace with a value object.
    const okta = await a.call('PATCH', `/Users/${u.id}`, patch({ op: 'replace', value: { active: false } }));
    assert.equal(okta.status, 200);
    assert.equal(okta.body.active, false);
    // Entra: capitalised op names, boolean as a string.
    const entra = await a.call('PATCH', `/Users/${u.id}`, patch({ op: 'Replace', path: 'active', value: true }, { op: 'Add', path: 'title', value: 'CTO' }));
    assert.equal(entra.status, 200, JSON.stringify(entra.body));
    assert.equal(entra.body.active, true);
    assert.equal(entra.body.title, 'CTO');
    const deact = await a.call('PATCH', `/Users/${u.id}`, patch({ op: 'replace', path: 'active', value: false }));
    assert.equal(deact.body.active, false);
    // An inactive user is still returned by a filter (Entra).
    const still = await a.call('GET', `/Users?filter=${q('userName eq "alice"')}`);
    assert.equal(still.body.totalResults, 1);

    const del = await a.call('DELETE', `/Users/${u.id}`);
    assert.equal(del.status, 204);
    assert.equal(del.body, undefined);
    const gone = await a.call('GET', `/Users/${u.id}`);
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.body.schemas, [ERROR]);
    assert.equal(gone.body.status, '404');
    assert.equal((await a.call('DELETE', `/Users/${u.id}`)).status, 404);
    assert.equal((await a.call('PATCH', `/Users/${u.id}`, patch({ op: 'replace', path: 'active', value: true }))).status, 404);
    assert.equal((await a.call('GET', `/Users?filter=${q('userName eq "alice"')}`)).body.totalResults, 0);
  });

  it('password is accepted but never stored or returned, even when asked for', async () => {
    const id = await createUser(a, 'pw-user', { password: 'hunter2-secret' });
    for (const path of [`/Users/${id}`, `/Users/${id}?attributes=password`, `/Users?filter=${q('userName eq "pw-user"')}&attributes=password,userName`]) {
      const r = await a.call('GET', path);
      assert.equal(r.status, 200);
      assert.doesNotMatch(JSON.stringify(r.body), /hunter2/);
    }
    const p = await a.call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'password', value: 'hunter3-secret' }));
    assert.equal(p.status, 200);
    assert.doesNotMatch(JSON.stringify(p.body), /hunter3/);
    assert.equal(p.headers.get('etag'), 'W/"1"'); // nothing stored changed
    const dumped = JSON.stringify(await srv.store.getResource(a.tenantId, 'User', id, { withMembers: false, withGroups: false }));
    assert.doesNotMatch(dumped, /hunter/);
    const f = await a.call('GET', `/Users?filter=${q('password eq "hunter2-secret"')}`);
    assert.equal(f.status, 400);
    assert.equal(f.body.scimType, 'invalidFilter');
  });

  it('uniqueness: case variants and fullwidth forms of userName are 409 uniqueness', async () => {
    await createUser(a, 'bob');
    for (const variant of ['bob', 'BOB', 'Bob', 'ｂｏｂ']) {
      const r = await a.call('POST', '/Users', user(variant));
      assert.equal(r.status, 409, variant);
      assert.equal(r.body.scimType, 'uniqueness');
    }
    const found = await a.call('GET', `/Users?filter=${q('userName eq "BOB"')}`);
    assert.equal(found.body.totalResults, 1);
    assert.equal(found.body.Resources[0].userName, 'bob');
  });

  it('Entra test connection: random GUID filter → 200 empty ListResponse', async () => {
    const r = await a.call('GET', `/Users?filter=${q(`userName eq "${randomUUID()}"`)}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { schemas: [LIST], totalResults: 0, itemsPerPage: 0, startIndex: 1, Resources: [] });
  });
});

describe('filters', () => {
  const ids: Record<string, string> = {};
  before(async () => {
    const people: [string, Record<string, unknown>][] = [
      ['f-carol', { displayName: 'Carol', title: 'Engineer', externalId: 'X1', emails: [{ value: 'carol@work.example', type: 'work' }] }],
      ['f-dave', { displayName: 'Dave', title: 'Manager', externalId: 'x1', active: false, emails: [{ value: 'dave@home.example', type: 'home' }] }],
      ['f-erin', { displayName: 'Erin', nickName: 'E', [ENTERPRISE]: { employeeNumber: '42' }, schemas: [USER, ENTERPRISE] }],
    ];
    for (const [n, extra] of people) ids[n] = await createUser(a, n, extra);
  });
  const names = async (filter: string): Promise<string[]> => {
    const r = await a.call('GET', `/Users?filter=${q(filter)}&sortBy=userName`);
    assert.equal(r.status, 200, `${filter}: ${JSON.stringify(r.body)}`);
    return (r.body.Resources as { userName: string }[]).map((x) => x.userName).filter((n) => n.startsWith('f-'));
  };
  const table: [string, string[]][] = [
    ['userName eq "F-CAROL"', ['f-carol']],
    ['userName sw "f-"', ['f-carol', 'f-dave', 'f-erin']],
    ['userName co "AR"', ['f-carol']],
    ['userName ew "ve"', ['f-dave']],
    ['nickName pr', ['f-erin']],
    ['title eq "Engineer" or title eq "Manager"', ['f-carol', 'f-dave']],
    ['userName sw "f-" and not (active eq false)', ['f-carol', 'f-erin']],
    ['emails[type eq "work" and value co "@work"]', ['f-carol']],
    ['emails.value ew "home.example"', ['f-dave']],
    ['externalId eq "X1"', ['f-carol']], // externalId is caseExact
    [`${ENTERPRISE}:employeeNumber eq "42"`, ['f-erin']],
    ['userName sw "f-" and meta.resourceType eq "User"', ['f-carol', 'f-dave', 'f-erin']],
  ];
  for (const [filter, expected] of table) {
    it(filter, async () => assert.deepEqual(await names(filter), expected));
  }
  it('id eq finds by server id; externalId never resolves an id', async () => {
    assert.deepEqual(await names(`id eq "${ids['f-carol']}"`), ['f-carol']);
    assert.equal((await a.call('GET', '/Users/X1')).status, 404);
  });
  const bad: [string, string][] = [['userName eq', 'invalidFilter'], ['nosuch eq "x"', 'invalidFilter'], ['userName xx "a"', 'invalidFilter'], [`${'('.repeat(40)}userName pr${')'.repeat(40)}`, 'invalidFilter']];
  for (const [filter, scimType] of bad) {
    it(`bad filter ${filter.slice(0, 30)} → 400 ${scimType}`, async () => {
      const r = await a.call('GET', `/Users?filter=${q(filter)}`);
      assert.equal(r.status, 400);
      assert.equal(r.body.scimType, scimType);
    });
  }
  it('POST /Users/.search with a SearchRequest', async () => {
    const r = await a.call('POST', '/Users/.search', { schemas: [SEARCH], filter: 'userName sw "f-"', sortBy: 'userName', sortOrder: 'descending', attributes: ['userName'], count: 2 });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.Resources.map((x: { userName: string }) => x.userName), ['f-erin', 'f-dave']);
    assert.deepEqual(Object.keys(r.body.Resources[0]).sort(), ['id', 'schemas', 'userName']);
    assert.equal(r.body.totalResults, 3);
    const bad = await a.call('POST', '/Users/.search', { filter: 'userName pr' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.scimType, 'invalidSyntax');
  });
});

describe('sorting, paging, projection', () => {
  let c: Client;
  before(async () => {
    c = await tenant(srv);
    // Ties on title so paging must break ties by id.
    for (let i = 0; i < 12; i++) await createUser(c, `p-${String(i).padStart(2, '0')}`, { title: i % 3 === 0 ? 'A' : 'B', displayName: `P ${i}` });
  });
  it('sortBy userName ascending/descending', async () => {
    const asc = await c.call('GET', '/Users?sortBy=userName&count=3');
    assert.deepEqual(asc.body.Resources.map((r: { userName: string }) => r.userName), ['p-00', 'p-01', 'p-02']);
    const desc = await c.call('GET', '/Users?sortBy=userName&sortOrder=descending&count=2');
    assert.deepEqual(desc.body.Resources.map((r: { userName: string }) => r.userName), ['p-11', 'p-10']);
  });
  it('index paging with ties is stable and complete', async () => {
    const seen: string[] = [];
    for (let start = 1; start <= 12; start += 5) {
      const r = await c.call('GET', `/Users?sortBy=title&startIndex=${start}&count=5`);
      assert.equal(r.status, 200);
      assert.equal(r.body.startIndex, start);
      assert.equal(r.body.totalResults, 12);
      assert.equal(r.body.itemsPerPage, r.body.Resources.length);
      seen.push(...r.body.Resources.map((x: { id: string }) => x.id));
    }
    assert.equal(seen.length, 12);
    assert.equal(new Set(seen).size, 12);
  });
  it('RL-4: paging caps — startIndex<1 → 1, count<0 → 0, huge count capped, non-integers rejected', async () => {
    const r1 = await c.call('GET', '/Users?startIndex=0&count=2');
    assert.equal(r1.body.startIndex, 1);
    assert.equal(r1.body.itemsPerPage, 2);
    const r2 = await c.call('GET', '/Users?count=-5');
    assert.equal(r2.body.itemsPerPage, 0);
    assert.equal(r2.body.totalResults, 12);
    assert.deepEqual(r2.body.Resources, []);
    const r3 = await c.call('GET', '/Users?count=99999999999999999999');
    assert.equal(r3.status, 200);
    assert.equal(r3.body.itemsPerPage, 12);
    const r4 = await c.call('GET', '/Users?count=ten');
    assert.equal(r4.status, 400);
    assert.equal(r4.body.scimType, 'invalidValue');
  });
  it('unknown sortBy → 400 invalidPath; bad sortOrder → 400 invalidValue', async () => {
    const r = await c.call('GET', '/Users?sortBy=nosuch');
    assert.equal(r.status, 400);
    assert.equal(r.body.scimType, 'invalidPath');
    const o = await c.call('GET', '/Users?sortBy=userName&sortOrder=sideways');
    assert.equal(o.body.scimType, 'invalidValue');
  });
  it('attributes / excludedAttributes', async () => {
    const r = await c.call('GET', '/Users?attributes=userName,name.givenName&count=1');
    assert.deepEqual(Object.keys(r.body.Resources[0]).sort(), ['id', 'schemas', 'userName']);
    const e = await c.call('GET', '/Users?excludedAttributes=title,meta,groups&count=1');
    const keys = Object.keys(e.body.Resources[0]);
    assert.ok(keys.includes('userName'));
    assert.ok(!keys.includes('title') && !keys.includes('meta') && !keys.includes('groups'));
    assert.ok(keys.includes('id'), 'id is returned always');
  });
});
