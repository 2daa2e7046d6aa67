/**
 * One write path (docs/audit.md): every SCIM change writes exactly one audit row and
 * its outbox events in the transaction of the change — both roll back with it, a
 * refused or no-op request writes no change, no password, secret or filter value
 * reaches either table, and each tenant's sequence numbers have no gaps.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuditEvent, OutboxEvent } from '../../src/store/store.ts';
import { BULK_REQ, createGroup, createUser, group, patch, startTestServer, tenant, user } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';
import { dbQuery } from '../helpers/server.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

/** Every audit row / outbox event of the tenant, the tenant's own creation (`scim_setup.created`) included. */
const allAudit = (c: Client): Promise<AuditEvent[]> => srv.store.listAuditEvents(c.tenantId, { limit: 10_000 });
const allOutbox = (c: Client): Promise<OutboxEvent[]> => srv.store.listOutboxEvents(c.tenantId, { limit: 10_000 });
/** Those of SCIM resources only. */
const audit = async (c: Client): Promise<AuditEvent[]> => (await allAudit(c)).filter((r) => r.resourceType !== 'ScimSetup');
const outbox = async (c: Client): Promise<OutboxEvent[]> => (await allOutbox(c)).filter((e) => !e.type.startsWith('scim_setup.'));
const gapless = (rows: readonly { seq: number }[]): void => assert.deepEqual(rows.map((r) => r.seq), rows.map((_, i) => i + 1));

/** Every audit and outbox row of the database, as text (a second connection). */
async function allRows(): Promise<string> {
  const audit = await dbQuery(srv, { sqlite: 'SELECT * FROM audit_events', postgres: 'SELECT * FROM audit_events' });
  const outbox = await dbQuery(srv, { sqlite: 'SELECT * FROM outbox_events', postgres: 'SELECT * FROM outbox_events' });
  return JSON.stringify([audit, outbox]);
}

