/**
 * The Store contract, tenant administration part (docs/principles.md rule 11): key
 * last use, single-key expiry, tenant updates, and the bulk changes of a SCIM setup
 * deletion (docs/scim-api.md "API keys", "Deleting a SCIM setup"). Call
 * `runAdminStoreContract(name, open)` beside `runStoreContract` in each
 * implementation's test file; `open` returns a fresh, empty store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store } from './store.ts';
import { storeTest, tenant, userRes } from './store-contract.test-support.ts';

const T0 = '2024-01-01T00:00:00.000Z';
const T1 = '2024-01-02T00:00:00.000Z';
const T2 = '2024-01-03T00:00:00.000Z';

export function runAdminStoreContract(name: string, open: () => Promise<Store>): void {
  const withStore = storeTest(open);
  const key = (id: string, tenantId: string) => ({ id, tenantId, digest: 'd', last4: 'abcd', createdAt: T0, expiresAt: null });

  describe(`Store contract, administration: ${name}`, () => {
    it('records key last use, only forward in time; unknown ids are ignored', withStore(async (s) => {
      const t = tenant();
      await s.createTenantWithKey(t, key('k1', t.id));
      assert.equal((await s.findApiKey('k1'))?.lastUsedAt ?? null, null);
      await s.touchApiKeys([{ id: 'k1', at: T1 }, { id: 'nope', at: T1 }]);
      assert.equal((await s.findApiKey('k1'))?.lastUsedAt, T1);
      await s.touchApiKeys([{ id: 'k1', at: T0 }]);
      assert.equal((await s.findApiKey('k1'))?.lastUsedAt, T1, 'an older time never replaces a newer one');
      await s.touchApiKeys([]);
      assert.equal((await s.listApiKeys(t.id))[0]?.lastUsedAt, T1);
      assert.equal((await s.findApiKeyWithTenant('k1'))?.key.lastUsedAt, T1);
    }));

    it('expires one live key of its tenant only', withStore(async (s) => {
      const a = tenant();
      const b = tenant();
      await s.createTenantWithKey(a, key('ka', a.id));
      await s.insertApiKey(key('ka2', a.id));
      await s.createTenantWithKey(b, key('kb', b.id));
      assert.equal(await s.expireApiKey(b.id, 'ka', T1), undefined, 'another tenant\'s key');
      const done = await s.expireApiKey(a.id, 'ka', T1);
      assert.equal(done?.id, 'ka');
      assert.equal(done?.expiresAt, T1);
      assert.equal(await s.expireApiKey(a.id, 'ka', T2), undefined, 'no longer live at T2');
      assert.equal((await s.findApiKey('ka2'))?.expiresAt, null);
      assert.equal((await s.findApiKey('kb'))?.expiresAt, null);
      assert.equal(await s.expireApiKey(a.id, 'nope', T1), undefined);
    }));

    it('updates a tenant\'s name and identity provider, each alone', withStore(async (s) => {
      const t = tenant();
      await s.createTenant(t);
      assert.equal(await s.updateTenant(t.id, { name: 'renamed' }), true);
      assert.deepEqual(await s.getTenant(t.id), { ...t, name: 'renamed' });
      assert.equal(await s.updateTenant(t.id, { idp: 'okta' }), true);
      assert.deepEqual(await s.getTenant(t.id), { ...t, name: 'renamed', idp: 'okta' });
      assert.equal(await s.updateTenant('nope', { name: 'x' }), false);
    }));

    it('releases every user of a tenant from the managed mark and erases its hidden users', withStore(async (s) => {
      const a = tenant();
      const b = tenant();
      await s.createTenant(a);
      await s.createTenant(b);
      const u1 = userRes(a.id, 'u1');
      const u2 = userRes(a.id, 'u2');
      const other = userRes(b.id, 'o1');
      for (const r of [u1, u2, other]) await s.insertResource(r);
      assert.equal((await s.users.get(a.id, u1.id))?.managed, true);
      assert.equal(await s.users.releaseAll(a.id), 2);
      assert.equal((await s.users.get(a.id, u1.id))?.managed, false);
      assert.equal((await s.users.get(b.id, other.id))?.managed, true, 'another tenant is untouched');
      await s.transaction(async (tx) => {
        await tx.users.hide(a.id, u2.id, { version: 1, created: T0, groups: [] }, T1);
        await tx.deleteResource(a.id, 'User', u2.id);
      });
      assert.equal((await s.users.get(a.id, u2.id))?.status, 'inactive');
      assert.equal(await s.users.eraseHidden(a.id), 1);
      assert.equal(await s.users.get(a.id, u2.id), undefined);
      assert.equal((await s.users.get(a.id, u1.id))?.userName, 'u1', 'visible users stay');
    }));
  });
}
