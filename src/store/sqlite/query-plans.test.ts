/**
 * Query plans of the hot statements (docs/storage.md "Query plans"): every
 * statement the store runs for a request is traced, then `EXPLAIN QUERY PLAN`
 * must show index lookups — never a table scan, never a range over a whole tenant
 * (`(tenant_id=?)` alone), which costs O(tenant size) per request.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { defaultRegistry } from '../../scim/schema/registry.ts';
import { groupRes, tenant, userRes } from '../store-contract.test-support.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { SqliteStore } from './sqlite-store.ts';
import type { Filter } from '../../scim/filter/ast.ts';

const dir = mkdtempSync(join(tmpdir(), 'roster-plans-'));
const file = join(dir, 'roster.db');
const traced: string[] = [];
let store: SqliteStore;
let plans: Database.Database;
const t = tenant();
const users = Array.from({ length: 20 }, (_, i) =>
  userRes(t.id, `user${i}`, { externalId: `ext${i}`, emails: [{ value: `user${i}@example.com`, type: 'work' }] }),
);
const group = groupRes(t.id, 'Admins');

before(async () => {
  store = await openSqliteStore({ file, registry: defaultRegistry, trace: (sql) => traced.push(sql) });
  await store.createTenant(t);
  await store.insertApiKey({ id: 'k1', tenantId: t.id, digest: 'd', last4: 'abcd', createdAt: '2024-01-01T00:00:00.000Z', expiresAt: null });
  for (const u of users) await store.insertResource(u);
  await store.insertResource(group);
  await store.applyMembership(t.id, group.id, { add: users.slice(0, 10).map((u) => ({ value: u.id, type: 'User' as const })), remove: [] });
  plans = new Database(file, { readonly: true });
  // The store's per-row deadline check (docs/storage.md "Query deadline"), for EXPLAIN.
  plans.function('scim_live', { deterministic: false }, (_rowid: unknown) => 1);
});
after(async () => {
  plans.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The statements `fn` runs (transaction control and pragmas left out). */
async function statementsOf(fn: () => Promise<unknown>): Promise<string[]> {
  traced.length = 0;
  await fn();
  return traced.filter((s) => /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b/i.test(s));
}

function planOf(sql: string): string[] {
  return (plans.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail);
}

/** Fails on a full scan of a real table or a range over a whole tenant. */
function assertIndexed(sql: string): string[] {
  const plan = planOf(sql);
  for (const line of plan) {
    const scan = /^SCAN /.test(line) && !/VIRTUAL TABLE/.test(line);
    const wholeTenant = /\((tenant_id=\?)\)$/.test(line);
    assert.ok(!scan && !wholeTenant, `${line}\n  in: ${sql.slice(0, 300)}\n  plan: ${plan.join(' | ')}`);
  }
  return plan;
}

const eq = (name: string, value: string, sub?: string): Filter => ({
  kind: 'compare',
  path: sub === undefined ? { name } : { name, sub },
  op: 'eq',
  value,
});

