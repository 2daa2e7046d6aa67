/**
 * What responses carry (docs/scim-api.md "Response size"): attribute lists resolved
 * once and capped, list responses bounded for large groups, `GET /Groups/{id}` of a
 * large group streamed whole, the maximum group size, and no empty arrays
 * (RFC 7643 §2.5). Real server, real SQLite file.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BULK_REQ, ERROR, GROUP, SEARCH, createGroup, createUser, group, patch, q, startTestServer, tenant, user } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';
import type { Member } from '../../src/domain/resource.ts';

const sortedIds = (xs: readonly { value: string }[]): string[] => xs.map((m) => m.value).sort();

/** Every path in a JSON value that holds an empty array (RFC 7643 §2.5: unassigned is left out). */
function emptyArrays(v: unknown, path = '$'): string[] {
  if (Array.isArray(v)) return v.length === 0 ? [path] : v.flatMap((x, i) => emptyArrays(x, `${path}[${i}]`));
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => emptyArrays(x, `${path}.${k}`));
  return [];
}

describe('attributes / excludedAttributes lists', () => {
  let srv: TestServer;
  let c: Client;
  before(async () => {
    srv = await startTestServer();
    c = await tenant(srv);
    await createUser(c, 'alice', { displayName: 'Alice' });
    await createUser(c, 'bob', { displayName: 'Bob' });
  });
  after(() => srv.close());

  test('many repeated names are read once and answer as one name (GET and .search)', async () => {
    const names = Array.from({ length: 150 }, (_, i) => (i % 2 === 0 ? 'userName' : 'USERNAME')).join(',');
    const get = await c.call('GET', `/Users?attributes=${q(names)}&excludedAttributes=${q('displayName,displayName')}`);
    assert.equal(get.status, 200, JSON.stringify(get.body));
    const post = await c.call('POST', '/Users/.search', { schemas: [SEARCH], attributes: names.split(','), excludedAttributes: ['displayName', 'displayName'] });
    assert.equal(post.status, 200, JSON.stringify(post.body));
    for (const r of [get, post]) {
      assert.equal(r.body.Resources.length, 2);
      for (const u of r.body.Resources) assert.deepEqual(Object.keys(u).sort(), ['id', 'schemas', 'userName']);
    }
  });

  test('more than 200 names is 400 invalidValue, on lists, .search and by id', async () => {
    const many = Array.from({ length: 40_000 }, (_, i) => `a${i % 50}`);
    const one = (await c.call('GET', '/Users')).body.Resources[0].id as string;
    const answers = [
      await c.call('GET', `/Users?attributes=${q(many.slice(0, 201).join(','))}`),
      await c.call('GET', `/Users/${one}?excludedAttributes=${q(many.slice(0, 201).join(','))}`),
      await c.call('POST', '/Users/.search', { schemas: [SEARCH], attributes: many }),
      await c.call('POST', '/.search', { schemas: [SEARCH], excludedAttributes: many }),
    ];
    for (const r of answers) {
      assert.equal(r.status, 400, JSON.stringify(r.body).slice(0, 200));
      assert.deepEqual(r.body.schemas, [ERROR]);
      assert.equal(r.body.scimType, 'invalidValue');
      assert.match(r.body.detail, /at most 200/);
    }
    // 200 names (the cap) are fine.
    assert.equal((await c.call('GET', `/Users?attributes=${q(many.slice(0, 200).join(','))}`)).status, 200);
  });
});

