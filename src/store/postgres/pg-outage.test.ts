/**
 * The PostgreSQL store while its database is down (docs/storage.md "PostgreSQL"):
 * every call answers 503 (RFC 7644 §3.12, with Retry-After at the HTTP edge), never a
 * hang or another error, and the same store serves again once the server is back.
 * Needs the embedded server (it is stopped and started); skipped with DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { isScimError } from '../../scim/errors.ts';
import { tenant, userRes } from '../store-contract.test-support.ts';
import type { Store } from '../store.ts';
import { openTestStore, storeKinds, testPostgres } from '../test-stores.test-support.ts';

const skip = !storeKinds().includes('postgres') || (process.env['DATABASE_URL'] ?? '') !== '';

describe('PostgreSQL store: the database goes away and comes back', { skip }, () => {
  let s: Store | undefined;
  after(async () => {
    await (await testPostgres()).startServer();
    await s?.close();
  });

  it('answers 503 while the server is stopped, then recovers by itself', { timeout: 60_000 }, async () => {
    s = await openTestStore('postgres', { connectTimeoutMs: 2000 });
    const store = s;
    const t = tenant();
    await store.createTenant(t);
    await store.insertResource(userRes(t.id, 'before'));
    const server = await testPostgres();
    // A transaction is open, between two statements, when the server goes away: it ends
    // in 503 and the process lives on (a connection that dies while checked out emits
    // 'error' on its client).
    let resume: () => void = () => undefined;
    const paused = new Promise<void>((r) => (resume = r));
    let inside: () => void = () => undefined;
    const isInside = new Promise<void>((r) => (inside = r));
    const open = store.transaction(async (tx) => {
      await tx.insertResource(userRes(t.id, 'interrupted'));
      inside();
      await paused;
      await tx.insertResource(userRes(t.id, 'interrupted2'));
    });
    await isInside;
    await server.stopServer();
    await new Promise((r) => setTimeout(r, 200));
    resume();
    await assert.rejects(open, (e: unknown) => isScimError(e) && e.status === 503, 'open transaction');
    const calls: [string, () => Promise<unknown>][] = [
      ['getTenant', () => store.getTenant(t.id)],
      ['query', () => store.query(t.id, 'User', { startIndex: 1, count: 10, withMembers: false })],
      ['insertResource', () => store.insertResource(userRes(t.id, 'during'))],
      ['transaction', () => store.transaction((tx) => tx.insertResource(userRes(t.id, 'during2')))],
      ['findApiKeyWithTenant', () => store.findApiKeyWithTenant('k')],
      ['ping', () => store.ping()],
    ];
    for (const [name, call] of calls) {
      await assert.rejects(call(), (e: unknown) => isScimError(e) && e.status === 503, name);
    }
    await server.startServer();
    // The pool drops the dead connections and opens new ones: no restart of the store.
    let up = false;
    for (let i = 0; i < 50 && !up; i++) {
      try {
        await store.ping();
        up = true;
      } catch (e) {
        assert.ok(isScimError(e) && e.status === 503, String(e));
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.ok(up);
    await store.insertResource(userRes(t.id, 'after'));
    const names = (await store.query(t.id, 'User', { startIndex: 1, count: 10, withMembers: false })).resources.map((r) => r.data['userName']).sort();
    assert.deepEqual(names, ['after', 'before']);
  });
});
