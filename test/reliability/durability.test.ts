/**
 * docs/reliability.md CF-2: durability settings. `roster serve` logs the journal mode
 * and synchronous level read back from its own connection, and the file really
 * is in WAL mode: a separate connection reads `journal_mode=wal` and the file
 * header's read/write versions are 2 (WAL). `synchronous` is per connection,
 * so only the server can report it; the log is checked for both settings.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { spawnServer } from './process.ts';

const dir = mkdtempSync(join(tmpdir(), 'roster-cf2-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Bytes 18 and 19 of the SQLite header: file format write/read version (2 = WAL). */
function headerVersions(file: string): [number, number] {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(100);
    readSync(fd, b, 0, 100, 0);
    assert.equal(b.subarray(0, 16).toString('latin1'), 'SQLite format 3\0');
    return [b[18]!, b[19]!];
  } finally {
    closeSync(fd);
  }
}

for (const [flag, expected] of [[undefined, 'FULL'], ['NORMAL', 'NORMAL'], ['FULL', 'FULL']] as const) {
  test(`CF-2: start log states journal_mode=wal and synchronous=${expected}${flag ? ` (--sqlite-synchronous ${flag})` : ' (default)'}; the file is in WAL mode`, async () => {
    const db = join(dir, `cf2-${flag ?? 'default'}.db`);
    const server = await spawnServer(db, flag ? ['--sqlite-synchronous', flag] : []);
    try {
      const line = await server.waitForLog((l) => 'journalMode' in l);
      assert.ok(line, `no durability line in:\n${server.logs()}`);
      assert.equal(String(line.journalMode).toLowerCase(), 'wal');
      assert.equal(line.synchronous, expected);
      assert.equal(line.db, db);
      if (expected === 'NORMAL') assert.match(String(line.msg), /may be lost/);
      // A separate connection, while the server runs.
      const conn = new Database(db, { readonly: true, fileMustExist: true });
      try {
        assert.equal(conn.pragma('journal_mode', { simple: true }), 'wal');
      } finally {
        conn.close();
      }
      assert.deepEqual(headerVersions(db), [2, 2]);
    } finally {
      await server.kill();
    }
  });
}
