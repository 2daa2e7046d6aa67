/**
 * Races every store must settle the same way (docs/reliability.md CC-3, CC-1), run on
 * each store in `STORES` (`test-stores.test-support.ts`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isScimError } from '../scim/errors.ts';
import { groupRes, tenant, userRes } from './store-contract.test-support.ts';
import { forEachStore } from './test-stores.test-support.ts';

forEachStore((kind, open) => {
  describe(`store races: ${kind}`, () => {
    it('concurrent creates of one userName in case variants: one row, the rest 409 uniqueness', async () => {
      const s = await open();
      try {
        const t = tenant();
        await s.createTenant(t);
        const results = await Promise.allSettled(['bob', 'BOB', 'Bob', '\uFF42\uFF4F\uFF42'].flatMap((n) => [n, n, n]).map((n) => s.transaction((tx) => tx.insertResource(userRes(t.id, n)))));
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        for (const r of results) if (r.status === 'rejected') assert.ok(isScimError(r.reason) && r.reason.scimType === 'uniqueness', String(r.reason));
        assert.equal((await s.query(t.id, 'User', { startIndex: 1, count: 0, withMembers: false })).totalResults, 1);
      } finally {
        await s.close();
      }
    });

    it('concurrent adds of distinct members to one group keep them all, with an exact count', async () => {
      const s = await open();
      try {
        const t = tenant();
        await s.createTenant(t);
        const g = groupRes(t.id, 'g');
        await s.insertResource(g);
        const users = Array.from({ length: 30 }, (_, i) => userRes(t.id, `u${i}`));
        for (const u of users) await s.insertResource(u);
        await Promise.all(users.map((u) => s.transaction((tx) => tx.changeMembership(t.id, g.id, { add: [{ value: u.id, type: 'User' }], remove: [] }))));
        const page = await s.readMembers(t.id, g.id, { limit: 100 });
        assert.deepEqual(page?.members.map((m) => m.value).sort(), users.map((u) => u.id).sort());
        assert.equal(await s.memberCount(t.id, g.id), users.length);
      } finally {
        await s.close();
      }
    });
  });
});