describe('audit and outbox of SCIM writes', () => {
  it('POST, PUT, PATCH, DELETE: one audit row each, with the actor, request, change and events', async () => {
    const c = await tenant(srv, 'okta');
    const post = await c.call('POST', '/Users', user('ada', { active: true, title: 'Eng' }), { 'x-request-id': 'req-post-1' });
    assert.equal(post.status, 201);
    const id = post.body.id as string;
    assert.equal((await c.call('PUT', `/Users/${id}`, user('ada', { active: true, title: 'Lead' }))).status, 200);
    assert.equal((await c.call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: false }))).status, 200);
    assert.equal((await c.call('DELETE', `/Users/${id}`)).status, 204);

    const rows = await audit(c);
    assert.deepEqual(rows.map((r) => [r.operation, r.method, r.path, r.status, r.outcome]), [
      ['create', 'POST', '/Users', 201, 'success'],
      ['replace', 'PUT', `/Users/${id}`, 200, 'success'],
      ['patch', 'PATCH', `/Users/${id}`, 200, 'success'],
      ['delete', 'DELETE', `/Users/${id}`, 204, 'success'],
    ]);
    const first = rows[0]!;
    assert.equal(first.requestId, 'req-post-1');
    assert.equal(first.actorKind, 'api_key');
    assert.match(first.actorId ?? '', /^[0-9A-Za-z]{16}$/);
    assert.equal(first.actorLabel, `roster_${first.actorId}`);
    assert.equal(first.idp, 'okta');
    assert.ok(rows.every((r) => r.resourceType === 'User' && r.resourceId === id));
    assert.deepEqual((rows[1]!.change as { attributes: unknown[] }).attributes, [{ path: 'title', before: 'Eng', after: 'Lead' }]);
    assert.deepEqual((rows[2]!.change as { attributes: unknown[] }).attributes, [{ path: 'active', before: true, after: false }]);

    const events = await outbox(c);
    assert.deepEqual(events.map((e) => e.type), ['user.created', 'user.updated', 'user.deactivated', 'user.deprovisioned']);
    gapless(await allAudit(c));
    gapless(await allOutbox(c));
    assert.deepEqual(events[1]!.payload, { id, userName: 'ada', attributes: ['title'], profile: { username: 'ada', position: 'Lead', status: 'active' }, roles: [] });
    assert.equal(new Set(events.map((e) => e.id)).size, 4);
  });

  it('a user event carries the role ids the user holds after the write', async () => {
    const c = await tenant(srv);
    const id = await createUser(c, 'rolf');
    const g1 = await createGroup(c, 'Ops', [id]);
    const g2 = await createGroup(c, 'Dev', [id]);
    assert.equal((await c.call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'SRE' }))).status, 200);
    const updated = (await outbox(c)).filter((e) => e.type === 'user.updated').at(-1)!;
    assert.deepEqual((updated.payload as { roles: string[] }).roles, [g1, g2].sort());
  });

  it('a change and its audit and outbox rows roll back together', async () => {
    const c = await tenant(srv);
    await createUser(c, 'before-failure');
    const rowsBefore = (await audit(c)).length;
    // A failure after the change is written: the outbox insert itself fails.
    await dbQuery(srv, {
      sqlite: "CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox_events BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
      postgres: "CREATE FUNCTION fail_outbox() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$; " +
        'CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox_events FOR EACH ROW EXECUTE FUNCTION fail_outbox()',
    });
    try {
      const r = await c.call('POST', '/Users', user('never-stored'));
      assert.equal(r.status, 500);
    } finally {
      await dbQuery(srv, { sqlite: 'DROP TRIGGER fail_outbox', postgres: 'DROP TRIGGER fail_outbox ON outbox_events' });
    }
    const found = await c.call('GET', `/Users?filter=${encodeURIComponent('userName eq "never-stored"')}`);
    assert.equal(found.body.totalResults, 0);
    assert.equal((await audit(c)).length, rowsBefore);
    // And the sequence goes on without a gap.
    await createUser(c, 'after-failure');
    assert.deepEqual((await audit(c)).map((r) => (r.change as { attributes: { after: unknown }[] }).attributes[0]?.after), ['before-failure', 'after-failure']);
    gapless(await allAudit(c));
    gapless(await allOutbox(c));
  });

  it('every version change of a resource has exactly one audit row', async () => {
    const c = await tenant(srv);
    const id = await createUser(c, 'counted');
    for (let i = 0; i < 5; i++) await c.call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: `t${i}` }));
    const current = await c.call('GET', `/Users/${id}`);
    const version = Number(/W\/"(\d+)"/.exec(current.body.meta.version as string)?.[1]);
    assert.equal(version, 6);
    assert.equal((await audit(c)).filter((r) => r.resourceId === id).length, version);
  });

  it('a PATCH whose third operation fails, a refused request and a no-op PATCH write no change', async () => {
    const c = await tenant(srv);
    const id = await createUser(c, 'stable', { title: 'A' });
    const failing = patch(
      { op: 'replace', path: 'title', value: 'B' },
      { op: 'add', path: 'nickName', value: 'N' },
      { op: 'remove', path: 'userName' },
    );
    assert.equal((await c.call('PATCH', `/Users/${id}`, failing)).status, 400);
    assert.equal((await c.call('POST', '/Users', user('stable'))).status, 409);
    assert.equal((await c.call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'A' }))).status, 200);
    assert.equal((await c.call('DELETE', `/Users/${id}`, undefined, { 'if-match': 'W/"99"' })).status, 412);
    const rows = await audit(c);
    assert.deepEqual(rows.filter((r) => r.outcome === 'success').map((r) => r.operation), ['create']);
    // Refused state-changing requests are audited as such, with their status and no change.
    assert.deepEqual(rows.filter((r) => r.outcome === 'refused').map((r) => [r.operation, r.status, r.change]), [
      ['patch', 400, null],
      ['create', 409, null],
      ['delete', 412, null],
    ]);
    assert.deepEqual((await outbox(c)).map((e) => e.type), ['user.created']);
    assert.equal((await c.call('GET', `/Users/${id}`)).body.title, 'A');
  });

  it('no password, secret or filter value in any audit or outbox row', async () => {
    const c = await tenant(srv);
    const post = await c.call('POST', `/Users?filter=${encodeURIComponent('userName eq "FilterValue42"')}`, user('pw', { password: 'Pass-Post-1!' }));
    assert.equal(post.status, 201);
    const id = post.body.id as string;
    assert.equal((await c.call('PUT', `/Users/${id}`, user('pw', { password: 'Pass-Put-2!', title: 'x' }))).status, 200);
    assert.equal((await c.call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'password', value: 'Pass-Patch-3!' }, { op: 'replace', path: 'title', value: 'y' }))).status, 200);
    assert.equal((await c.call('PATCH', `/Users/${id}`, patch({ op: 'replace', value: { password: 'Pass-Patch-4!', title: 'z' } }))).status, 200);
    const text = await allRows();
    for (const secret of ['Pass-Post-1!', 'Pass-Put-2!', 'Pass-Patch-3!', 'Pass-Patch-4!', 'FilterValue42', 'password']) {
      assert.ok(!text.includes(secret), `${secret} must not be recorded`);
    }
    const rows = await audit(c);
    assert.equal(rows.length, 4);
    assert.equal(rows[0]!.path, '/Users?filter=%E2%80%A6');
  });

  it('per-tenant sequence numbers are strictly increasing without gaps under concurrent writes', async () => {
    const a = await tenant(srv);
    const b = await tenant(srv);
    await Promise.all([
      ...Array.from({ length: 25 }, (_, i) => createUser(a, `a${i}`)),
      ...Array.from({ length: 25 }, (_, i) => createUser(b, `b${i}`)),
    ]);
    for (const c of [a, b]) {
      assert.equal((await audit(c)).length, 25);
      assert.equal((await outbox(c)).length, 25);
      gapless(await allAudit(c));
      gapless(await allOutbox(c));
    }
  });

  it('concurrent writes with refusals among them (group commit): a 409 leaves no change and no event, only its refused audit row', async () => {
    const c = await tenant(srv);
    // Twenty POSTs at once, ten of them repeating a userName: they share COMMITs
    // (docs/storage.md "Group commit"); each duplicate rolls back to its own savepoint.
    const names = Array.from({ length: 20 }, (_, i) => `dup${i % 10}`);
    const statuses = (await Promise.all(names.map((n) => c.call('POST', '/Users', user(n))))).map((r) => r.status);
    assert.deepEqual([...statuses].sort(), [...Array(10).fill(201), ...Array(10).fill(409)]);
    const rows = await audit(c);
    assert.equal(rows.filter((r) => r.outcome === 'success' && r.operation === 'create').length, 10);
    assert.deepEqual(rows.filter((r) => r.outcome === 'refused').map((r) => [r.operation, r.status, r.change]), Array(10).fill(['create', 409, null]));
    const events = await outbox(c);
    assert.deepEqual(events.map((e) => e.type), Array(10).fill('user.created'));
    assert.deepEqual(new Set(events.map((e) => (e.payload as { userName: string }).userName)), new Set(names));
    gapless(await allAudit(c));
    gapless(await allOutbox(c));
    const listed = await c.call('GET', '/Users?count=100');
    assert.equal(listed.body.totalResults, 10);
  });

  it('adding 500 members: one audit row (bounded list, counts) and role.member_added batches of at most 100', async () => {
    const c = await tenant(srv);
    const ops = Array.from({ length: 500 }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `u${i}`, data: user(`m${i}`) }));
    const bulk = await c.call('POST', '/Bulk', { schemas: [BULK_REQ], Operations: ops });
    assert.equal(bulk.status, 200);
    const ids = (bulk.body.Operations as { location: string }[]).map((o) => o.location.split('/').pop() as string);
    const gid = await createGroup(c, 'big');
    const before = (await outbox(c)).length;
    const r = await c.call('PATCH', `/Groups/${gid}`, patch({ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }));
    assert.ok(r.status === 200 || r.status === 204);
    const rows = (await audit(c)).filter((x) => x.resourceId === gid);
    assert.deepEqual(rows.map((x) => [x.operation, x.status]), [['create', 201], ['patch', r.status]]);
    const members = (rows[1]!.change as { members: { added: string[]; addedCount: number } }).members;
    assert.equal(members.addedCount, 500);
    assert.equal(members.added.length, 100);
    const events = (await outbox(c)).slice(before);
    assert.deepEqual(events.map((e) => e.type), Array(5).fill('role.member_added'));
    const listed = events.flatMap((e) => (e.payload as { members: string[] }).members);
    assert.deepEqual([...listed].sort(), [...ids].sort());
    for (const e of events) {
      assert.ok((e.payload as { members: string[] }).members.length <= 100);
      assert.ok(JSON.stringify(e.payload).length < 5000);
    }
    // Bulk: each operation is its own unit of work, audited with its own method and path.
    const bulkRows = (await audit(c)).filter((x) => x.resourceType === 'User');
    assert.equal(bulkRows.length, 500);
    assert.ok(bulkRows.every((x) => x.method === 'POST' && x.path === '/Users'));
  });

  it('a group created with members records role.created and role.member_added', async () => {
    const c = await tenant(srv);
    const u = await createUser(c, 'member');
    const r = await c.call('POST', '/Groups', group('g', [{ value: u }]));
    assert.equal(r.status, 201);
    const events = await outbox(c);
    assert.deepEqual(events.map((e) => e.type), ['user.created', 'role.created', 'role.member_added']);
    assert.deepEqual(events[2]!.payload, { id: r.body.id, members: [u], batch: 1, batches: 1, count: 1 });
  });
});
