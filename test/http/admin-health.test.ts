/**
 * Sync health through the admin API (docs/audit.md "Sync health"): requests and
 * errors counted per tenant per hour and day, the last request time, and the latest
 * error answers with their SCIM error bodies, bounded to 20.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import type { ScimCall } from '../helpers/server.ts';
import { adminClient, startTestServer, tenant, user } from './scim-helpers.ts';
import type { TestServer } from './scim-helpers.ts';

let srv: TestServer;
let admin: ScimCall;
before(async () => {
  srv = await startTestServer();
  admin = await adminClient(srv);
});
after(() => srv.close());

const sum = (xs: { requests: number }[]): number => xs.reduce((s, x) => s + x.requests, 0);
const errs = (xs: { errors: number }[]): number => xs.reduce((s, x) => s + x.errors, 0);

/** Counts are flushed every few seconds: poll until `n` requests are visible (bounded). */
async function healthOf(tenantId: string, n: number): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  for (let i = 0; i < 100; i++) {
    const r = await admin('GET', `/tenants/${tenantId}/health`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    if (sum(r.body.hours) >= n) return r.body;
    await sleep(100);
  }
  return (await admin('GET', `/tenants/${tenantId}/health`)).body;
}

it('counts requests and errors per hour and day, with the latest error bodies', async () => {
  const c = await tenant(srv);
  const quiet = await tenant(srv);
  for (let i = 0; i < 5; i++) assert.equal((await c.call('GET', '/Users')).status, 200);
  assert.equal((await c.call('GET', '/Users/nope')).status, 404);
  assert.equal((await c.call('POST', '/Users', { schemas: [] })).status, 400);
  assert.equal((await c.call('POST', '/Users', user('ok'))).status, 201);
  const h = await healthOf(c.tenantId, 8);
  assert.equal(h.hours.length, 24);
  assert.equal(h.days.length, 30);
  assert.deepEqual([sum(h.hours), sum(h.days)], [8, 8]);
  assert.match(h.hours.at(-1).hour, /^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$/);
  assert.deepEqual([errs(h.hours), errs(h.days)], [2, 2]);
  assert.ok(Date.now() - Date.parse(h.lastRequestAt) < 3_600_000);
  assert.deepEqual(h.errors.map((e: { status: number; body: { status: string; schemas: string[] } }) => [e.status, e.body.status, e.body.schemas[0]]), [
    [400, '400', 'urn:ietf:params:scim:api:messages:2.0:Error'],
    [404, '404', 'urn:ietf:params:scim:api:messages:2.0:Error'],
  ]);
  const q = (await admin('GET', `/tenants/${quiet.tenantId}/health`)).body;
  assert.deepEqual([sum(q.hours), q.lastRequestAt, q.errors], [0, null, []]);
  assert.equal((await admin('GET', '/tenants/no-such/health')).status, 404);
  assert.equal((await admin('POST', `/tenants/${c.tenantId}/health`)).status, 405);
});

it('keeps only the latest 20 error bodies per tenant', async () => {
  const c = await tenant(srv);
  for (let i = 0; i < 25; i++) assert.equal((await c.call('GET', `/Users/missing-${i}`)).status, 404);
  const h = await healthOf(c.tenantId, 25);
  assert.equal(errs(h.hours), 25);
  assert.equal(h.errors.length, 20);
  assert.match(h.errors[0].path, /missing-24$/);
  assert.match(h.errors[19].path, /missing-5$/);
});
