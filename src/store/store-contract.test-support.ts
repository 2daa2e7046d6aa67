/**
 * The Store contract suite (docs/principles.md rule 11):
 * call `runStoreContract(name, open)` from each implementation's test file.
 * `open` must return a fresh, empty store each time.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { isScimError } from '../scim/errors.ts';
import type { Filter } from '../scim/filter/ast.ts';
import type { Store, StoredResource } from './store.ts';
import type { ResourceKind } from '../domain/resource.ts';
import type { Tenant } from '../domain/tenant.ts';

const T0 = '2024-01-01T00:00:00.000Z';

export function tenant(id = randomUUID()): Tenant {
  return { id, name: `t-${id.slice(0, 8)}`, idp: 'generic', createdAt: T0 };
}

export function userRes(tenantId: string, userName: string, extra: Record<string, unknown> = {}, id = randomUUID()): StoredResource {
  return { tenantId, type: 'User', id, data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, ...extra }, version: 1, created: T0, lastModified: T0 };
}

export function groupRes(tenantId: string, displayName: string, id = randomUUID()): StoredResource {
  return { tenantId, type: 'Group', id, data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName }, version: 1, created: T0, lastModified: T0 };
}

const eq = (name: string, value: string): Filter => {
  const [attr, sub] = name.split('.') as [string, string | undefined];
  return { kind: 'compare', path: sub === undefined ? { name: attr } : { name: attr, sub }, op: 'eq', value };
};

async function rejectsWith(p: Promise<unknown>, scimType: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => isScimError(e) && e.scimType === scimType);
}

async function ids(store: Store, tenantId: string, type: ResourceKind, filter?: Filter): Promise<string[]> {
  const r = await store.query(tenantId, type, { ...(filter ? { filter } : {}), startIndex: 1, count: 1000, withMembers: false });
  return r.resources.map((x) => x.id).sort();
}

/** A test body run on a fresh store from `open`, closed afterwards. */
export function storeTest(open: () => Promise<Store>): (fn: (s: Store) => Promise<void>) => () => Promise<void> {
  return (fn) => async () => {
    const s = await open();
    try {
      await fn(s);
    } finally {
      await s.close();
    }
  };
}

