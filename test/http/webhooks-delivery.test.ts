/**
 * Webhook delivery against real receivers on loopback (docs/webhooks.md): Standard
 * Webhooks signatures checked with the reference library, retries after a 500 and a
 * timeout, per-tenant order under a burst, one tenant's hanging endpoint not delaying
 * another's, secret rotation overlap, redirects not followed, replay, the disabling
 * rule, and no secret in any payload or log line (docs/reliability.md CF-7, AU-8).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { createOperatorToken } from '../../src/app/operator-tokens.ts';
import { dbQuery, scim } from '../helpers/server.ts';
import type { ScimCall } from '../helpers/server.ts';
import { startTestServer, tenant, user } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';
import { startReceiver } from './webhooks-helpers.ts';
import type { Receiver, Received } from './webhooks-helpers.ts';

const receivers: Receiver[] = [];
const servers: TestServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await Promise.all(receivers.map((r) => r.close()));
});

async function server(config: Record<string, unknown>, webhooks: { retryScheduleMs?: number[]; disableAfterMs?: number; concurrency?: number; perTenant?: number } = {}) {
  const srv = await startTestServer({
    config: { webhooksAllowPrivateNetworks: true, webhooksPollIntervalMs: 20, webhooksTimeoutMs: 1000, ...config },
    webhooks: { retryScheduleMs: [50, 50, 50, 50], ...webhooks },
  });
  servers.push(srv);
  return { srv, admin: scim(`${srv.url}/api/v1`, (await createOperatorToken(srv.store)).token) };
}

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

async function register(admin: ScimCall, c: Client, url: string, events: string[] = ['*']): Promise<{ id: string; secret: string }> {
  const r = await admin('POST', `/tenants/${c.tenantId}/webhooks`, { url, events });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

/**
 * The endpoint's recorded attempts, newest first, once there are at least `n`: the receiver
 * sees a request before the worker has read its answer and written the attempt.
 */
async function deliveries(admin: ScimCall, tenantId: string, id: string, n: number): Promise<any[]> { // eslint-disable-line @typescript-eslint/no-explicit-any
  for (let i = 0; ; i++) {
    const d = (await admin('GET', `/tenants/${tenantId}/webhooks/${id}/deliveries`)).body.deliveries as unknown[];
    if (d.length >= n || i >= 200) return d as any[]; // eslint-disable-line @typescript-eslint/no-explicit-any
    await new Promise((r) => setTimeout(r, 50));
  }
}

