/**
 * The admin API of webhook endpoints (docs/webhooks.md "Registering") and the refusal
 * of private addresses at registration and at delivery (docs/reliability.md AU-12).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createOperatorToken } from '../../src/app/operator-tokens.ts';
import { SEAL_KEY_NAME, newSecret, secretBox } from '../../src/webhooks/secrets.ts';
import { scim } from '../helpers/server.ts';
import type { ScimCall } from '../helpers/server.ts';
import { startTestServer, tenant, user } from './scim-helpers.ts';
import type { TestServer } from './scim-helpers.ts';
import { startReceiver } from './webhooks-helpers.ts';
import type { Receiver } from './webhooks-helpers.ts';

let srv: TestServer;
let admin: ScimCall;
let rcv: Receiver;
before(async () => {
  // Private networks NOT allowed: the default.
  srv = await startTestServer({ config: { webhooksPollIntervalMs: 20, webhooksTimeoutMs: 1000 }, webhooks: { retryScheduleMs: [20, 20] } });
  admin = scim(`${srv.url}/api/v1`, (await createOperatorToken(srv.store)).token);
  rcv = await startReceiver();
});
after(async () => {
  await srv.close();
  await rcv.close();
});

const PUBLIC = 'https://93.184.216.34/hook';

describe('webhook endpoints through the admin API', () => {
  it('registers, lists without secrets, reads, changes and deletes an endpoint, each audited', async () => {
    const c = await tenant(srv);
    const created = await admin('POST', `/tenants/${c.tenantId}/webhooks`, { url: `${PUBLIC}?token=abc`, events: ['user.created', 'role.created', 'user.created'] });
    assert.equal(created.status, 201);
    assert.match(created.body.secret, /^whsec_[A-Za-z0-9+/=]{40,}$/);
    assert.deepEqual(created.body.events, ['role.created', 'user.created']);
    assert.equal(created.body.enabled, true);
    const id = created.body.id as string;
    const list = await admin('GET', `/tenants/${c.tenantId}/webhooks`);
    assert.equal(list.body.webhooks.length, 1);
    assert.equal(list.body.webhooks[0].secret, undefined);
    assert.ok(!JSON.stringify(list.body).includes(created.body.secret.slice(6)));
    const one = await admin('GET', `/tenants/${c.tenantId}/webhooks/${id}`);
    assert.equal(one.body.url, `${PUBLIC}?token=abc`);
    const off = await admin('PATCH', `/tenants/${c.tenantId}/webhooks/${id}`, { enabled: false, events: ['*'] });
    assert.deepEqual([off.status, off.body.enabled, off.body.disabledReason, off.body.events], [200, false, 'Disabled by an administrator', ['*']]);
    const on = await admin('PATCH', `/tenants/${c.tenantId}/webhooks/${id}`, { enabled: true });
    assert.equal(on.body.disabledReason, null);
    assert.equal((await admin('DELETE', `/tenants/${c.tenantId}/webhooks/${id}`)).status, 204);
    assert.equal((await admin('GET', `/tenants/${c.tenantId}/webhooks/${id}`)).status, 404);
    assert.equal((await admin('DELETE', `/tenants/${c.tenantId}/webhooks/${id}`)).status, 404);
    const audit = (await admin('GET', `/tenants/${c.tenantId}/audit?resourceType=Webhook`)).body.events as { operation: string; actorKind: string; change: unknown }[];
    assert.deepEqual(audit.map((e) => e.operation), ['create', 'patch', 'patch', 'delete']);
    assert.ok(audit.every((e) => e.actorKind === 'operator'));
    // The query of the URL (it may hold a token) is not audited.
    assert.ok(!JSON.stringify(audit).includes('token=abc'));
  });

  it('refuses bad input with stable codes', async () => {
    const c = await tenant(srv);
    const post = (body: unknown) => admin('POST', `/tenants/${c.tenantId}/webhooks`, body);
    const cases: [unknown, number, string][] = [
      [{ url: PUBLIC, events: ['user.exploded'] }, 400, 'unknown_event_type'],
      [{ url: PUBLIC, events: [] }, 400, 'invalid_request'],
      [{ url: PUBLIC }, 400, 'invalid_request'],
      [{ events: ['*'] }, 400, 'invalid_request'],
      [{ url: 'ftp://93.184.216.34/', events: ['*'] }, 400, 'webhook_url_refused'],
      [{ url: 'https://u:p@93.184.216.34/', events: ['*'] }, 400, 'webhook_url_refused'],
      [{ url: PUBLIC, events: ['*'], secret: 'mine' }, 400, 'invalid_request'],
    ];
    for (const [body, status, code] of cases) {
      const r = await post(body);
      assert.deepEqual([r.status, r.body.error.code], [status, code], JSON.stringify(body));
    }
    assert.equal((await admin('POST', `/tenants/nope/webhooks`, { url: PUBLIC, events: ['*'] })).status, 404);
    assert.equal((await admin('PUT', `/tenants/${c.tenantId}/webhooks`, {})).status, 405);
    assert.equal((await admin('GET', `/tenants/${c.tenantId}/webhooks`)).body.webhooks.length, 0);
  });

  it('keeps a tenant to at most 10 endpoints (409 conflict)', async () => {
    const c = await tenant(srv);
    for (let i = 0; i < 10; i++) assert.equal((await admin('POST', `/tenants/${c.tenantId}/webhooks`, { url: `${PUBLIC}/${i}`, events: ['*'] })).status, 201);
    const r = await admin('POST', `/tenants/${c.tenantId}/webhooks`, { url: `${PUBLIC}/10`, events: ['*'] });
    assert.deepEqual([r.status, r.body.error.code], [409, 'conflict']);
  });

  it('refuses loopback, link-local, private and unique-local URLs at registration (AU-12)', async () => {
    const c = await tenant(srv);
    for (const url of [
      rcv.url, 'http://[::1]/h', 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.5/h', 'http://[fd00::1]/h',
      'http://localhost:9/h', 'http://[::ffff:127.0.0.1]/h', 'http://100.64.1.1/h', 'http://0.0.0.0/h',
    ]) {
      const r = await admin('POST', `/tenants/${c.tenantId}/webhooks`, { url, events: ['*'] });
      assert.deepEqual([r.status, r.body.error.code], [400, 'webhook_url_refused'], url);
    }
    const p = await admin('POST', `/tenants/${c.tenantId}/webhooks`, { url: PUBLIC, events: ['*'] });
    const r = await admin('PATCH', `/tenants/${c.tenantId}/webhooks/${p.body.id}`, { url: 'http://127.0.0.1/h' });
    assert.deepEqual([r.status, r.body.error.code], [400, 'webhook_url_refused']);
  });

  it('refuses a private address again at delivery (a URL whose name now resolves there)', async () => {
    const c = await tenant(srv);
    // Stored as if registered while the name pointed elsewhere: the worker must still refuse it.
    const id = randomUUID();
    const sealed = secretBox(await srv.store.secret(SEAL_KEY_NAME)).seal(newSecret());
    await srv.store.webhooks.create({ id, tenantId: c.tenantId, url: rcv.url.replace('127.0.0.1', 'localhost'), events: ['*'], secret: sealed, createdAt: new Date().toISOString() });
    await c.call('POST', '/Users', user('ssrf.delivery'));
    let deliveries: { error: string; status: number | null }[] = [];
    for (const end = Date.now() + 10_000; deliveries.length === 0 && Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
      deliveries = (await admin('GET', `/tenants/${c.tenantId}/webhooks/${id}/deliveries`)).body.deliveries;
    }
    assert.ok(deliveries.length > 0);
    assert.match(deliveries[0]!.error, /loopback, link-local, private/);
    assert.equal(deliveries[0]!.status, null);
    assert.equal(rcv.received.length, 0);
  });

  it('pages the attempts newest first', async () => {
    const c = await tenant(srv);
    const id = randomUUID();
    const sealed = secretBox(await srv.store.secret(SEAL_KEY_NAME)).seal(newSecret());
    await srv.store.webhooks.create({ id, tenantId: c.tenantId, url: 'http://127.0.0.1:9/h', events: ['*'], secret: sealed, createdAt: new Date().toISOString() });
    for (let i = 0; i < 5; i++) {
      await srv.store.webhooks.recordAttempt({ endpointId: id, eventId: `e${i}`, eventSeq: i + 1, eventType: 'user.created', attempt: 1, at: new Date().toISOString(), status: 200, latencyMs: 3, response: 'ok', error: null, outcome: 'delivered' });
    }
    const p1 = await admin('GET', `/tenants/${c.tenantId}/webhooks/${id}/deliveries?limit=3`);
    assert.deepEqual(p1.body.deliveries.map((d: { eventId: string }) => d.eventId), ['e4', 'e3', 'e2']);
    const p2 = await admin('GET', `/tenants/${c.tenantId}/webhooks/${id}/deliveries?limit=3&before=${p1.body.next}`);
    assert.deepEqual(p2.body.deliveries.map((d: { eventId: string }) => d.eventId), ['e1', 'e0']);
    assert.equal(p2.body.next, null);
    assert.equal((await admin('GET', `/tenants/${c.tenantId}/webhooks/${id}/deliveries?limit=x`)).status, 400);
  });
});
