/**
 * The test PostgreSQL leaves nothing behind (docs/storage.md "Testing on PostgreSQL"):
 * a test process killed with SIGKILL has its cluster stopped and its data folder
 * removed by the watchdog, and a folder whose owner died is removed by the next start.
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import pg from 'pg';
import { storeKinds } from '../test-stores.test-support.ts';
import { postmasterOf, startTestPostgres, sweepStaleClusters } from './embedded.test-support.ts';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(cond: () => boolean, tries = 200): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

const skip = !storeKinds().includes('postgres') || (process.env['DATABASE_URL'] ?? '') !== '';

describe('embedded PostgreSQL for tests', { skip }, () => {
  it('a SIGKILLed test process leaves no PostgreSQL running and no data folder', { timeout: 90_000 }, async () => {
    const child = fork(new URL('./embedded-child.test-support.ts', import.meta.url).pathname, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
    });
    const { dir, pid } = JSON.parse(line) as { dir: string; pid: number };
    assert.ok(existsSync(dir) && Number.isInteger(pid) && alive(pid), line);
    child.kill('SIGKILL');
    assert.ok(await until(() => !alive(pid)), `postmaster ${pid} still running`);
    assert.ok(await until(() => !existsSync(dir) && !existsSync(`${dir}.owner`)), `${dir} still there`);
  });

  it('the sweep removes folders whose owner process is gone, and only those', () => {
    const base = mkdtempSync(join(tmpdir(), 'roster-sweep-'));
    try {
      const dead = join(base, 'epg-dead');
      const live = join(base, 'epg-live');
      const foreign = join(base, 'epg-foreign');
      for (const d of [dead, live, foreign]) mkdirSync(d);
      // A pid far above pid_max (2^22) belongs to no process.
      writeFileSync(`${dead}.owner`, '99999999');
      writeFileSync(`${live}.owner`, String(process.pid));
      assert.deepEqual(sweepStaleClusters(base), [dead]);
      assert.ok(!existsSync(dead) && !existsSync(`${dead}.owner`));
      assert.ok(existsSync(live) && existsSync(foreign));
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('embedded PostgreSQL from a copy of its binaries', { skip }, () => {
  it('starts from the copy under the temporary folder (for a checkout the postgres user cannot enter)', { timeout: 120_000 }, async () => {
    const server = await startTestPostgres({ copyBinaries: true });
    try {
      const pid = postmasterOf(server.dataDir ?? '');
      assert.ok(pid !== undefined);
      // The running binary is the copy's, not node_modules'.
      assert.match(realpathSync(`/proc/${pid}/exe`), new RegExp(`^${tmpdir()}/roster-epg-`));
      const c = new pg.Client({ connectionString: await server.freshDatabaseUrl() });
      await c.connect();
      assert.equal((await c.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one, 1);
      await c.end();
    } finally {
      await server.close();
    }
  });
});
