/**
 * Group commit (docs/storage.md "Group commit"): write transactions that reach the store
 * in the same turn of the event loop share one COMMIT, each stays atomic, and none
 * resolves before the COMMIT that made it durable. A real SQLite file; a second,
 * independent connection checks what is on disk.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { defaultRegistry } from '../../scim/schema/registry.ts';
import { tenant, userRes } from '../store-contract.test-support.ts';
import { openConnection } from './connection.ts';
import { GroupCommit } from './group-commit.ts';
import { Mutex } from './mutex.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { SqliteStore } from './sqlite-store.ts';
import type { StoredResource } from '../store.ts';

const dir = mkdtempSync(join(tmpdir(), 'roster-group-commit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function open(groupCommit?: number): Promise<{ store: SqliteStore; file: string; log: string[]; tenantId: string }> {
  const file = join(dir, `db${++n}.db`);
  const log: string[] = [];
  const store = await openSqliteStore({ file, registry: defaultRegistry, trace: (sql) => void log.push(sql), ...(groupCommit !== undefined ? { groupCommit } : {}) });
  const t = tenant();
  await store.createTenant(t);
  log.length = 0;
  return { store, file, log, tenantId: t.id };
}

/** A user with a readable id (the default is a random UUID). */
const user = (tenantId: string, id: string): StoredResource => ({ ...userRes(tenantId, `name-${id}`), id });

const commits = (log: readonly string[]): number => log.filter((s) => s === 'COMMIT').length;

/** The user ids another connection sees on disk. */
function onDisk(file: string, tenantId: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("SELECT id FROM resources WHERE tenant_id = ? AND type = 'User' ORDER BY id").all(tenantId) as { id: string }[]).map((r) => r.id);
  } finally {
    db.close();
  }
}

describe('group commit', () => {
  it('concurrent write transactions share COMMITs; each resolves only once its rows are on disk', async () => {
    const { store, file, log, tenantId } = await open();
    const ids = Array.from({ length: 8 }, (_, i) => `u${i}`);
    const seenAtResolve = await Promise.all(
      ids.map(async (id) => {
        await store.transaction(async (tx) => {
          await tx.insertResource(user(tenantId, id));
        });
        return onDisk(file, tenantId).includes(id);
      }),
    );
    assert.deepEqual(seenAtResolve, ids.map(() => true), 'no transaction resolved before its COMMIT');
    assert.ok(commits(log) < ids.length, `${commits(log)} COMMITs for ${ids.length} transactions`);
    assert.deepEqual(onDisk(file, tenantId), ids);
    const stats = store.groupCommitStats();
    assert.ok(stats.transactions >= ids.length && stats.commits < stats.transactions);
    await store.close();
  });

  it('a failing transaction rolls back only its own writes; the others of its group commit', async () => {
    const { store, file, log, tenantId } = await open();
    const results = await Promise.allSettled(
      ['a', 'b', 'c'].map((id) =>
        store.transaction(async (tx) => {
          await tx.insertResource(user(tenantId, id));
          if (id === 'b') throw new Error('refused');
        }),
      ),
    );
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.ok(log.includes('ROLLBACK TO unit_of_work'));
    // The failure ends its group (committing `a`), so its caller goes on with the write lock free.
    assert.equal(commits(log), 2);
    assert.ok(log.indexOf('ROLLBACK TO unit_of_work') < log.indexOf('COMMIT'), 'b rolled back inside the group of a');
    assert.deepEqual(onDisk(file, tenantId), ['a', 'c']);
    await store.close();
  });

  it('a failed transaction returns with the write lock free: another connection can write at once', async () => {
    const { store, file, tenantId } = await open();
    await assert.rejects(store.transaction(async (tx) => {
      await tx.insertResource(user(tenantId, 'gone'));
      throw new Error('refused');
    }));
    // Synchronously, before any later turn of the event loop (no busy wait: it would block this thread).
    const other = new Database(file, { timeout: 0 });
    try {
      other.exec('CREATE TABLE lock_probe (x INTEGER)');
    } finally {
      other.close();
    }
    assert.deepEqual(onDisk(file, tenantId), []);
    await store.close();
  });

  it('a constraint error in one transaction leaves the group usable', async () => {
    const { store, file, tenantId } = await open();
    const results = await Promise.allSettled(
      ['x', 'x', 'y'].map((id) => store.transaction(async (tx) => void (await tx.insertResource(user(tenantId, id))))),
    );
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual(onDisk(file, tenantId), ['x', 'y']);
    await store.close();
  });

  it('--sqlite-group-commit 1: every transaction commits alone', async () => {
    const { store, log, tenantId } = await open(1);
    await Promise.all(['p', 'q', 'r'].map((id) => store.transaction(async (tx) => void (await tx.insertResource(user(tenantId, id))))));
    assert.equal(commits(log), 3);
    await store.close();
  });

  it('closing the store commits the open group first', async () => {
    const { store, file, tenantId } = await open();
    const pending = store.transaction(async (tx) => void (await tx.insertResource(user(tenantId, 'last'))));
    const closed = store.close();
    await pending;
    await closed;
    assert.deepEqual(onDisk(file, tenantId), ['last']);
  });

  it('a failing COMMIT fails every transaction of its group: none resolves, nothing is on disk', async () => {
    const file = join(dir, `db${++n}.db`);
    const db = openConnection(file, { synchronous: 'FULL', busyTimeoutMs: 1000 });
    // A deferred foreign key is checked at COMMIT: an orphan row makes the COMMIT itself fail.
    db.exec('CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED)');
    const mutex = new Mutex();
    const group = new GroupCommit(db, mutex, 16);
    const run = async (sql: string): Promise<void> => {
      const release = await mutex.acquire();
      group.begin();
      db.exec(sql);
      group.keep();
      await group.end(release, true);
    };
    const results = await Promise.allSettled([run('INSERT INTO p (id) VALUES (1)'), run('INSERT INTO c (id, p) VALUES (1, 99)')]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.match(String((results[0] as PromiseRejectedResult).reason), /FOREIGN KEY/);
    assert.equal(db.inTransaction, false);
    assert.deepEqual(db.prepare('SELECT (SELECT count(*) FROM p) AS p, (SELECT count(*) FROM c) AS c').get(), { p: 0, c: 0 });
    assert.deepEqual(group.stats(), { commits: 0, transactions: 0 });
    // The writer is usable again: the next group commits.
    await run('INSERT INTO p (id) VALUES (2)');
    assert.deepEqual(db.prepare('SELECT id FROM p').all(), [{ id: 2 }]);
    db.close();
  });
});
