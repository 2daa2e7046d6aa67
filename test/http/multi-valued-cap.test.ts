/**
 * The cap on the values of one multi-valued attribute (`--max-multi-valued`,
 * docs/scim-api.md): advertised in /ServiceProviderConfig, enforced on POST, PUT,
 * PATCH and Bulk with 400 `invalidValue` naming the attribute and the limit, and
 * nothing written. Group `members` are not covered (they are rows, not body values).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BULK_REQ, createGroup, createUser, group, patch, q, startTestServer, tenant, user, USER } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';

const ROSTER_SPC = 'urn:ietf:params:scim:schemas:extension:roster:2.0:ServiceProviderConfig';
const MAX = 5;

let srv: TestServer;
let a: Client;

before(async () => {
  srv = await startTestServer({ config: { maxMultiValued: MAX } });
  a = await tenant(srv);
});
after(() => srv.close());

const emails = (n: number, prefix = 'e'): Record<string, unknown>[] =>
  Array.from({ length: n }, (_, i) => ({ value: `${prefix}${i}@example.com`, type: 'work' }));

/** A 400 invalidValue whose detail names the attribute and the limit. */
function assertCapped(r: { status: number; body: Record<string, unknown> }, attr: string): void {
  assert.equal(r.status, 400, JSON.stringify(r.body));
  assert.equal(r.body['scimType'], 'invalidValue');
  const detail = String(r.body['detail']);
  assert.ok(detail.includes(`"${attr}"`), detail);
  assert.ok(detail.includes(`at most ${MAX}`), detail);
}

const count = async (filter: string): Promise<number> => (await a.call('GET', `/Users?filter=${q(filter)}`)).body.totalResults as number;

describe('maxMultiValued', () => {
  it('is advertised in the Roster extension of /ServiceProviderConfig', async () => {
    const r = await a.call('GET', '/ServiceProviderConfig');
    assert.equal(r.status, 200);
    assert.ok((r.body.schemas as string[]).includes(ROSTER_SPC));
    assert.equal(r.body[ROSTER_SPC].maxMultiValued, MAX);
  });

  it('POST: at the cap is created; one over is 400 and nothing is written', async () => {
    assert.equal((await a.call('POST', '/Users', user('cap-at', { emails: emails(MAX) }))).status, 201);
    assertCapped(await a.call('POST', '/Users', user('cap-over', { emails: emails(MAX + 1) })), 'emails');
    assertCapped(await a.call('POST', '/Users', user('cap-over', { roles: emails(MAX + 1, 'r') })), 'roles');
    assert.equal(await count('userName eq "cap-over"'), 0);
  });

  it('PUT over the cap is 400 and leaves the resource as it was', async () => {
    const id = await createUser(a, 'cap-put', { emails: emails(2) });
    assertCapped(await a.call('PUT', `/Users/${id}`, user('cap-put', { phoneNumbers: emails(MAX + 1, 'p') })), 'phoneNumbers');
    const r = await a.call('GET', `/Users/${id}`);
    assert.equal(r.headers.get('etag'), 'W/"1"');
    assert.equal(r.body.phoneNumbers, undefined);
    assert.equal(r.body.emails.length, 2);
  });

  it('PATCH that grows an attribute past the cap is 400 and changes nothing; at the cap is fine', async () => {
    const id = await createUser(a, 'cap-patch', { emails: emails(MAX - 1) });
    const ok = await a.call('PATCH', `/Users/${id}`, patch({ op: 'add', path: 'emails', value: [{ value: 'last@example.com' }] }));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.emails.length, MAX);
    for (const body of [
      patch({ op: 'add', path: 'emails', value: [{ value: 'one-more@example.com' }] }),
      patch({ op: 'replace', path: 'emails', value: emails(MAX + 1, 'x') }),
      patch({ op: 'replace', value: { emails: emails(MAX + 1, 'y') } }),
      patch({ op: 'add', value: { emails: emails(1, 'z') } }),
      // The first operation is fine; the second one fails: nothing of either is kept (RFC 7644 §3.5.2).
      patch({ op: 'replace', path: 'title', value: 'Boss' }, { op: 'add', path: 'emails', value: emails(1, 'w') }),
    ]) {
      assertCapped(await a.call('PATCH', `/Users/${id}`, body), 'emails');
    }
    const after = await a.call('GET', `/Users/${id}`);
    assert.equal(after.headers.get('etag'), ok.headers.get('etag'));
    assert.equal(after.body.emails.length, MAX);
    assert.equal(after.body.title, undefined);
  });

  it('Group members are not capped (they are rows, not values of the body)', async () => {
    const ids: string[] = [];
    for (let i = 0; i < MAX + 2; i++) ids.push(await createUser(a, `cap-member-${i}`));
    const gid = await createGroup(a, 'cap-group', ids.slice(0, MAX + 1));
    const r = await a.call('PATCH', `/Groups/${gid}`, patch({ op: 'add', path: 'members', value: [{ value: ids[MAX + 1] }] }));
    assert.equal(r.status, 204, JSON.stringify(r.body));
    const put = await a.call('PUT', `/Groups/${gid}`, group('cap-group', ids.map((value) => ({ value }))));
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal((await a.call('GET', `/Groups/${gid}`)).body.members.length, MAX + 2);
  });

  it('Bulk: POST, PUT and PATCH operations over the cap fail alone with 400 invalidValue', async () => {
    const id = await createUser(a, 'cap-bulk');
    const r = await a.call('POST', '/Bulk', {
      schemas: [BULK_REQ],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'over', data: { schemas: [USER], userName: 'cap-bulk-over', emails: emails(MAX + 1) } },
        { method: 'PUT', path: `/Users/${id}`, data: { schemas: [USER], userName: 'cap-bulk', emails: emails(MAX + 1) } },
        { method: 'PATCH', path: `/Users/${id}`, data: patch({ op: 'add', path: 'emails', value: emails(MAX + 1) }) },
        { method: 'POST', path: '/Users', bulkId: 'ok', data: { schemas: [USER], userName: 'cap-bulk-ok', emails: emails(MAX) } },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const ops = r.body.Operations as { status: string; response?: Record<string, unknown> }[];
    assert.deepEqual(ops.map((o) => o.status), ['400', '400', '400', '201']);
    for (const o of ops.slice(0, 3)) assertCapped({ status: 400, body: o.response ?? {} }, 'emails');
    assert.equal(await count('userName eq "cap-bulk-over"'), 0);
    const u = await a.call('GET', `/Users/${id}`);
    assert.equal(u.headers.get('etag'), 'W/"1"');
    assert.equal(u.body.emails, undefined);
  });
});