describe('large groups in list responses and the maximum group size', () => {
  let srv: TestServer;
  let c: Client;
  let users: string[];
  before(async () => {
    srv = await startTestServer({ config: { listMaxMembers: 3, maxGroupMembers: 5 } });
    c = await tenant(srv);
    users = [];
    for (let i = 0; i < 6; i++) users.push(await createUser(c, `u${i}`));
  });
  after(() => srv.close());

  test('a list leaves out members of groups past --list-max-members, keeps them on small ones; GET by id has all', async () => {
    const small = await createGroup(c, 'small', users.slice(0, 3));
    const large = await createGroup(c, 'large', users.slice(0, 5));
    const lists = [
      await c.call('GET', '/Groups'),
      await c.call('GET', '/Groups?cursor=&count=10'),
      await c.call('POST', '/Groups/.search', { schemas: [SEARCH], attributes: ['displayName', 'members'] }),
      await c.call('POST', '/.search', { schemas: [SEARCH], filter: 'displayName pr' }),
    ];
    for (const r of lists) {
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const byId = new Map((r.body.Resources as Record<string, unknown>[]).map((g) => [g['id'], g]));
      assert.deepEqual(sortedIds(byId.get(small)?.['members'] as Member[]), users.slice(0, 3).sort());
      assert.equal(byId.get(large)?.['displayName'], 'large');
      assert.equal('members' in (byId.get(large) ?? {}), false);
    }
    const one = await c.call('GET', `/Groups/${large}`);
    assert.deepEqual(sortedIds(one.body.members), users.slice(0, 5).sort());
    // A user in more groups than the bound comes without `groups` in lists; GET by id has them.
    await createGroup(c, 'g3', [users[0] as string]);
    await createGroup(c, 'g4', [users[0] as string]);
    const list = await c.call('GET', `/Users?filter=${q('userName eq "u0" or userName eq "u5"')}`);
    const u0 = (list.body.Resources as Record<string, unknown>[]).find((u) => u['userName'] === 'u0');
    assert.ok(u0 !== undefined);
    assert.equal('groups' in u0, false);
    assert.equal((await c.call('GET', `/Users/${users[0]}`)).body.groups.length, 4);
    const u1 = await c.call('GET', `/Users?filter=${q('userName eq "u1"')}`);
    assert.equal(u1.body.Resources[0].groups.length, 2);
  });

  test('a group past --max-group-members is refused with 400 on POST, PUT, PATCH and Bulk, nothing written', async () => {
    const six = users.map((value) => ({ value }));
    const post = await c.call('POST', '/Groups', group('too big', six));
    assert.equal(post.status, 400);
    assert.equal(post.body.scimType, 'invalidValue');
    assert.match(post.body.detail, /at most 5 members/);
    assert.equal((await c.call('GET', `/Groups?filter=${q('displayName eq "too big"')}`)).body.totalResults, 0);
    // A repeated id is one member: 5 distinct ids in 6 entries fit.
    const ok = await c.call('POST', '/Groups', group('five', [...six.slice(0, 5), six[0]]));
    assert.equal(ok.status, 201);
    assert.equal(ok.body.members.length, 5);
    const id = ok.body.id as string;
    const put = await c.call('PUT', `/Groups/${id}`, group('five', six));
    assert.equal(put.status, 400);
    assert.equal(put.body.scimType, 'invalidValue');
    const add = await c.call('PATCH', `/Groups/${id}`, patch({ op: 'add', path: 'members', value: [{ value: users[5] }] }));
    assert.equal(add.status, 400);
    assert.equal(add.body.scimType, 'invalidValue');
    const after = await c.call('GET', `/Groups/${id}`);
    assert.deepEqual(sortedIds(after.body.members), users.slice(0, 5).sort());
    assert.equal(after.body.meta.version, ok.body.meta.version);
    const bulk = await c.call('POST', '/Bulk', {
      schemas: [BULK_REQ],
      Operations: [
        { method: 'POST', path: '/Groups', bulkId: 'g', data: group('bulk big', six) },
        { method: 'PATCH', path: `/Groups/${id}`, data: patch({ op: 'add', path: 'members', value: [{ value: users[5] }] }) },
      ],
    });
    assert.equal(bulk.status, 200);
    assert.deepEqual(bulk.body.Operations.map((o: { status: string }) => o.status), ['400', '400']);
    assert.equal(bulk.body.Operations[0].response.scimType, 'invalidValue');
    assert.deepEqual(sortedIds((await c.call('GET', `/Groups/${id}`)).body.members), users.slice(0, 5).sort());
  });
});

