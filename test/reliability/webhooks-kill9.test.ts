/**
 * docs/reliability.md CF-7 (delivery side): an event committed before a SIGKILL is
 * delivered after the restart, at least once, never zero times. The first process
 * commits five changes; its first delivery is held unanswered by the receiver (the
 * request is in flight, the rest not yet sent) when the process is killed with
 * SIGKILL. The restarted process waits for the dead worker's lease to expire, then
 * delivers every event, the in-flight one again, with the same `webhook-id`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { startReceiver } from '../http/webhooks-helpers.ts';
import { USER, client, createTenantCli, runCli, spawnServer } from './process.ts';
import type { ServerProcess } from './process.ts';

const dir = mkdtempSync(join(tmpdir(), 'roster-wh-kill9-'));
const servers: ServerProcess[] = [];
after(async () => {
  for (const s of servers) await s.kill();
  rmSync(dir, { recursive: true, force: true });
});

const FLAGS = ['--webhooks-allow-private-networks', 'true', '--webhooks-poll-interval', '50ms', '--webhooks-timeout', '2s'];

describe('webhooks across a SIGKILL (CF-7)', () => {
  test('every event committed before the kill reaches the receiver after the restart', async () => {
    const db = join(dir, 'roster.db');
    const tenant = await createTenantCli(db, 'Kill');
    const tok = await runCli(['admin-token', 'create', '--db', db, '--json']);
    const token = (JSON.parse(tok.stdout) as { token: string }).token;
    const rcv = await startReceiver();
    try {
      rcv.answer = () => 'hang';
      const first = await spawnServer(db, FLAGS);
      servers.push(first);
      const reg = await fetch(`${first.url}/api/v1/tenants/${tenant.id}/webhooks`, {
        method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: rcv.url, events: ['user.created'] }),
      });
      assert.equal(reg.status, 201);
      const call = client(first.url, tenant);
      for (let i = 0; i < 5; i++) assert.equal((await call('POST', '/Users', { schemas: [USER], userName: `k${i}` })).status, 201);
      await rcv.waitFor((r) => r.length >= 1);
      const kill = await first.kill();
      assert.equal(kill.signal, 'SIGKILL');

      const outbox = new Database(db, { readonly: true });
      const committed = (outbox.prepare("SELECT id FROM outbox_events WHERE tenant_id = ? AND type = 'user.created' ORDER BY seq").all(tenant.id) as { id: string }[]).map((r) => r.id);
      outbox.close();
      assert.equal(committed.length, 5);
      assert.ok(new Set(rcv.received.map((r) => r.headers['webhook-id'])).size < 5, 'some events were still undelivered at the kill');

      rcv.answer = () => 200;
      const second = await spawnServer(db, FLAGS);
      servers.push(second);
      await rcv.waitFor((r) => committed.every((id) => r.some((x) => x.headers['webhook-id'] === id)), 30_000);
      // In order: the first answered delivery of each event follows the sequence.
      const order = [...new Set(rcv.received.slice(1).map((r) => String(r.headers['webhook-id'])))];
      assert.deepEqual(order, committed);
      await second.kill();
    } finally {
      await rcv.close();
    }
  });
});
