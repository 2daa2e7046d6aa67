import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultRegistry } from '../../scim/schema/registry.ts';
import { looseDatabaseFiles } from './connection.ts';
import { openSqliteStore } from './sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'roster-modes-'));
const mode = (p: string): number => statSync(p).mode & 0o777;
let umask: number;
// The usual umask, so what is tested is the mode Roster asks for, not a strict umask.
before(() => {
  umask = process.umask(0o022);
});
after(() => {
  process.umask(umask);
  rmSync(dir, { recursive: true, force: true });
});

describe('database file permissions (docs/storage.md, File permissions)', () => {
  it('a new database: folder 0700, file, -wal and -shm 0600', async () => {
    const file = join(dir, 'new', 'nested', 'roster.db');
    const store = await openSqliteStore({ file, registry: defaultRegistry });
    try {
      await store.createTenant({ id: 't1', name: 'T', idp: 'generic', createdAt: new Date().toISOString() });
      await store.secret('cursor');
      assert.equal(mode(join(dir, 'new')).toString(8), '700');
      assert.equal(mode(join(dir, 'new', 'nested')).toString(8), '700');
      for (const f of [file, `${file}-wal`, `${file}-shm`]) assert.equal(mode(f).toString(8), '600', f);
      assert.deepEqual(looseDatabaseFiles(file), []);
    } finally {
      await store.close();
    }
  });

  it('an existing folder and file keep their modes; the loose file is reported', async () => {
    const folder = join(dir, 'existing');
    mkdirSync(folder, { mode: 0o755 });
    chmodSync(folder, 0o755);
    const file = join(folder, 'roster.db');
    writeFileSync(file, '');
    chmodSync(file, 0o644);
    const store = await openSqliteStore({ file, registry: defaultRegistry });
    try {
      await store.secret('cursor');
      assert.equal(mode(folder).toString(8), '755');
      assert.equal(mode(file).toString(8), '644');
      assert.deepEqual(looseDatabaseFiles(file).map((l) => [l.file, l.mode]), [[file, '0644'], [`${file}-wal`, '0644'], [`${file}-shm`, '0644']]);
    } finally {
      await store.close();
    }
  });
});
