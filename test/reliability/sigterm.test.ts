/**
 * docs/reliability.md CF-6: SIGTERM drains. A request in flight when `roster serve`
 * gets SIGTERM still completes with 2xx; new connections are refused; the
 * process exits 0 within the drain timeout; the database is left with no open
 * transaction (the WAL checkpointed away, integrity ok) and the change committed.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { openSocket, readResponse } from '../helpers/raw-http.ts';
import { USER, allUsers, checkDatabase, client, createTenantCli, sleep, spawnServer } from './process.ts';
import type { CliTenant, ServerProcess } from './process.ts';

const BULK_REQ = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const DRAIN_MS = 10_000;

const dir = mkdtempSync(join(tmpdir(), 'roster-cf6-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Sends SIGTERM and resolves once the server logged that it is shutting down. */
async function terminate(server: ServerProcess): Promise<void> {
  server.proc.kill('SIGTERM');
  await server.waitForLog((l) => String(l.msg).startsWith('Shutting down'));
}

/**
 * Starts a request whose body is held back: everything but its last bytes is
 * sent now, the rest by `finish()`. The request is in flight, for certain,
 * until then (the server has its headers and is reading the body).
 */
async function heldRequest(server: ServerProcess, tenant: CliTenant, path: string, payload: unknown) {
  const body = Buffer.from(JSON.stringify(payload));
  const socket = await openSocket(server.port);
  const response = readResponse(socket);
  socket.write(
    `POST /scim/v2/${tenant.id}${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${tenant.apiKey}\r\n` +
      `Content-Type: application/scim+json\r\nContent-Length: ${body.length}\r\n\r\n`,
  );
  socket.write(body.subarray(0, body.length - 10));
  await sleep(100);
  return {
    async finish() {
      socket.write(body.subarray(body.length - 10));
      const r = await response;
      socket.destroy();
      return r;
    },
  };
}

/** Waits for the exit, failing (and killing) past the drain timeout plus a margin. */
async function exitWithinDrain(server: ServerProcess): Promise<number | null> {
  const timer = setTimeout(() => server.proc.kill('SIGKILL'), DRAIN_MS + 5000);
  const exit = await server.exited;
  clearTimeout(timer);
  assert.equal(exit.signal, null, `the server did not exit by itself within the drain timeout:\n${server.logs()}`);
  return exit.code;
}

/** No transaction left behind: the clean close checkpointed and removed the WAL; a writer can take the lock at once. */
function assertCleanFile(db: string): void {
  const wal = `${db}-wal`;
  assert.ok(!existsSync(wal) || statSync(wal).size === 0, 'the WAL was checkpointed on close');
  assert.deepEqual(checkDatabase(db), { integrity: 'ok', foreignKeyViolations: 0 });
  const conn = new Database(db);
  try {
    conn.pragma('busy_timeout = 0');
    conn.exec('BEGIN IMMEDIATE; ROLLBACK');
  } finally {
    conn.close();
  }
}

describe('SIGTERM (CF-6)', () => {
  test('CF-6: a request whose body is still arriving at SIGTERM completes with 201; new connections are refused; exit 0', async () => {
    const db = join(dir, 'slow-body.db');
    const tenant = await createTenantCli(db, 'CF-6 slow body');
    const server = await spawnServer(db, ['--shutdown-timeout', `${DRAIN_MS}ms`]);
    try {
      const held = await heldRequest(server, tenant, '/Users', { schemas: [USER], userName: 'in-flight', title: 'x'.repeat(2000) });
      await terminate(server);
      await assert.rejects(fetch(`${server.url}/healthz`), 'a new connection after SIGTERM is refused');
      const r = await held.finish();
      assert.equal(r?.status, 201, `in-flight request: ${JSON.stringify(r)}`);
      assert.equal(JSON.parse(r.body).userName, 'in-flight');
      assert.equal(await exitWithinDrain(server), 0);
    } finally {
      await server.kill();
    }
    assertCleanFile(db);
    const again = await spawnServer(db);
    try {
      const users = await allUsers(client(again.url, tenant));
      assert.ok(users.has('in-flight'), 'the drained request is committed');
    } finally {
      await again.kill();
    }
  });

  test('CF-6: a 1,000-operation Bulk in flight at SIGTERM (its body still arriving) completes with 200 and every operation committed; exit 0', async () => {
    const db = join(dir, 'bulk.db');
    const tenant = await createTenantCli(db, 'CF-6 bulk');
    const server = await spawnServer(db, ['--shutdown-timeout', `${DRAIN_MS}ms`]);
    const n = 1000;
    try {
      const Operations = Array.from({ length: n }, (_, i) => ({
        method: 'POST',
        path: '/Users',
        bulkId: `b${i}`,
        data: { schemas: [USER], userName: `bulk-${i}`, displayName: `Bulk ${i}`, emails: [{ value: `bulk-${i}@example.com`, primary: true }] },
      }));
      const held = await heldRequest(server, tenant, '/Bulk', { schemas: [BULK_REQ], Operations });
      await terminate(server);
      await assert.rejects(fetch(`${server.url}/healthz`), 'a new connection after SIGTERM is refused');
      // The 1,000 creates run during the drain.
      const r = await held.finish();
      assert.equal(r?.status, 200, JSON.stringify(r).slice(0, 500));
      const body = JSON.parse(r.body) as { Operations: Array<{ status: string }> };
      const statuses = body.Operations.map((o) => o.status);
      assert.equal(statuses.length, n);
      assert.ok(statuses.every((s) => s === '201'), `bulk statuses: ${[...new Set(statuses)].join(',')}`);
      assert.equal(await exitWithinDrain(server), 0);
      const lines = server.logLines();
      const shutdownAt = lines.findIndex((l) => String(l.msg).startsWith('Shutting down'));
      const bulkAt = lines.findIndex((l) => l.msg === 'request' && String(l.path).endsWith('/Bulk'));
      assert.ok(shutdownAt >= 0 && shutdownAt < bulkAt, 'the Bulk was still in flight when SIGTERM arrived');
      assert.ok(lines.some((l) => l.msg === 'Stopped'));
    } finally {
      await server.kill();
    }
    assertCleanFile(db);
    const again = await spawnServer(db);
    try {
      const users = await allUsers(client(again.url, tenant));
      assert.equal(users.size, n, 'every bulk create is committed');
    } finally {
      await again.kill();
    }
  });
});