describe('query plans of the hot statements', () => {
  const u0 = users[0]!;
  const cases: [string, () => Promise<unknown>][] = [
    ['authentication: key + tenant', () => store.findApiKeyWithTenant('k1')],
    ['get User by id with groups', () => store.getResource(t.id, 'User', u0.id, { withMembers: false, withGroups: true })],
    ['get Group by id with members', () => store.getResource(t.id, 'Group', group.id, { withMembers: true, withGroups: false })],
    ['userName eq', () => store.query(t.id, 'User', { filter: eq('userName', 'USER3'), startIndex: 1, count: 100, withMembers: false })],
    ['externalId eq', () => store.query(t.id, 'User', { filter: eq('externalId', 'ext3'), startIndex: 1, count: 100, withMembers: false })],
    ['emails.value eq', () => store.query(t.id, 'User', { filter: eq('emails', 'user3@example.com', 'value'), startIndex: 1, count: 100, withMembers: false })],
    ['displayName eq (Groups)', () => store.query(t.id, 'Group', { filter: eq('displayName', 'admins'), startIndex: 1, count: 100, withMembers: true })],
    ['a page of Users with their groups', () => store.query(t.id, 'User', { startIndex: 1, count: 5, withMembers: false })],
    ['a page of Groups with their members', () => store.query(t.id, 'Group', { startIndex: 1, count: 5, withMembers: true })],
    ['a cursor page', () => store.query(t.id, 'User', { startIndex: 1, count: 5, withMembers: false, keyset: { sortValue: null, id: u0.id, direction: 'after' } })],
    ['existing ids (one)', () => store.existingIds(t.id, [u0.id])],
    ['existing ids (many)', () => store.existingIds(t.id, users.slice(0, 5).map((u) => u.id))],
    ['members add', () => store.applyMembership(t.id, group.id, { add: [{ value: users[15]!.id, type: 'User' }], remove: [] })],
    ['members remove', () => store.applyMembership(t.id, group.id, { add: [], remove: [users[15]!.id] })],
    ['members replace', () => store.applyMembership(t.id, group.id, { replace: users.slice(0, 9).map((u) => ({ value: u.id, type: 'User' as const })), add: [], remove: [] })],
    ['insert a User (email side table)', () => store.insertResource(userRes(t.id, 'new1', { emails: [{ value: 'n@example.com' }] }))],
    ['delete a User (cascade to member rows and emails)', () => store.deleteResource(t.id, 'User', users[19]!.id)],
    ['update a User (email side table)', () => store.updateResource({ ...u0, data: { ...u0.data, emails: [{ value: 'changed@example.com' }] }, version: 2 }, 1)],
  ];
  for (const [name, fn] of cases) {
    it(`${name}: index lookups only`, async () => {
      const stmts = await statementsOf(fn);
      assert.ok(stmts.length > 0, 'the operation ran SQL');
      for (const sql of stmts) assertIndexed(sql);
    });
  }

  it('existing ids use the primary key (one lookup per id), not the tenant index', async () => {
    for (const ids of [[u0.id], users.slice(0, 5).map((u) => u.id)]) {
      const stmts = await statementsOf(() => store.existingIds(t.id, ids));
      assert.equal(stmts.length, 1);
      const plan = planOf(stmts[0]!).join(' | ');
      assert.match(plan, /SEARCH r(esources)? USING INDEX sqlite_autoindex_resources_1 \(tenant_id=\? AND id=\?\)/, plan);
      assert.doesNotMatch(plan, /resources_type_id/, plan);
    }
  });

  it('an unfiltered list reads the counter, not COUNT(*)', async () => {
    const stmts = await statementsOf(() => store.query(t.id, 'User', { startIndex: 1, count: 5, withMembers: false }));
    assert.ok(stmts.some((s) => /FROM resource_counts/.test(s)), stmts.join('\n'));
    assert.ok(!stmts.some((s) => /COUNT\(\*\)/i.test(s)), stmts.join('\n'));
  });

  it('a userName eq lookup runs no COUNT(*) (the page is not full)', async () => {
    const stmts = await statementsOf(() => store.query(t.id, 'User', { filter: eq('userName', 'user3'), startIndex: 1, count: 100, withMembers: false }));
    assert.ok(!stmts.some((s) => /COUNT\(\*\)/i.test(s)), stmts.join('\n'));
  });
});

describe('query plans of the lifecycle statements (docs/scim-api.md "User lifecycle")', () => {
  it('the restore lookup on POST seeks a hidden user by externalId or userName, never the whole tenant', async () => {
    for (const by of [{ externalId: 'ext-1' }, { nameFold: 'user3' }]) {
      const stmts = await statementsOf(() => store.transaction(async (tx) => tx.users.findHidden(t.id, by)));
      assert.equal(stmts.length, 1, stmts.join('\n'));
      const plan = assertIndexed(stmts[0]!).join(' | ');
      assert.match(plan, /USING INDEX platform_users_(hidden_external_id|name)/, plan);
    }
  });
});

describe('query plans of the member-size statements (docs/scim-api.md "Response size and large groups")', () => {
  const cases: [string, () => Promise<unknown>][] = [
    ['a bounded page of Groups with their members', () => store.query(t.id, 'Group', { startIndex: 1, count: 5, withMembers: true, maxRelations: 2 })],
    ['a bounded page of Users with their groups', () => store.query(t.id, 'User', { startIndex: 1, count: 5, withMembers: false, maxRelations: 2 })],
    ['member count', () => store.memberCount(t.id, group.id)],
    ['a keyset page of members', () => store.readMembers(t.id, group.id, { after: users[0]!.id, limit: 3 })],
  ];
  for (const [name, fn] of cases) {
    it(`${name}: index lookups only, no COUNT(*)`, async () => {
      const stmts = await statementsOf(fn);
      assert.ok(stmts.length > 0, 'the operation ran SQL');
      for (const sql of stmts) assertIndexed(sql);
      assert.ok(!stmts.some((s) => /COUNT\(\*\)/i.test(s)), stmts.join('\n'));
    });
  }
});