describe('GET /Groups/{id} of a large group', () => {
  const N = 20_000;
  let srv: TestServer;
  let c: Client;
  let gid: string;
  let ids: string[];
  before(async () => {
    srv = await startTestServer();
    c = await tenant(srv);
    // Seeded through the store in one transaction (20,000 HTTP creates would be slow), before
    // any HTTP call: no keep-alive socket sits idle while the transaction holds the event loop.
    const ts = new Date().toISOString();
    gid = 'group-everyone';
    ids = Array.from({ length: N }, (_, i) => `user-${String(i).padStart(6, '0')}`);
    await srv.store.transaction(async (tx) => {
      await tx.insertResource({ tenantId: c.tenantId, type: 'Group', id: gid, data: { displayName: 'everyone' }, version: 1, created: ts, lastModified: ts });
      for (const id of ids) {
        await tx.insertResource({ tenantId: c.tenantId, type: 'User', id, data: { userName: id }, version: 1, created: ts, lastModified: ts });
      }
      await tx.applyMembership(c.tenantId, gid, { add: ids.map((value) => ({ value, type: 'User' as const })), remove: [] });
    });
  });
  after(() => srv.close());

  test('returns every member, streamed (chunked, no Content-Length), with the ETag of meta.version', async () => {
    const r = await c.call('GET', `/Groups/${gid}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-length'), null);
    assert.equal(r.headers.get('transfer-encoding'), 'chunked');
    assert.equal(r.body.displayName, 'everyone');
    assert.equal(r.body.members.length, N);
    assert.deepEqual(r.body.members.map((m: Member) => m.value), ids);
    assert.deepEqual(r.body.members[7], { value: ids[7], $ref: `${c.baseUrl}/Users/${ids[7]}`, type: 'User' });
    assert.equal(r.headers.get('etag'), r.body.meta.version);
    assert.equal((await c.call('GET', `/Groups/${gid}`, undefined, { 'if-none-match': r.headers.get('etag') as string })).status, 304);
    // The projection applies to each page: only `value` of every member.
    const values = await c.call('GET', `/Groups/${gid}?attributes=members.value`);
    assert.equal(values.body.members.length, N);
    assert.deepEqual(Object.keys(values.body.members[N - 1]), ['value']);
    assert.equal(values.body.displayName, undefined);
  });

  test('a PUT that keeps the members and a PATCH asking for them answer with all of them, streamed', async () => {
    const put = await c.call('PUT', `/Groups/${gid}`, { schemas: [GROUP], displayName: 'everyone (renamed)' });
    assert.equal(put.status, 200, JSON.stringify(put.body).slice(0, 300));
    assert.equal(put.headers.get('transfer-encoding'), 'chunked');
    assert.equal(put.body.displayName, 'everyone (renamed)');
    assert.equal(put.body.members.length, N);
    assert.equal(put.headers.get('etag'), put.body.meta.version);
    const pat = await c.call('PATCH', `/Groups/${gid}?attributes=members,meta`, patch({ op: 'replace', path: 'displayName', value: 'everyone' }));
    assert.equal(pat.status, 200);
    assert.equal(pat.headers.get('transfer-encoding'), 'chunked');
    assert.deepEqual(pat.body.members.map((m: Member) => m.value), ids);
    assert.equal(pat.headers.get('etag'), pat.body.meta.version);
  });

  test('after a change the ETag and the body move together', async () => {
    const drop = await c.call('PATCH', `/Groups/${gid}`, patch({ op: 'remove', path: `members[value eq "${ids[0]}"]` }));
    assert.equal(drop.status, 204);
    const r = await c.call('GET', `/Groups/${gid}`);
    assert.equal(r.headers.get('etag'), drop.headers.get('etag'));
    assert.equal(r.body.meta.version, drop.headers.get('etag'));
    assert.equal(r.body.members.length, N - 1);
    assert.equal(r.body.members[0].value, ids[1]);
  });
});

describe('no empty arrays in responses (RFC 7643 §2.5)', () => {
  let srv: TestServer;
  let c: Client;
  before(async () => {
    srv = await startTestServer();
    c = await tenant(srv);
  });
  after(() => srv.close());

  test('new user, group after its last member goes, PATCH/PUT answers, lists and Bulk', async () => {
    const created = await c.call('POST', '/Users', user('carol', { emails: [], phoneNumbers: null, name: {} }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const uid = created.body.id as string;
    const g = await c.call('POST', '/Groups', group('team', [{ value: uid }]));
    const gid = g.body.id as string;
    const empty = await c.call('POST', '/Groups', group('empty', []));
    const answers = [
      created,
      empty,
      await c.call('GET', `/Users/${uid}`),
      await c.call('PATCH', `/Groups/${gid}?excludedAttributes=displayName`, patch({ op: 'remove', path: 'members' })),
      await c.call('GET', `/Groups/${gid}`),
      await c.call('GET', `/Users/${uid}`),
      await c.call('PATCH', `/Users/${uid}`, patch({ op: 'replace', path: 'emails', value: [] })),
      await c.call('PUT', `/Users/${uid}`, user('carol', { emails: [] })),
      await c.call('PUT', `/Groups/${gid}`, group('team', [])),
      await c.call('GET', '/Users'),
      await c.call('GET', '/Groups'),
      await c.call('POST', '/Bulk', { schemas: [BULK_REQ], Operations: [{ method: 'POST', path: '/Users', bulkId: 'd', data: user('dave', { groups: [] }) }] }),
    ];
    for (const [i, r] of answers.entries()) {
      assert.ok(r.status < 300, `${i}: ${r.status} ${JSON.stringify(r.body)}`);
      const body = r.body as Record<string, unknown>;
      // A ListResponse's `Resources` is always present (docs/scim-api.md); inside, nothing is empty.
      const checked = Array.isArray(body['Resources']) ? body['Resources'] : body;
      assert.deepEqual(emptyArrays(checked), [], `${i}: ${JSON.stringify(body)}`);
    }
    const gotGroup = answers[4]?.body as Record<string, unknown>;
    assert.equal('members' in gotGroup, false);
    for (const i of [0, 5]) assert.equal('groups' in (answers[i]?.body as Record<string, unknown>), false, `${i}`);
    assert.equal((answers[2]?.body as { groups: unknown[] }).groups.length, 1);
  });
});
