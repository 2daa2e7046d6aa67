/**
 * docs/reliability.md CF-7: the change, its audit row and its outbox events commit
 * together. `roster serve` runs a burst of concurrent SCIM writes (creates, member
 * adds and removes, attribute PATCHes, DELETEs under the default `deactivate`
 * policy) and is SIGKILLed at a random moment, 6 times on the same SQLite file.
 * After each kill the file is opened from outside and compared with itself:
 *
 * - the visible users are exactly the audited creates minus the audited deletes;
 * - every audited create and delete has its `user.created` / `user.deprovisioned`
 *   event, and no such event lacks its audit row;
 * - each user's version equals its audited writes (one create + one row per PATCH),
 *   so no PATCH committed without its row and no row without its PATCH;
 * - the group's members are exactly what its `role.member_added` / `member_removed`
 *   events, replayed in sequence order, leave.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { defaultRegistry } from '../../src/scim/schema/registry.ts';
import { GROUP, PATCH_OP, USER, checkDatabase, client, createTenantCli, sleep, spawnServer } from './process.ts';
import type { Client, ServerProcess } from './process.ts';

const ROUNDS = 6;

/** Best effort: the server may die under any request. */
async function attempt(call: Client, method: string, path: string, body?: unknown): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    const r = await call(method, path, body);
    return r.status < 300 ? r.body ?? {} : undefined;
  } catch {
    return undefined;
  }
}

async function load(call: Client, round: number, groupId: string, stop: { now: boolean }): Promise<void> {
  const made: string[] = [];
  const creator = async (w: number): Promise<void> => {
    for (let i = 0; !stop.now; i++) {
      const b = await attempt(call, 'POST', '/Users', { schemas: [USER], userName: `r${round}-${w}-${i}`, title: 't0' });
      if (b?.id !== undefined) made.push(b.id as string);
    }
  };
  const member = async (): Promise<void> => {
    while (!stop.now) {
      const ids = made.slice(-5);
      if (ids.length === 0) {
        await sleep(5);
        continue;
      }
      const op = Math.random() < 0.7 ? 'add' : 'remove';
      const value = ids.map((v) => ({ value: v }));
      const body = op === 'add'
        ? { schemas: [PATCH_OP], Operations: [{ op, path: 'members', value }] }
        : { schemas: [PATCH_OP], Operations: [{ op, path: `members[value eq "${ids[0]}"]` }] };
      await attempt(call, 'PATCH', `/Groups/${groupId}`, body);
    }
  };
  const patcher = async (): Promise<void> => {
    for (let k = 1; !stop.now; k++) {
      const id = made[Math.floor(Math.random() * made.length)];
      if (id === undefined) {
        await sleep(5);
        continue;
      }
      await attempt(call, 'PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: `t${k}` }] });
    }
  };
  const deleter = async (): Promise<void> => {
    while (!stop.now) {
      const id = made.length > 20 ? made.splice(Math.floor(Math.random() * 10), 1)[0] : undefined;
      if (id === undefined) await sleep(10);
      else await attempt(call, 'DELETE', `/Users/${id}`);
    }
  };
  await Promise.all([creator(0), creator(1), member(), patcher(), deleter()]);
}

/** Checks the file's changes against its audit and outbox rows. */
async function verify(db: string, tenantId: string, groupId: string, round: number): Promise<{ users: number; events: number }> {
  const store = await openSqliteStore({ file: db, registry: defaultRegistry, readerWorkers: 0 });
  try {
    const audit = await store.listAuditEvents(tenantId, { limit: 1_000_000 });
    const outbox = await store.listOutboxEvents(tenantId, { limit: 1_000_000 });
    const users = (await store.query(tenantId, 'User', { startIndex: 1, count: 1_000_000, withMembers: false, withGroups: false })).resources;
    const ok = audit.filter((a) => a.outcome === 'success' && a.resourceType === 'User');
    const ids = (rows: readonly { resourceId: string }[]): string[] => rows.map((r) => r.resourceId).sort();
    const created = ids(ok.filter((a) => a.operation === 'create'));
    const deleted = ids(ok.filter((a) => a.operation === 'delete'));
    const payloadIds = (type: string): string[] => outbox.filter((e) => e.type === type).map((e) => (e.payload as { id: string }).id).sort();
    assert.deepEqual(payloadIds('user.created'), created, `round ${round}: user.created events = audited creates`);
    assert.deepEqual(payloadIds('user.deprovisioned'), deleted, `round ${round}: user.deprovisioned events = audited deletes`);
    const gone = new Set(deleted);
    assert.deepEqual(users.map((u) => u.id).sort(), created.filter((id) => !gone.has(id)), `round ${round}: users = audited creates − audited deletes`);
    for (const u of users) {
      const writes = ok.filter((a) => a.resourceId === u.id && (a.operation === 'create' || a.operation === 'patch')).length;
      assert.equal(u.version, writes, `round ${round}: ${u.id} has version ${u.version} but ${writes} audited writes`);
    }
    const members = new Set<string>();
    for (const e of outbox) {
      const p = e.payload as { id: string; members?: string[] };
      if (p.id !== groupId) continue;
      if (e.type === 'role.member_added') for (const m of p.members ?? []) members.add(m);
      if (e.type === 'role.member_removed') for (const m of p.members ?? []) members.delete(m);
    }
    // A deprovisioned user leaves its groups with its SCIM row (docs/scim-api.md "User lifecycle").
    for (const id of gone) members.delete(id);
    const page = await store.readMembers(tenantId, groupId, { limit: 1_000_000 });
    assert.deepEqual(page!.members.map((m) => m.value).sort(), [...members].sort(), `round ${round}: members = replay of the membership events`);
    return { users: users.length, events: outbox.length };
  } finally {
    await store.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'roster-cf7-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('CF-7: kill -9 under load leaves no change without its audit row and outbox event, and none of those without its change', async (t) => {
  const db = join(dir, 'roster.db');
  const tenant = await createTenantCli(db, 'CF-7');
  let groupId = '';
  let server: ServerProcess | undefined;
  let last = { users: 0, events: 0 };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      server = await spawnServer(db, ['--tenant-rate-limit', '0']);
      const call = client(server.url, tenant);
      if (round === 0) {
        const g = await call('POST', '/Groups', { schemas: [GROUP], displayName: 'everyone' });
        assert.equal(g.status, 201);
        groupId = g.body.id as string;
      }
      const stop = { now: false };
      const running = load(call, round, groupId, stop);
      await sleep(400 + Math.floor(Math.random() * 800));
      const exit = await server.kill();
      stop.now = true;
      await running;
      assert.equal(exit.signal, 'SIGKILL', `round ${round}: the server was still running when killed`);
      assert.equal(checkDatabase(db).integrity, 'ok');
      last = await verify(db, tenant.id, groupId, round);
    }
  } finally {
    await server?.kill();
  }
  t.diagnostic(`after ${ROUNDS} kills: ${last.users} users, ${last.events} outbox events, all matched`);
  assert.ok(last.users > 0 && last.events > ROUNDS, 'the load did write');
});
