/**
 * docs/reliability.md CF-5: disk full under a live `roster serve`. The database sits
 * on its own 4 MiB tmpfs; a filler file takes the rest of the space. Writes
 * must get 503 with a SCIM error (fail closed), reads keep working, nothing is
 * corrupted or half-written, and once the filler is deleted writes work again
 * without a restart.
 *
 * Needs root and `mount -t tmpfs` (the test skips with the reason otherwise).
 *
 * Not covered: a database turned read-only under a live server. Linux refuses
 * `mount -o remount,ro` while a file on it is open for writing (EBUSY), and
 * neither `chattr +i` nor `chmod` affects descriptors already open, so it cannot
 * be produced from outside without a kernel fault (errors=remount-ro).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, rmdirSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ERROR, USER, allUsers, checkDatabase, client, createTenantCli, spawnServer } from './process.ts';
import type { ServerProcess } from './process.ts';

const mountPoint = mkdtempSync(join(tmpdir(), 'roster-cf5-'));
let mounted = false;
let mountError = '';
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint], { stdio: 'pipe' });
  mounted = true;
} catch (e) {
  mountError = String((e as { stderr?: Buffer }).stderr ?? e).trim();
}
let server: ServerProcess | undefined;
after(async () => {
  await server?.kill();
  if (mounted) execFileSync('umount', [mountPoint]);
  rmdirSync(mountPoint);
});

/** Writes until the filesystem says ENOSPC, in ever smaller pieces, so it is really full. */
function fill(file: string): number {
  const fd = openSync(file, 'w');
  let written = 0;
  try {
    for (const size of [256 * 1024, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 0x5a);
      for (;;) {
        try {
          written += writeSync(fd, chunk);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw e;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

test('CF-5: disk full → writes 503 with a SCIM error, reads 200, no corruption; writes work again once space is freed, without restart', { skip: mounted ? false : `cannot mount a tmpfs here (needs root): ${mountError}` }, async (t) => {
  const db = join(mountPoint, 'roster.db');
  const filler = join(mountPoint, 'filler');
  const tenant = await createTenantCli(db, 'CF-5');
  server = await spawnServer(db);
  const call = client(server.url, tenant);
  const before = await call('POST', '/Users', { schemas: [USER], userName: 'before-full', title: 'kept' });
  assert.equal(before.status, 201);

  t.diagnostic(`filler: ${fill(filler)} bytes`);
  // The WAL may still have room in its last page: write until the disk refuses.
  const refused: string[] = [];
  let unavailable: Awaited<ReturnType<typeof call>> | undefined;
  for (let i = 0; i < 200 && unavailable === undefined; i++) {
    const userName = `while-full-${i}`;
    const r = await call('POST', '/Users', { schemas: [USER], userName, title: 'y'.repeat(4000) });
    assert.ok(r.status === 201 || r.status === 503, `POST on a full disk: ${r.status} ${JSON.stringify(r.body)}`);
    if (r.status === 503) {
      unavailable = r;
      refused.push(userName);
    }
  }
  assert.ok(unavailable, 'a write on a full disk was refused');
  assert.deepEqual(unavailable.body.schemas, [ERROR]);
  assert.equal(unavailable.body.status, '503');
  assert.match(unavailable.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/, 'Retry-After (RFC 9110 §10.2.3)');

  // Other writes fail the same way; none is a 500.
  const patch = await call('PATCH', `/Users/${before.body.id}`, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'replace', path: 'title', value: 'z'.repeat(4000) }],
  });
  assert.ok(patch.status === 503, `PATCH on a full disk: ${patch.status}`);
  const again = await call('POST', '/Users', { schemas: [USER], userName: 'while-full-again', title: 'y'.repeat(4000) });
  assert.equal(again.status, 503);
  refused.push('while-full-again');

  // Reads keep working.
  const get = await call('GET', `/Users/${before.body.id}`);
  assert.equal(get.status, 200);
  assert.equal(get.body.title, 'kept', 'the refused PATCH left the user as it was');
  const list = await call('GET', '/Users?filter=' + encodeURIComponent('userName eq "before-full"'));
  assert.equal(list.status, 200);
  assert.equal(list.body.totalResults, 1);
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  assert.deepEqual(checkDatabase(db), { integrity: 'ok', foreignKeyViolations: 0 });

  // Free the space: the same process takes writes again.
  rmSync(filler);
  const after = await call('POST', '/Users', { schemas: [USER], userName: 'after-free', title: 'y'.repeat(4000) });
  assert.equal(after.status, 201, `POST after freeing space: ${JSON.stringify(after.body)}`);
  const patched = await call('PATCH', `/Users/${before.body.id}`, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'replace', path: 'title', value: 'changed' }],
  });
  assert.equal(patched.status, 200);
  const users = await allUsers(call);
  for (const name of refused) assert.ok(!users.has(name), `${name} got 503 but exists`);
  assert.ok(users.has('after-free'));
  assert.equal(server.proc.exitCode, null, 'the server never restarted');
  await server.kill();
  assert.deepEqual(checkDatabase(db), { integrity: 'ok', foreignKeyViolations: 0 });
});
