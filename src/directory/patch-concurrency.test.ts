/**
 * PATCH is read, applied and validated outside the write transaction, and written as
 * planned if the stored version is still the one it applied to; otherwise it is applied
 * again inside the transaction (docs/scim-api.md, ETags). A real SQLite store; the only
 * hook is a view of it that lets another writer commit between the PATCH's read and
 * its write.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isScimError } from '../scim/errors.ts';
import { defaultRegistry } from '../scim/schema/registry.ts';
import { tenant } from '../store/store-contract.test-support.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { SqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { createResource, getResource, patchResource } from './resources.ts';
import type { DirectoryContext, ReadOptions } from './resources.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const plain: ReadOptions = { withMembers: false, withGroups: false };
const withMembers: ReadOptions = { withMembers: true, withGroups: false };
const patch = (...Operations: unknown[]): unknown => ({ schemas: [PATCH_OP], Operations });

let dir: string;
let store: SqliteStore;
let ctx: DirectoryContext;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roster-patch-'));
  store = await openSqliteStore({ file: join(dir, 'roster.db'), registry: defaultRegistry });
  const t = tenant();
  await store.createTenant(t);
  ctx = { store, registry: defaultRegistry, tenantId: t.id, now: () => new Date(), maxPatchOperations: 1000 };
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Hooked {
  readonly ctx: DirectoryContext;
  /** Reads outside a transaction, and write transactions begun, through this view. */
  readonly counts: { reads: number; transactions: number };
}

/**
 * The same store, except that after each of the first `times` reads outside a
 * transaction, `between` runs (another writer, through the plain store).
 */
function hooked(between: (n: number) => Promise<void>, times: number): Hooked {
  const counts = { reads: 0, transactions: 0 };
  const view = new Proxy(store, {
    get(target, prop) {
      if (prop === 'getResource') {
        return async (...a: Parameters<Store['getResource']>) => {
          const r = await target.getResource(...a);
          counts.reads++;
          if (counts.reads <= times) await between(counts.reads);
          return r;
        };
      }
      if (prop === 'transaction') counts.transactions++;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { ctx: { ...ctx, store: view }, counts };
}

const newUser = async (userName: string): Promise<string> =>
  (await createResource(ctx, 'User', { schemas: [USER], userName }, plain)).id;

describe('PATCH outside the write lock', () => {
  it('a change committed between the read and the write is kept: the PATCH is applied again to it, in its transaction', async () => {
    const id = await newUser('race-1');
    const h = hooked(async () => {
      await patchResource(ctx, 'User', id, patch({ op: 'replace', path: 'title', value: 'Concurrent' }), undefined, plain);
    }, 1);
    const r = await patchResource(h.ctx, 'User', id, patch({ op: 'add', path: 'emails', value: [{ value: 'mine@example.com' }] }), undefined, plain);
    assert.equal(r.version, 3);
    const stored = await getResource(ctx, 'User', id, plain);
    assert.equal(stored.data['title'], 'Concurrent', 'the concurrent change is not lost');
    assert.deepEqual(stored.data['emails'], [{ value: 'mine@example.com' }]);
    assert.equal(h.counts.reads, 1, 'read and applied outside; the moved version is read inside the transaction');
    assert.equal(h.counts.transactions, 1, 'one write transaction: no retry outside it');
  });

  it('concurrent PATCHes of one resource in one group commit all apply: none 503, none lost', async () => {
    const g = await createResource(ctx, 'Group', { schemas: [GROUP], displayName: 'hot-group' }, plain);
    const users = await Promise.all(Array.from({ length: 10 }, (_, i) => newUser(`hot-${i}`)));
    const commitsBefore = store.groupCommitStats().commits;
    // All read version 1 outside the lock; all but the first find it moved in their transaction
    // (by a write earlier in the same, not yet committed, group).
    const results = await Promise.allSettled(users.map((u) => patchResource(ctx, 'Group', g.id, patch({ op: 'add', path: 'members', value: [{ value: u }] }), undefined, plain)));
    assert.deepEqual(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)), []);
    const stored = await getResource(ctx, 'Group', g.id, withMembers);
    assert.deepEqual(stored.members?.map((m) => m.value).sort(), [...users].sort());
    assert.equal(stored.version, 1 + users.length);
    assert.ok(store.groupCommitStats().commits - commitsBefore < users.length, 'the PATCHes shared commits');
  });

  it('with If-Match, a change between read and write is 412 (RFC 7644 §3.14), the other change kept', async () => {
    const id = await newUser('race-3');
    const h = hooked(async () => {
      await patchResource(ctx, 'User', id, patch({ op: 'replace', path: 'title', value: 'Concurrent' }), undefined, plain);
    }, 1);
    await assert.rejects(
      patchResource(h.ctx, 'User', id, patch({ op: 'replace', path: 'nickName', value: 'x' }), 'W/"1"', plain),
      (e: unknown) => isScimError(e) && e.status === 412,
    );
    const stored = await getResource(ctx, 'User', id, plain);
    assert.equal(stored.data['title'], 'Concurrent');
    assert.equal(stored.data['nickName'], undefined);
  });

  it('a PATCH that changes nothing takes no write transaction and keeps version and lastModified', async () => {
    const id = await newUser('noop');
    const before = await getResource(ctx, 'User', id, plain);
    const h = hooked(async () => undefined, 0);
    const r = await patchResource(h.ctx, 'User', id, patch({ op: 'replace', path: 'userName', value: 'noop' }), undefined, plain);
    assert.equal(h.counts.transactions, 0);
    assert.equal(r.version, before.version);
    assert.equal(r.lastModified, before.lastModified);
  });

  it('Group membership deltas are re-applied on the new version (a concurrent add is not lost or undone)', async () => {
    const [u1, u2, u3] = [await newUser('m1'), await newUser('m2'), await newUser('m3')];
    const g = await createResource(ctx, 'Group', { schemas: [GROUP], displayName: 'race-group', members: [{ value: u1 }] }, plain);
    const add = hooked(async () => {
      await patchResource(ctx, 'Group', g.id, patch({ op: 'add', path: 'members', value: [{ value: u2 }] }), undefined, plain);
    }, 1);
    await patchResource(add.ctx, 'Group', g.id, patch({ op: 'add', path: 'members', value: [{ value: u3 }] }), undefined, plain);
    const ids = (await getResource(ctx, 'Group', g.id, withMembers)).members?.map((m) => m.value).sort();
    assert.deepEqual(ids, [u1, u2, u3].sort());
    // A filter that needs the member list sees the member added meanwhile.
    const remove = hooked(async () => {
      await patchResource(ctx, 'Group', g.id, patch({ op: 'remove', path: `members[value eq "${u1}"]` }), undefined, plain);
    }, 1);
    await patchResource(remove.ctx, 'Group', g.id, patch({ op: 'remove', path: 'members[type eq "User"]' }), undefined, plain);
    assert.deepEqual((await getResource(ctx, 'Group', g.id, withMembers)).members ?? [], []);
    assert.equal(remove.counts.reads, 1);
  });
});
