/**
 * docs/reliability.md CC-6: many SQLite writers. Two `roster serve` processes on the
 * SAME database file, plus `roster tenants create` runs at the same time, and
 * 200 concurrent POSTs split between the two servers. Every write transaction
 * takes the write lock up front (BEGIN IMMEDIATE) and waits in busy_timeout,
 * so SQLITE_BUSY never reaches a client: no 5xx, every 201 is present.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { USER, allUsers, checkDatabase, client, createTenantCli, runCli, spawnServer } from './process.ts';
import type { ServerProcess } from './process.ts';

const dir = mkdtempSync(join(tmpdir(), 'roster-cc6-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('CC-6: two servers and the CLI write one SQLite file at once: 200 POSTs, no 5xx, no SQLITE_BUSY, every 201 present', async () => {
  const db = join(dir, 'roster.db');
  const tenant = await createTenantCli(db, 'CC-6');
  const servers: ServerProcess[] = [];
  try {
    servers.push(...(await Promise.all([spawnServer(db), spawnServer(db)])));
    const calls = servers.map((s) => client(s.url, tenant));
    const cli = Array.from({ length: 3 }, (_, i) =>
      runCli(['tenants', 'create', '--db', db, '--public-url', 'http://127.0.0.1:1', '--name', `CLI ${i}`, '--idp', 'okta', '--json']),
    );
    const posts = Array.from({ length: 200 }, (_, i) =>
      calls[i % 2]!('POST', '/Users', { schemas: [USER], userName: `writer-${i}`, emails: [{ value: `writer-${i}@example.com` }] }),
    );
    const results = await Promise.all(posts);
    const statuses = results.map((r) => r.status);
    assert.deepEqual(
      statuses.filter((s) => s !== 201),
      [],
      `non-201: ${JSON.stringify(results.filter((r) => r.status !== 201).map((r) => r.body)).slice(0, 500)}`,
    );
    for (const r of await Promise.all(cli)) assert.equal(r.code, 0, `tenants create: ${r.stderr}`);

    // Both servers see every write (WAL: readers see the last commit).
    for (const call of calls) {
      const users = await allUsers(call);
      for (let i = 0; i < 200; i++) assert.ok(users.has(`writer-${i}`), `writer-${i} missing`);
    }
    const listed = await runCli(['tenants', 'list', '--db', db, '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal((listed.stdout.match(/"CLI \d"/g) ?? []).length, 3, 'the three CLI tenants were created');
    for (const s of servers) {
      assert.doesNotMatch(s.logs(), /SQLITE_BUSY|database is locked|unhandled error/);
    }
  } finally {
    await Promise.all(servers.map((s) => s.kill()));
  }
  assert.deepEqual(checkDatabase(db), { integrity: 'ok', foreignKeyViolations: 0 });
});
