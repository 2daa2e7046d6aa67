import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { defaultRegistry } from '../../scim/schema/registry.ts';
import { runStoreContract, tenant, userRes } from '../store-contract.test-support.ts';
import { runAdminStoreContract } from '../store-contract-admin.test-support.ts';
import { runWebhookStoreContract } from '../webhooks-contract.test-support.ts';
import { migrate, openConnection } from './connection.ts';
import { migrations } from './migrations.ts';
import { openSqliteStore } from './sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'roster-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshFile = (): string => join(dir, `db${++n}`, 'roster.db');

runStoreContract('sqlite', () => openSqliteStore({ file: freshFile(), registry: defaultRegistry }));
runAdminStoreContract('sqlite', () => openSqliteStore({ file: freshFile(), registry: defaultRegistry }));

describe('SQLite specifics', () => {
  it('uses WAL and synchronous=FULL by default, NORMAL on request', async () => {
    const s = await openSqliteStore({ file: freshFile(), registry: defaultRegistry });
    assert.deepEqual(s.settings, { journalMode: 'wal', synchronous: 'FULL' });
    await s.close();
    const t = await openSqliteStore({ file: freshFile(), registry: defaultRegistry, synchronous: 'NORMAL' });
    assert.equal(t.settings.synchronous, 'NORMAL');
    await t.close();
  });

  it('applies migrations once; reopening keeps data', async () => {
    const file = freshFile();
    const s = await openSqliteStore({ file, registry: defaultRegistry });
    const a = tenant();
    await s.createTenant(a);
    await s.close();
    const again = await openSqliteStore({ file, registry: defaultRegistry });
    assert.equal((await again.getTenant(a.id))?.id, a.id);
    await again.close();
    const db = new Database(file);
    assert.deepEqual(db.prepare('SELECT version FROM schema_migrations ORDER BY version').all(), migrations.map((m) => ({ version: m.version })));
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    db.close();
  });

  it('migration 2 back-fills the resource counters of an existing database', async () => {
    const file = freshFile();
    const db = openConnection(file, { synchronous: 'FULL', busyTimeoutMs: 1000 });
    migrate(db, migrations.filter((m) => m.version === 1));
    db.prepare("INSERT INTO tenants VALUES ('t1', 't1', 'generic', '2024-01-01T00:00:00.000Z')").run();
    const ins = db.prepare("INSERT INTO resources (tenant_id, type, id, data, search, version, created, last_modified, name_fold) VALUES ('t1', ?, ?, '{}', '{}', 1, 'x', 'x', ?)");
    for (let i = 0; i < 5; i++) ins.run('User', `u${i}`, `u${i}`);
    ins.run('Group', 'g1', 'g1');
    db.close();
    const s = await openSqliteStore({ file, registry: defaultRegistry });
    assert.equal((await s.query('t1', 'User', { startIndex: 1, count: 0, withMembers: false })).totalResults, 5);
    assert.equal((await s.query('t1', 'Group', { startIndex: 1, count: 0, withMembers: false })).totalResults, 1);
    await s.close();
  });

  it('opens concurrently from two stores without double migration', async () => {
    const file = freshFile();
    const [a, b] = await Promise.all([openSqliteStore({ file, registry: defaultRegistry }), openSqliteStore({ file, registry: defaultRegistry })]);
    await a.close();
    await b.close();
  });

  it('lets a child process and the parent write the same file with no SQLITE_BUSY', async () => {
    const file = freshFile();
    const s = await openSqliteStore({ file, registry: defaultRegistry });
    const t = tenant();
    await s.createTenant(t);
    const child = fork(new URL('./writer-child.test-support.ts', import.meta.url).pathname, [file, t.id, '150'], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const done = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
    for (let i = 0; i < 150; i++) {
      await s.transaction(async (tx) => tx.insertResource(userRes(t.id, `parent${i}`)));
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    assert.equal(await done, 0);
    const all = await s.query(t.id, 'User', { startIndex: 1, count: 0, withMembers: false });
    assert.equal(all.totalResults, 300);
    await s.close();
  });
});

runWebhookStoreContract('sqlite', () => openSqliteStore({ file: freshFile(), registry: defaultRegistry }));