export function runStoreContract(name: string, open: () => Promise<Store>): void {
  const withStore = storeTest(open);

  describe(`Store contract: ${name}`, () => {
    it('creates, reads, lists and deletes tenants; delete cascades', withStore(async (s) => {
      const a = tenant();
      await s.createTenant(a);
      assert.deepEqual(await s.getTenant(a.id), a);
      assert.equal(await s.getTenant('nope'), undefined);
      assert.deepEqual((await s.listTenants()).map((t) => t.id), [a.id]);
      await s.insertApiKey({ id: 'k1', tenantId: a.id, digest: 'd', last4: 'abcd', createdAt: T0, expiresAt: null });
      const u = userRes(a.id, 'alice');
      await s.insertResource(u);
      assert.equal(await s.deleteTenant(a.id), true);
      assert.equal(await s.deleteTenant(a.id), false);
      assert.equal(await s.findApiKey('k1'), undefined);
      assert.equal(await s.getResource(a.id, 'User', u.id, { withMembers: false, withGroups: false }), undefined);
    }));

    it('stores API keys and expires only live ones', withStore(async (s) => {
      const a = tenant();
      const b = tenant();
      await s.createTenant(a);
      await s.createTenant(b);
      await s.insertApiKey({ id: 'k1', tenantId: a.id, digest: 'd1', last4: '1111', createdAt: T0, expiresAt: null });
      await s.insertApiKey({ id: 'k2', tenantId: a.id, digest: 'd2', last4: '2222', createdAt: T0, expiresAt: '2020-01-01T00:00:00.000Z' });
      await s.insertApiKey({ id: 'k3', tenantId: b.id, digest: 'd3', last4: '3333', createdAt: T0, expiresAt: null });
      await s.expireApiKeys(a.id, '2025-01-01T00:00:00.000Z');
      assert.equal((await s.findApiKey('k1'))?.expiresAt, '2025-01-01T00:00:00.000Z');
      assert.equal((await s.findApiKey('k2'))?.expiresAt, '2020-01-01T00:00:00.000Z');
      assert.equal((await s.findApiKey('k3'))?.expiresAt, null);
      assert.deepEqual((await s.listApiKeys(a.id)).map((k) => k.id).sort(), ['k1', 'k2']);
    }));

    it('creates a tenant with its key, rotates and expires in one call each; expire returns what it expired', withStore(async (s) => {
      const a = tenant();
      const k1 = { id: 'k1', tenantId: a.id, digest: 'd1', last4: '1111', createdAt: T0, expiresAt: null };
      await s.createTenantWithKey(a, k1);
      assert.deepEqual(await s.findApiKeyWithTenant('k1'), { key: k1, tenant: a });
      const k2 = { ...k1, id: 'k2', digest: 'd2', last4: '2222' };
      await s.rotateApiKey(k2, '2025-01-01T00:00:00.000Z');
      assert.deepEqual((await s.listApiKeys(a.id)).map((k) => [k.id, k.expiresAt]), [['k1', '2025-01-01T00:00:00.000Z'], ['k2', null]]);
      const expired = await s.expireApiKeys(a.id, '2024-06-01T00:00:00.000Z');
      assert.deepEqual(expired.map((k) => [k.id, k.expiresAt]).sort(), [['k1', '2024-06-01T00:00:00.000Z'], ['k2', '2024-06-01T00:00:00.000Z']]);
      assert.deepEqual(await s.expireApiKeys(a.id, '2024-07-01T00:00:00.000Z'), []);
      // A key for a tenant that does not exist stores nothing.
      await assert.rejects(s.createTenantWithKey(tenant(), { ...k1, id: 'k3', tenantId: 'elsewhere' }));
      assert.deepEqual((await s.listTenants()).map((t) => t.id), [a.id]);
    }));

    it('finds a key with its tenant in one call; nothing for an unknown key or a deleted tenant', withStore(async (s) => {
      const a = tenant();
      await s.createTenant(a);
      const key = { id: 'k1', tenantId: a.id, digest: 'd1', last4: '1111', createdAt: T0, expiresAt: null };
      await s.insertApiKey(key);
      assert.deepEqual(await s.findApiKeyWithTenant('k1'), { key, tenant: a });
      assert.equal(await s.findApiKeyWithTenant('nope'), undefined);
      // Expiry is visible at once (no cache).
      await s.expireApiKeys(a.id, '2025-01-01T00:00:00.000Z');
      assert.equal((await s.findApiKeyWithTenant('k1'))?.key.expiresAt, '2025-01-01T00:00:00.000Z');
      await s.deleteTenant(a.id);
      assert.equal(await s.findApiKeyWithTenant('k1'), undefined);
    }));

    it('keeps totalResults exact: inserts, failed inserts, deletes, filters, partial and empty pages, tenant delete', withStore(async (s) => {
      const a = tenant();
      const b = tenant();
      await s.createTenant(a);
      await s.createTenant(b);
      const total = async (t: string, type: ResourceKind, opts: { filter?: Filter; startIndex?: number; count?: number } = {}): Promise<number> =>
        (await s.query(t, type, { ...(opts.filter ? { filter: opts.filter } : {}), startIndex: opts.startIndex ?? 1, count: opts.count ?? 100, withMembers: false })).totalResults;
      assert.equal(await total(a.id, 'User'), 0);
      const users = [];
      for (let i = 0; i < 7; i++) users.push(userRes(a.id, `u${i}`));
      for (const u of users) await s.insertResource(u);
      await s.insertResource(groupRes(a.id, 'g1'));
      await s.insertResource(userRes(b.id, 'other'));
      await rejectsWith(s.insertResource(userRes(a.id, 'U0')), 'uniqueness');
      // A transaction that fails rolls its count back with it.
      await assert.rejects(s.transaction(async (tx) => {
        await tx.insertResource(userRes(a.id, 'rolled-back'));
        throw new Error('abort');
      }));
      for (const [startIndex, count] of [[1, 0], [1, 3], [1, 100], [5, 2], [7, 5], [8, 5], [50, 5]] as const) {
        assert.equal(await total(a.id, 'User', { startIndex, count }), 7, `startIndex=${startIndex} count=${count}`);
      }
      assert.equal(await total(a.id, 'Group'), 1);
      assert.equal(await total(b.id, 'User'), 1);
      const f = eq('userName', 'U3');
      for (const [startIndex, count] of [[1, 0], [1, 1], [1, 10], [2, 10], [9, 10]] as const) {
        assert.equal(await total(a.id, 'User', { filter: f, startIndex, count }), 1, `filter startIndex=${startIndex} count=${count}`);
      }
      const pr: Filter = { kind: 'present', path: { name: 'userName' } };
      for (const [startIndex, count] of [[1, 3], [3, 3], [6, 3], [7, 3], [8, 3], [20, 3]] as const) {
        assert.equal(await total(a.id, 'User', { filter: pr, startIndex, count }), 7, `pr startIndex=${startIndex} count=${count}`);
      }
      assert.equal(await total(a.id, 'User', { filter: eq('userName', 'nobody') }), 0);
      assert.equal(await s.deleteResource(a.id, 'User', users[0]!.id), true);
      assert.equal(await s.deleteResource(a.id, 'User', users[0]!.id), false);
      assert.equal(await total(a.id, 'User'), 6);
      assert.equal(await s.deleteTenant(a.id), true);
      assert.equal(await total(a.id, 'User'), 0);
      assert.equal(await total(b.id, 'User'), 1);
      // A re-created tenant with the same id starts from zero.
      await s.createTenant(a);
      await s.insertResource(userRes(a.id, 'again'));
      assert.equal(await total(a.id, 'User', { count: 0 }), 1);
    }));

    it('inserts, gets, updates with a version check, deletes', withStore(async (s) => {
      const a = tenant();
      await s.createTenant(a);
      const u = userRes(a.id, 'alice', { title: 'x' });
      await s.insertResource(u);
      const got = await s.getResource(a.id, 'User', u.id, { withMembers: false, withGroups: true });
      assert.deepEqual(got, { ...u, groups: [] });
      assert.equal(await s.getResource(a.id, 'Group', u.id, { withMembers: false, withGroups: false }), undefined);
      const v2 = { ...u, data: { ...u.data, title: 'y' }, version: 2, lastModified: '2024-02-01T00:00:00.000Z' };
      assert.equal(await s.updateResource(v2, 7), false);
      assert.equal(await s.updateResource(v2, 1), true);
      assert.equal((await s.getResource(a.id, 'User', u.id, { withMembers: false, withGroups: false }))?.version, 2);
      assert.equal(await s.deleteResource(a.id, 'User', u.id), true);
      assert.equal(await s.deleteResource(a.id, 'User', u.id), false);
    }));

    it('enforces userName / displayName uniqueness per tenant, case- and normalisation-insensitively', withStore(async (s) => {
      const a = tenant();
      const b = tenant();
      await s.createTenant(a);
      await s.createTenant(b);
      await s.insertResource(userRes(a.id, 'alice'));
      for (const dup of ['ALICE', 'Alice', '\uFF41\uFF4C\uFF49\uFF43\uFF45']) await rejectsWith(s.insertResource(userRes(a.id, dup)), 'uniqueness');
      await s.insertResource(userRes(a.id, 'caf\u00e9'));
      await rejectsWith(s.insertResource(userRes(a.id, 'cafe\u0301')), 'uniqueness');
      await s.insertResource(userRes(b.id, 'ALICE')); // another tenant: no conflict (docs/reliability.md AU-3)
      await s.insertResource(groupRes(a.id, 'alice')); // a group may share a user's name
      await s.insertResource(groupRes(a.id, 'Admins'));
      await rejectsWith(s.insertResource(groupRes(a.id, 'ADMINS')), 'uniqueness');
      const bob = userRes(a.id, 'bob');
      await s.insertResource(bob);
      await rejectsWith(s.updateResource({ ...bob, data: { ...bob.data, userName: 'Alice' }, version: 2 }, 1), 'uniqueness');
      assert.deepEqual(await ids(s, a.id, 'User', eq('userName', 'ALICE')), (await ids(s, a.id, 'User', eq('userName', 'alice'))));
      assert.equal((await ids(s, a.id, 'User', eq('userName', 'ALICE'))).length, 1);
    }));

    it('applies memberships: add is idempotent, remove, replace, cascades, User.groups', withStore(async (s) => {
      const a = tenant();
      await s.createTenant(a);
      const [u1, u2, u3] = [userRes(a.id, 'u1'), userRes(a.id, 'u2'), userRes(a.id, 'u3')];
      const g = groupRes(a.id, 'g');
      const g2 = groupRes(a.id, 'g2');
      for (const r of [u1, u2, u3, g, g2]) await s.insertResource(r);
      const m = (r: StoredResource) => ({ value: r.id, type: r.type, display: String(r.data['userName'] ?? r.data['displayName']) });
      assert.equal(await s.applyMembership(a.id, g.id, { add: [m(u1), m(u2)], remove: [] }), true);
      assert.equal(await s.applyMembership(a.id, g.id, { add: [m(u1)], remove: [] }), false);
      assert.equal(await s.applyMembership(a.id, g.id, { add: [], remove: [u3.id] }), false);
      await s.applyMembership(a.id, g2.id, { add: [m(u1), m(g)], remove: [] });
      const got = await s.getResource(a.id, 'Group', g.id, { withMembers: true, withGroups: false });
      assert.deepEqual(got?.members?.map((x) => x.value).sort(), [u1.id, u2.id].sort());
      const user = await s.getResource(a.id, 'User', u1.id, { withMembers: false, withGroups: true });
      assert.deepEqual(user?.groups?.map((x) => x.value).sort(), [g.id, g2.id].sort());
      assert.equal(user?.groups?.find((x) => x.value === g.id)?.display, 'g');
      assert.equal(await s.applyMembership(a.id, g.id, { replace: [m(u2), m(u3)], add: [], remove: [] }), true);
      assert.equal(await s.applyMembership(a.id, g.id, { replace: [m(u2), m(u3)], add: [], remove: [] }), false);
      assert.equal(await s.applyMembership(a.id, g.id, { add: [], remove: [u2.id] }), true);
      await s.deleteResource(a.id, 'User', u3.id);
      assert.deepEqual((await s.getResource(a.id, 'Group', g.id, { withMembers: true, withGroups: false }))?.members, []);
      await s.deleteResource(a.id, 'Group', g.id);
      assert.deepEqual((await s.getResource(a.id, 'Group', g2.id, { withMembers: true, withGroups: false }))?.members?.map((x) => x.value), [u1.id]);
      assert.deepEqual(await ids(s, a.id, 'Group', eq('members.value', u1.id)), [g2.id]);
      assert.deepEqual(await ids(s, a.id, 'User', eq('groups.value', g2.id)), [u1.id]);
      const page = await s.query(a.id, 'Group', { startIndex: 1, count: 10, withMembers: false });
      assert.ok(page.resources.every((r) => r.members === undefined));
    }));

    it('counts members exactly and reads them in keyset pages with the group version', withStore(async (s) => {
      const a = tenant();
      await s.createTenant(a);
      const us = Array.from({ length: 7 }, (_, i) => ({ ...userRes(a.id, `m${i}`), id: `m${i}` }));
      const g = groupRes(a.id, 'g');
      for (const r of [...us, g]) await s.insertResource(r);
      const m = (r: StoredResource) => ({ value: r.id, type: r.type });
      assert.equal(await s.memberCount(a.id, g.id), 0);
      await s.applyMembership(a.id, g.id, { add: us.slice(0, 5).map(m), remove: [] });
      await s.applyMembership(a.id, g.id, { add: us.slice(0, 2).map(m), remove: [] }); // already members: no change
      assert.equal(await s.memberCount(a.id, g.id), 5);
      await s.applyMembership(a.id, g.id, { replace: us.slice(2, 7).map(m), add: [], remove: [us[6]!.id] });
      assert.equal(await s.memberCount(a.id, g.id), 4);
      await s.deleteResource(a.id, 'User', us[2]!.id); // cascade
      assert.equal(await s.memberCount(a.id, g.id), 3);
      await s.transaction(async (tx) => {
        assert.equal(await tx.memberCount(a.id, g.id), 3);
      });
      const p1 = await s.readMembers(a.id, g.id, { limit: 2 });
      assert.deepEqual(p1?.members.map((x) => x.value), ['m3', 'm4']);
      assert.equal(p1?.version, g.version);
      const p2 = await s.readMembers(a.id, g.id, { after: 'm4', limit: 2 });
      assert.deepEqual(p2?.members.map((x) => x.value), ['m5']);
      assert.equal(await s.readMembers(a.id, 'nope', { limit: 2 }), undefined);
      const b = tenant();
      await s.createTenant(b);
      assert.equal(await s.readMembers(b.id, g.id, { limit: 2 }), undefined);
      assert.equal(await s.memberCount(b.id, g.id), 0);
      await s.deleteResource(a.id, 'Group', g.id);
      assert.equal(await s.memberCount(a.id, g.id), 0);
    }));

    it('isolates tenants in every method', withStore(async (s) => {
      const a = tenant();
      const b = tenant();
      await s.createTenant(a);
      await s.createTenant(b);
      const ub = userRes(b.id, 'shared', { externalId: 'x1' });
      const gb = groupRes(b.id, 'grp');
      await s.insertResource(ub);
      await s.insertResource(gb);
      await s.applyMembership(b.id, gb.id, { add: [{ value: ub.id, type: 'User' }], remove: [] });
      await s.insertResource(userRes(a.id, 'shared', { externalId: 'x1' }));
      assert.equal(await s.getResource(a.id, 'User', ub.id, { withMembers: true, withGroups: true }), undefined);
      assert.equal(await s.deleteResource(a.id, 'User', ub.id), false);
      assert.equal(await s.updateResource({ ...ub, tenantId: a.id, version: 2 }, 1), false);
      assert.equal((await s.existingIds(a.id, [ub.id, gb.id])).size, 0);
      assert.equal((await s.query(a.id, 'User', { filter: eq('id', ub.id), startIndex: 1, count: 10, withMembers: false })).totalResults, 0);
      assert.equal((await s.query(a.id, 'User', { filter: eq('externalId', 'x1'), startIndex: 1, count: 10, withMembers: false })).totalResults, 1);
      assert.equal((await s.query(a.id, 'Group', { startIndex: 1, count: 10, withMembers: true })).totalResults, 0);
      await assert.rejects(s.applyMembership(a.id, gb.id, { add: [{ value: ub.id, type: 'User' }], remove: [] }));
      assert.deepEqual((await s.getResource(b.id, 'Group', gb.id, { withMembers: true, withGroups: false }))?.members?.map((m) => m.value), [ub.id]);
      assert.equal((await s.existingIds(b.id, [ub.id, gb.id, 'zz'])).get(gb.id), 'Group');
    }));

    it('pages by index stably and sorts with nulls last', withStore(async (s) => {
      const a = tenant();
      await s.createTenant(a);
      const titles = ['b', null, 'A', 'c', null, 'a'];
      for (let i = 0; i < titles.length; i++) {
        const t = titles[i];
        await s.insertResource(userRes(a.id, `user${i}`, t === null ? {} : { title: t }));
      }
      const asc = await s.query(a.id, 'User', { sort: { path: { name: 'title' }, order: 'ascending' }, startIndex: 1, count: 100, withMembers: false });
      assert.deepEqual(asc.resources.map((r) => r.sortValue), ['a', 'a', 'b', 'c', null, null]);
      const desc = await s.query(a.id, 'User', { sort: { path: { name: 'title' }, order: 'descending' }, startIndex: 1, count: 100, withMembers: false });
      assert.deepEqual(desc.resources.map((r) => r.id), asc.resources.map((r) => r.id).reverse());
      const paged: string[] = [];
      for (let start = 1; start <= 6; start += 2) {
        const p = await s.query(a.id, 'User', { sort: { path: { name: 'title' }, order: 'ascending' }, startIndex: start, count: 2, withMembers: false });
        assert.equal(p.totalResults, 6);
        paged.push(...p.resources.map((r) => r.id));
      }
      assert.deepEqual(paged, asc.resources.map((r) => r.id));
      const none = await s.query(a.id, 'User', { startIndex: 1, count: 0, withMembers: false });
      assert.equal(none.totalResults, 6);
      assert.equal(none.resources.length, 0);
    }));

    it('pages by keyset forward and backward', withStore(async (s) => {
      const a = tenant();
      await s.createTenant(a);
      for (let i = 0; i < 9; i++) await s.insertResource(userRes(a.id, `k${i}`, i % 3 === 0 ? {} : { title: `t${i % 2}` }));
      for (const sort of [undefined, { path: { name: 'title' }, order: 'ascending' as const }, { path: { name: 'title' }, order: 'descending' as const }]) {
        const all = (await s.query(a.id, 'User', { ...(sort ? { sort } : {}), startIndex: 1, count: 100, withMembers: false })).resources;
        const seen: string[] = [];
        let page = await s.query(a.id, 'User', { ...(sort ? { sort } : {}), startIndex: 1, count: 2, withMembers: false });
        while (page.resources.length > 0) {
          seen.push(...page.resources.map((r) => r.id));
          const last = page.resources[page.resources.length - 1]!;
          page = await s.query(a.id, 'User', { ...(sort ? { sort } : {}), startIndex: 1, count: 2, withMembers: false, keyset: { sortValue: last.sortValue ?? null, id: last.id, direction: 'after' } });
          assert.equal(page.totalResults, 9);
        }
        assert.deepEqual(seen, all.map((r) => r.id));
        // Backward from the last row: the two before it, in forward order.
        const end = all[all.length - 1]!;
        const back = await s.query(a.id, 'User', { ...(sort ? { sort } : {}), startIndex: 1, count: 2, withMembers: false, keyset: { sortValue: end.sortValue ?? null, id: end.id, direction: 'before' } });
        assert.deepEqual(back.resources.map((r) => r.id), all.slice(-3, -1).map((r) => r.id));
      }
    }));

    it('runs many concurrent transactions without losing a commit', withStore(async (s) => {
      const a = tenant();
      await s.createTenant(a);
      const g = groupRes(a.id, 'big');
      await s.insertResource(g);
      const users = Array.from({ length: 40 }, (_, i) => userRes(a.id, `c${i}`));
      await Promise.all(
        users.map((u) =>
          s.transaction(async (tx) => {
            await tx.insertResource(u);
            await new Promise((r) => setImmediate(r));
            await tx.applyMembership(a.id, g.id, { add: [{ value: u.id, type: 'User' }], remove: [] });
          }),
        ),
      );
      const got = await s.getResource(a.id, 'Group', g.id, { withMembers: true, withGroups: false });
      assert.equal(got?.members?.length, 40);
    }));

    it('rolls back a failed transaction entirely', withStore(async (s) => {
      const a = tenant();
      await s.createTenant(a);
      const u = userRes(a.id, 'r1');
      await assert.rejects(
        s.transaction(async (tx) => {
          await tx.insertResource(u);
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await s.getResource(a.id, 'User', u.id, { withMembers: false, withGroups: false }), undefined);
      await s.transaction(async (tx) => tx.insertResource(u)); // the store is still usable
    }));

    it('once closed, every call rejects with 503 (a rejected promise, never a synchronous throw)', async () => {
      const s = await open();
      const a = tenant();
      await s.createTenant(a);
      await s.close();
      const calls: [string, () => Promise<unknown>][] = [
        ['getTenant', () => s.getTenant(a.id)],
        ['query', () => s.query(a.id, 'User', { startIndex: 1, count: 1, withMembers: false })],
        ['readMembers', () => s.readMembers(a.id, 'g', { limit: 1 })],
        ['insertResource', () => s.insertResource(userRes(a.id, 'late'))],
        ['transaction', () => s.transaction(async () => undefined)],
        ['recordRequestStats', () => s.recordRequestStats([{ tenantId: a.id, hour: '2024-01-01T00', requests: 1, errors: 0, lastAt: T0 }], [])],
        ['recordIgnoredInput', () => s.recordIgnoredInput(a.id, [{ kind: 'attribute', name: 'x' }], T0)],
        ['pruneAuditEvents', () => s.pruneAuditEvents(T0, 1)],
        ['secret', () => s.secret('late')],
        ['users.setSuspended', () => s.users.setSuspended(a.id, 'u', T0)],
        ['ping', () => s.ping()],
      ];
      for (const [name, call] of calls) {
        let p: Promise<unknown>;
        try {
          p = call();
        } catch (e) {
          assert.fail(`${name} threw synchronously: ${String(e)}`);
        }
        await assert.rejects(p, (e: unknown) => isScimError(e) && e.status === 503, name);
      }
      await s.close(); // twice is harmless
    });

    it('creates a secret once and returns it after', withStore(async (s) => {
      const x = await s.secret('cursor');
      assert.equal(x.length, 32);
      assert.deepEqual(await s.secret('cursor'), x);
      assert.notDeepEqual(await s.secret('other'), x);
      await s.ping();
    }));

    it('records ignored input per tenant: first/last seen and a count, bounded, gone with the tenant', withStore(async (s) => {
      const a = tenant();
      const b = tenant();
      await s.createTenant(a);
      await s.createTenant(b);
      const ext = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User:costCenter';
      const T1 = '2024-01-02T00:00:00.000Z';
      await s.recordIgnoredInput(a.id, [{ kind: 'attribute', name: ext }, { kind: 'member', name: 'gone-1' }, { kind: 'attribute', name: ext }], T0);
      await s.recordIgnoredInput(a.id, [{ kind: 'attribute', name: ext }], T1);
      await s.recordIgnoredInput(a.id, [], T1);
      assert.deepEqual(await s.listIgnoredInput(a.id), [
        { kind: 'attribute', name: ext, firstSeen: T0, lastSeen: T1, count: 2 },
        { kind: 'member', name: 'gone-1', firstSeen: T0, lastSeen: T0, count: 1 },
      ]);
      assert.deepEqual(await s.listIgnoredInput(b.id), []);
      // Bounded: a long name is cut, a tenant keeps at most 1000 distinct rows.
      await s.recordIgnoredInput(b.id, [{ kind: 'attribute', name: 'x'.repeat(5000) }], T0);
      assert.equal((await s.listIgnoredInput(b.id))[0]?.name.length, 256);
      await s.recordIgnoredInput(b.id, Array.from({ length: 1200 }, (_, i) => ({ kind: 'member', name: `m${i}` })), T0);
      assert.equal((await s.listIgnoredInput(b.id)).length, 1000);
      await s.deleteTenant(a.id);
      assert.deepEqual(await s.listIgnoredInput(a.id), []);
    }));

    it('orders the event feed by commit across tenants, prunes only a prefix, stores subscriber cursors (docs/events.md)', withStore(async (s) => {
      const tenants = [tenant(), tenant(), tenant()];
      const committed: string[] = [];
      let wakes = 0;
      const unobserve = s.observe({ committed: () => { wakes++; } });
      // Concurrent writers: the global order must be the commit order, each tenant's sequence gap-free.
      // Two waves (10 old events, then 20 recent ones): a store with concurrent writers
      // (PostgreSQL) commits one wave's transactions in any order, not in call order.
      const write = (i: number) => s.transaction(async (tx) => {
        const id = `feed-${i}`;
        await new Promise((r) => setImmediate(r));
        await tx.appendEvents(tenants[i % 3]!.id, [], [{ id, type: i % 2 === 0 ? 'user.created' : 'user.deleted', occurredAt: i < 10 ? T0 : '2024-06-01T00:00:00.000Z', payload: { i } }]);
        committed.push(id);
      });
      await Promise.all(Array.from({ length: 10 }, (_, i) => write(i)));
      await Promise.all(Array.from({ length: 20 }, (_, i) => write(10 + i)));
      unobserve();
      assert.ok(wakes >= 30, 'observers hear every commit');
      const all = await s.readEventFeed({ after: 0, limit: 100 });
      assert.deepEqual(all.events.map((e) => e.id), committed);
      assert.deepEqual(all.events.map((e) => e.gseq), Array.from({ length: 30 }, (_, i) => i + 1));
      assert.deepEqual([all.firstKept, all.last], [1, 30]);
      for (const t of tenants) {
        const mine = await s.readEventFeed({ tenantId: t.id, after: 0, limit: 100 });
        assert.deepEqual(mine.events.map((e) => e.seq), Array.from({ length: 10 }, (_, i) => i + 1));
        assert.deepEqual(mine.events.map((e) => e.id), committed.filter((id) => mine.events.some((e) => e.id === id)));
      }
      const deleted = await s.readEventFeed({ after: 5, types: ['user.deleted'], limit: 3 });
      assert.ok(deleted.events.every((e) => e.type === 'user.deleted' && e.gseq > 5) && deleted.events.length === 3);
      // Prune what is older than March, but not from gseq 4 on; then all old ones. Only a prefix goes.
      assert.equal(await s.pruneOutboxEvents('2024-03-01T00:00:00.000Z', 100, 4), 3);
      const old = (await s.readEventFeed({ after: 0, limit: 100 })).events.filter((e) => e.occurredAt === T0).length;
      const pruned = await s.pruneOutboxEvents('2024-03-01T00:00:00.000Z', 100);
      const kept = await s.readEventFeed({ after: 0, limit: 100 });
      assert.ok(pruned <= old);
      assert.equal(kept.firstKept, kept.events[0]!.gseq);
      assert.deepEqual(kept.events.map((e) => e.gseq), Array.from({ length: 30 - kept.firstKept + 1 }, (_, i) => kept.firstKept + i), 'a suffix is kept');
      assert.equal(kept.last, 30);
      assert.equal(await s.subscribers.get('sub'), undefined);
      await s.subscribers.set('sub', 9);
      await s.subscribers.set('sub', 3);
      assert.equal(await s.subscribers.get('sub'), 3);
      assert.equal(await s.subscribers.get('other'), undefined);
      assert.deepEqual(Object.keys(s.stats()).sort(), ['readQueued', 'readers', 'writeWaiting']);
    }));
  });
}
