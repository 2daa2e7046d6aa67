/**
 * Embedding (docs/embedding.md) from the sources: Roster's `requestListener` under a
 * prefix of the host's plain `node:http` server (SCIM base URL and meta.location name
 * the prefix), `roster.on('user.deactivated')` after a real SCIM PATCH, a named
 * subscriber's backlog as a metric, and `close()` stopping the subscribers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as roster from '../src/index.ts';

test('node:http under /idp: SCIM at the prefix, roster.on after a PATCH, subscriber lag in the metrics', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'roster-embed-'));
  const host = createServer();
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
  const r = await roster.createRoster({ config: { db: join(dir, 'r.db'), publicUrl: `${url}/idp`, logLevel: 'silent', eventsPollIntervalMs: 60_000, shutdownTimeoutMs: 200 } });
  // The host strips its prefix and hands the rest to Roster, as Express's app.use('/idp', …) does.
  host.on('request', (req, res) => {
    if (req.url?.startsWith('/idp/')) {
      req.url = req.url.slice('/idp'.length);
      r.requestListener(req, res);
    } else {
      res.end('host');
    }
  });
  try {
    const deactivated: roster.EventEnvelope[] = [];
    r.on('user.deactivated', (e) => { deactivated.push(e); });
    const slow = r.subscribe({ name: 'slow', types: ['user.created'] }, () => new Promise(() => undefined)); // never finishes
    const t = await r.tenants.create({ name: 'Hosted', idp: 'entra' });
    assert.equal(t.scimBaseUrl, `${url}/idp/scim/v2/${t.tenant.id}`);
    const headers = { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/scim+json' };
    const created = await fetch(`${t.scimBaseUrl}/Users`, { method: 'POST', headers, body: JSON.stringify({ schemas: [roster.USER_SCHEMA], userName: 'e@x.com', active: true }) });
    const user = (await created.json()) as { id: string; meta: { location: string } };
    assert.equal(user.meta.location, `${t.scimBaseUrl}/Users/${user.id}`);
    const patched = await fetch(`${t.scimBaseUrl}/Users/${user.id}`, {
      method: 'PATCH', headers, body: JSON.stringify({ schemas: [roster.PATCH_OP_URN], Operations: [{ op: 'replace', path: 'active', value: false }] }),
    });
    assert.equal(patched.status, 200);
    for (let i = 0; i < 200 && deactivated.length === 0; i++) await new Promise((res) => setTimeout(res, 10));
    assert.deepEqual(deactivated.map((e) => [e.type, e.tenantId, (e.payload as { id: string }).id]), [['user.deactivated', t.tenant.id, user.id]]);
    const text = await r.metrics!.registry.metrics();
    assert.match(text, /roster_event_subscriber_lag_events\{subscriber="slow"\} [1-9]/);
    assert.match(text, /roster_scim_requests_total\{route="\/Users\/\{id\}",method="PATCH",status="200",idp="entra"\} 1/);
    await slow.stop(); // a handler that never finishes holds stop() at most --shutdown-timeout
  } finally {
    await r.close();
    host.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