const verifies = (secret: string, r: Received): boolean => {
  try {
    new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
};

let srv: TestServer;
let admin: ScimCall;
before(async () => {
  ({ srv, admin } = await server({}));
});

describe('webhook deliveries (Standard Webhooks 1.0)', () => {
  it('signs each delivery so the standardwebhooks library verifies it, with the event as body', async () => {
    const c = await tenant(srv);
    const rcv = await receiver();
    const { secret } = await register(admin, c, rcv.url);
    assert.match(secret, /^whsec_/);
    const created = await c.call('POST', '/Users', user('sig.alice', { active: true, name: { givenName: 'Alice' }, emails: [{ type: 'work', value: 'alice@example.com' }], password: 'Secr3t!pass' }));
    assert.equal(created.status, 201);
    await rcv.waitFor((r) => r.length >= 1);
    const got = rcv.received[0]!;
    assert.equal(verifies(secret, got), true);
    assert.equal(got.json.type, 'user.created');
    assert.equal(got.json.tenantId, c.tenantId);
    assert.equal(got.json.data['id'], created.body.id);
    assert.equal(got.json.data['userName'], 'sig.alice');
    // The platform-side view: the mapped profile (docs/audit.md "Events").
    assert.deepEqual(got.json.data['profile'], { username: 'sig.alice', firstName: 'Alice', email: 'alice@example.com', status: 'active' });
    const [event] = await srv.store.listOutboxEvents(c.tenantId, { limit: 100, afterSeq: got.json.sequence - 1 });
    assert.equal(got.headers['webhook-id'], event!.id);
    // Every attempt is recorded and visible.
    const wh = (await admin('GET', `/tenants/${c.tenantId}/webhooks`)).body.webhooks[0];
    const d = await deliveries(admin, c.tenantId, wh.id, 1);
    assert.equal(d[0].outcome, 'delivered');
    assert.equal(d[0].status, 200);
    assert.equal(typeof d[0].latencyMs, 'number');
  });

  it('retries after a 500 with the same webhook-id, then moves on', async () => {
    const c = await tenant(srv);
    const rcv = await receiver();
    rcv.answer = (n) => (n < 2 ? 500 : 200);
    const { id } = await register(admin, c, rcv.url);
    await c.call('POST', '/Users', user('retry.500'));
    await rcv.waitFor((r) => r.length >= 3);
    assert.equal(new Set(rcv.received.slice(0, 3).map((r) => r.headers['webhook-id'])).size, 1);
    const d = await deliveries(admin, c.tenantId, id, 3);
    assert.deepEqual(d.slice(0, 3).map((x: { outcome: string; attempt: number }) => [x.outcome, x.attempt]), [['delivered', 3], ['failed', 2], ['failed', 1]]);
    assert.equal(d[1].status, 500);
    assert.ok(d[1].response.length <= 1024);
    // docs/metrics.md: attempts by outcome, counted by this process.
    const token = (await createOperatorToken(srv.store)).token;
    const text = await (await fetch(`${srv.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    const count = (outcome: string): number => Number(new RegExp(`^roster_webhook_deliveries_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    assert.ok(count('failed') >= 2 && count('delivered') >= 1, text.split('\n').filter((l) => l.includes('webhook')).join('\n'));
    assert.match(text, /^roster_webhook_retrying_endpoints \d+/m);
  });

  it('retries after a timeout', async () => {
    const c = await tenant(srv);
    const rcv = await receiver();
    rcv.answer = (n) => (n === 0 ? 'hang' : 200);
    const { id } = await register(admin, c, rcv.url);
    await c.call('POST', '/Users', user('retry.timeout'));
    await rcv.waitFor((r) => r.length >= 2);
    assert.equal(rcv.received[0]!.headers['webhook-id'], rcv.received[1]!.headers['webhook-id']);
    const d = (await admin('GET', `/tenants/${c.tenantId}/webhooks/${id}/deliveries`)).body.deliveries;
    assert.match(d[d.length - 1].error, /timeout/);
    assert.equal(d[d.length - 1].status, null);
  });

  it('delivers a burst of one tenant in sequence order, each event once, even with failures', async () => {
    const c = await tenant(srv);
    const rcv = await receiver();
    rcv.answer = (n) => (n % 7 === 3 ? 503 : 200);
    await register(admin, c, rcv.url, ['user.created']);
    const N = 30;
    const answers = await Promise.all(Array.from({ length: N }, (_, i) => c.call('POST', '/Users', user(`burst.${i}`))));
    assert.ok(answers.every((a) => a.status === 201));
    await rcv.waitFor((r) => new Set(r.map((x) => x.headers['webhook-id'])).size >= N);
    const delivered: number[] = [];
    for (const r of rcv.received) if (delivered[delivered.length - 1] !== r.json.sequence) delivered.push(r.json.sequence);
    const sorted = [...delivered].sort((a, b) => a - b);
    assert.deepEqual(delivered, sorted, 'sequence order');
    assert.equal(new Set(delivered).size, delivered.length, 'each event delivered before the next');
  });

  it("does not let one tenant's hanging endpoint delay another tenant", async () => {
    const { srv: slow, admin: slowAdmin } = await server({ webhooksTimeoutMs: 30_000 });
    const a = await tenant(slow);
    const b = await tenant(slow);
    const dead = await receiver();
    dead.answer = () => 'hang';
    const live = await receiver();
    await register(slowAdmin, a, dead.url);
    await register(slowAdmin, b, live.url);
    await a.call('POST', '/Users', user('a.hang'));
    await dead.waitFor((r) => r.length >= 1);
    await b.call('POST', '/Users', user('b.live'));
    await live.waitFor((r) => r.length >= 1);
    // Tenant A's request is still unanswered (the timeout is 30 s) while B was served.
    assert.equal(dead.hanging(), 1);
    assert.equal(live.received[0]!.json.tenantId, b.tenantId);
  });

  it("caps one tenant's endpoints in flight, so its hanging endpoints leave slots to others", async () => {
    // Four slots, at most two per tenant: without the cap tenant A's four hanging endpoints would take them all.
    const { srv: capped, admin: cadmin } = await server({ webhooksTimeoutMs: 30_000 }, { concurrency: 4, perTenant: 2 });
    const a = await tenant(capped);
    const b = await tenant(capped);
    const dead = await receiver();
    dead.answer = () => 'hang';
    for (let i = 0; i < 4; i++) await register(cadmin, a, `${dead.url}?n=${i}`);
    const live = await receiver();
    await register(cadmin, b, live.url);
    await a.call('POST', '/Users', user('a.flood'));
    await dead.waitFor((r) => r.length >= 2);
    await b.call('POST', '/Users', user('b.served'));
    await live.waitFor((r) => r.length >= 1);
    assert.equal(dead.hanging(), 2, 'two of tenant A in flight, not four');
    assert.equal(dead.received.length, 2);
  });

  it('signs with both secrets during a rotation overlap, and only the new one after', async () => {
    const c = await tenant(srv);
    const rcv = await receiver();
    const { id, secret: first } = await register(admin, c, rcv.url);
    const r1 = await admin('POST', `/tenants/${c.tenantId}/webhooks/${id}/rotate-secret`, { overlapSeconds: 3600 });
    assert.equal(r1.status, 200);
    const second = r1.body.secret as string;
    assert.notEqual(second, first);
    await c.call('POST', '/Users', user('rot.one'));
    await rcv.waitFor((r) => r.length >= 1);
    assert.equal(String(rcv.received[0]!.headers['webhook-signature']).split(' ').length, 2);
    assert.equal(verifies(first, rcv.received[0]!), true);
    assert.equal(verifies(second, rcv.received[0]!), true);
    const r2 = await admin('POST', `/tenants/${c.tenantId}/webhooks/${id}/rotate-secret`, { overlapSeconds: 0 });
    const third = r2.body.secret as string;
    await c.call('POST', '/Users', user('rot.two'));
    await rcv.waitFor((r) => r.length >= 2);
    assert.equal(verifies(third, rcv.received[1]!), true);
    assert.equal(verifies(second, rcv.received[1]!), false);
    assert.equal(verifies(first, rcv.received[1]!), false);
    const bad = await admin('POST', `/tenants/${c.tenantId}/webhooks/${id}/rotate-secret`, { overlapSeconds: 10 * 86_400 });
    assert.equal(bad.status, 400);
  });

  it('does not follow a redirect: a 3xx is a failed attempt', async () => {
    const c = await tenant(srv);
    const target = await receiver();
    const rcv = await receiver();
    rcv.answer = () => ({ status: 302, headers: { location: target.url } });
    const { id } = await register(admin, c, rcv.url);
    await c.call('POST', '/Users', user('redirect'));
    await rcv.waitFor((r) => r.length >= 2);
    assert.equal(target.received.length, 0);
    const d = (await admin('GET', `/tenants/${c.tenantId}/webhooks/${id}/deliveries`)).body.deliveries;
    assert.equal(d[d.length - 1].status, 302);
    assert.equal(d[d.length - 1].error, 'redirect not followed');
  });

  it('replays one event by id and a range of sequence numbers', async () => {
    const c = await tenant(srv);
    const rcv = await receiver();
    const { id } = await register(admin, c, rcv.url);
    for (const n of ['rp.1', 'rp.2', 'rp.3']) await c.call('POST', '/Users', user(n));
    await rcv.waitFor((r) => r.length >= 3);
    const [e1, , e3] = rcv.received;
    const one = await admin('POST', `/tenants/${c.tenantId}/webhooks/${id}/replay`, { eventId: e1!.headers['webhook-id'] });
    assert.deepEqual([one.status, one.body.queued], [200, 1]);
    await rcv.waitFor((r) => r.length >= 4);
    assert.equal(rcv.received[3]!.headers['webhook-id'], e1!.headers['webhook-id']);
    const range = await admin('POST', `/tenants/${c.tenantId}/webhooks/${id}/replay`, { fromSequence: e1!.json.sequence, toSequence: e3!.json.sequence });
    assert.equal(range.body.queued, 3);
    await rcv.waitFor((r) => r.length >= 7);
    assert.deepEqual(rcv.received.slice(4).map((r) => r.json.sequence), [e1!.json.sequence, e1!.json.sequence + 1, e3!.json.sequence]);
    for (const bad of [{ fromSequence: 5, toSequence: 1 }, { fromSequence: 1, toSequence: 20_000 }, { fromSequence: 0, toSequence: 1 }, {}]) {
      const r = await admin('POST', `/tenants/${c.tenantId}/webhooks/${id}/replay`, bad);
      assert.equal(r.status, 400, JSON.stringify(bad));
    }
    assert.equal((await admin('POST', `/tenants/${c.tenantId}/webhooks/${id}/replay`, { eventId: 'nope' })).status, 404);
  });

  it('drops a queued replay whose event is gone instead of holding the endpoint', async () => {
    const c = await tenant(srv);
    const rcv = await receiver();
    const { id } = await register(admin, c, rcv.url);
    await c.call('POST', '/Users', user('gone.1'));
    await rcv.waitFor((r) => r.length >= 1);
    const seq = rcv.received[0]!.json.sequence;
    // Delivery waits while the endpoint is disabled; the event then leaves the outbox (as retention would do it).
    await admin('PATCH', `/tenants/${c.tenantId}/webhooks/${id}`, { enabled: false });
    assert.equal((await admin('POST', `/tenants/${c.tenantId}/webhooks/${id}/replay`, { fromSequence: seq, toSequence: seq })).body.queued, 1);
    await dbQuery(srv, { sqlite: 'DELETE FROM outbox_events WHERE tenant_id = ? AND seq = ?', postgres: 'DELETE FROM outbox_events WHERE tenant_id = $1 AND seq = $2' }, [c.tenantId, seq]);
    await admin('PATCH', `/tenants/${c.tenantId}/webhooks/${id}`, { enabled: true });
    await c.call('POST', '/Users', user('gone.2'));
    await rcv.waitFor((r) => r.length >= 2);
    assert.equal(rcv.received[1]!.json.data['userName'], 'gone.2');
    const ep = (await admin('GET', `/tenants/${c.tenantId}/webhooks/${id}`)).body;
    assert.equal(ep.delivery.pendingReplays, 0);
  });

  it('leaves an endpoint whose secret does not open alone for a while, and serves the others', async () => {
    const c = await tenant(srv);
    const rcv = await receiver();
    const id = randomUUID();
    await srv.store.webhooks.create({ id, tenantId: c.tenantId, url: rcv.url, events: ['*'], secret: 'v1.bm90IGEgc2VhbGVkIHNlY3JldA==', createdAt: new Date().toISOString() });
    const good = await receiver();
    await register(admin, c, good.url);
    await c.call('POST', '/Users', user('bad.secret'));
    await good.waitFor((r) => r.length >= 1);
    await c.call('POST', '/Users', user('bad.secret.2'));
    await good.waitFor((r) => r.length >= 2);
    const errors = srv.logs().split('\n').filter((l) => l.includes('Webhook worker error') && l.includes(id));
    assert.equal(errors.length, 1, 'one error, then the endpoint cools down instead of being claimed in a loop');
    assert.equal(rcv.received.length, 0);
    const ep = (await admin('GET', `/tenants/${c.tenantId}/webhooks/${id}`)).body;
    assert.equal(ep.delivery.nextSequence, good.received[0]!.json.sequence, 'its events wait');
  });

  it('disables an endpoint after the rule, with the reason visible; re-enabling clears it and delivers', async () => {
    const { srv: s2, admin: a2 } = await server({}, { retryScheduleMs: [30, 30, 30], disableAfterMs: 50 });
    const c = await tenant(s2);
    const rcv = await receiver();
    rcv.answer = () => 500;
    const { id } = await register(a2, c, rcv.url);
    await c.call('POST', '/Users', user('dead.end'));
    let ep: Record<string, unknown> = {};
    for (const end = Date.now() + 15_000; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
      ep = (await a2('GET', `/tenants/${c.tenantId}/webhooks/${id}`)).body;
      if (ep['enabled'] === false) break;
    }
    assert.equal(ep['enabled'], false);
    assert.match(String(ep['disabledReason']), /every delivery attempt failed since .* \(last: HTTP 500\)/);
    const seen = rcv.received.length;
    rcv.answer = () => 200;
    const re = await a2('PATCH', `/tenants/${c.tenantId}/webhooks/${id}`, { enabled: true });
    assert.equal(re.body.enabled, true);
    assert.equal(re.body.disabledReason, null);
    await rcv.waitFor((r) => r.length > seen);
    assert.equal(rcv.received[rcv.received.length - 1]!.json.type, 'user.created');
  });

  it('starts a delivery right after a commit, without waiting for the poll', async () => {
    // The poll is one minute: only the wake after the commit can deliver within the wait.
    const { srv: s2, admin: a2 } = await server({ webhooksPollIntervalMs: 60_000 });
    const c = await tenant(s2);
    const rcv = await receiver();
    await register(a2, c, rcv.url);
    await c.call('POST', '/Users', user('woken'));
    await rcv.waitFor((r) => r.length >= 1, 20_000);
    assert.equal(rcv.received[0]!.json.data['userName'], 'woken');
  });

  it('sends only the subscribed event types', async () => {
    const c = await tenant(srv);
    const rcv = await receiver();
    await register(admin, c, rcv.url, ['user.deactivated']);
    const u = await c.call('POST', '/Users', user('sub.one'));
    await c.call('PATCH', `/Users/${u.body.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] });
    await rcv.waitFor((r) => r.length >= 1);
    assert.deepEqual(rcv.received.map((r) => r.json.type), ['user.deactivated']);
  });

  it('writes no secret into any payload or log line (AU-8)', async () => {
    const c = await tenant(srv);
    const rcv = await receiver();
    const { id, secret } = await register(admin, c, rcv.url);
    const rotated = (await admin('POST', `/tenants/${c.tenantId}/webhooks/${id}/rotate-secret`, {})).body.secret as string;
    await c.call('POST', '/Users', user('au8.user'));
    await rcv.waitFor((r) => r.length >= 1);
    const listed = JSON.stringify((await admin('GET', `/tenants/${c.tenantId}/webhooks`)).body);
    const audit = JSON.stringify((await admin('GET', `/tenants/${c.tenantId}/audit`)).body);
    for (const s of [secret, rotated]) {
      const bare = s.slice('whsec_'.length);
      for (const text of [srv.logs(), rcv.received.map((r) => r.body).join(''), listed, audit]) assert.ok(!text.includes(bare));
    }
  });
});
