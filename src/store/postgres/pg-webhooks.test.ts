/**
 * Webhook storage on PostgreSQL (`pg-webhooks.ts`, docs/webhooks.md) on its own pool
 * beside the store that makes the tenants and outbox events: claims from two processes at
 * once (SKIP LOCKED) and the statement-level cases; the shared webhook store contract runs
 * through the store in `pg-store.test.ts`.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import pg from 'pg';
import { defaultRegistry } from '../../scim/schema/registry.ts';
import { tenant } from '../store-contract.test-support.ts';
import type { OutboxEventInput, Store } from '../store.ts';
import { storeKinds, testPostgres } from '../test-stores.test-support.ts';
import { openPgStore } from './pg-store.ts';
import { sqlOf } from './pg-sql.ts';
import { ATTEMPTS_KEPT, PgWebhooks } from './pg-webhooks.ts';
import type { ClaimExclusion, DeliveryAttempt, HeadResult } from '../webhooks.ts';

const NONE: ClaimExclusion = { endpoints: [], tenants: [] };
const T = (s: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const event = (): OutboxEventInput => ({ id: randomUUID(), type: 'user.created', occurredAt: T(0), payload: { id: 'u' } });
const done = (seq: number, replay = false): HeadResult =>
  ({ seq, replay, kind: 'done', delivered: true, attempts: 0, nextAttemptAt: T(0), failingSince: null, leaseUntil: T(100) });
const attempt = (endpointId: string, i: number): DeliveryAttempt =>
  ({ endpointId, eventId: `e${i}`, eventSeq: i, eventType: 'user.created', attempt: 1, at: T(i), status: 500, latencyMs: 1.4, response: 'x', error: 'HTTP 500', outcome: 'failed' });

describe('PostgreSQL webhook storage', { skip: !storeKinds().includes('postgres') }, () => {
  // Each case on a fresh database: the store for tenants and events, the webhook tables beside it.
  let s: Store;
  let pool: pg.Pool;
  let w: PgWebhooks;
  beforeEach(async () => {
    const url = await (await testPostgres()).freshDatabaseUrl();
    s = await openPgStore({ url, registry: defaultRegistry });
    pool = new pg.Pool({ connectionString: url, max: 4 });
    w = new PgWebhooks(sqlOf(pool));
  });
  afterEach(async () => {
    await pool.end();
    await s.close();
  });
  const setup = async (events = 2) => {
    const t = tenant();
    await s.createTenant(t);
    await s.appendEvents(t.id, [], Array.from({ length: events }, event));
    const ep = await w.create({ id: randomUUID(), tenantId: t.id, url: 'https://example.com/h', events: ['*'], secret: 'sealed', createdAt: T(0) });
    return { t, ep };
  };
  const claimOf = (owner: string, now: string, until: string, exclude: ClaimExclusion = NONE) => w.claim(owner, now, until, 100, exclude);

  it('starts the cursor after the last event and claims only endpoints with due work', async () => {
    const { t, ep } = await setup();
    assert.equal(ep.nextSeq, 3);
    assert.equal(await w.hasDue(T(1), NONE), false);
    assert.deepEqual(await claimOf('w1', T(1), T(10)), []);
    await s.appendEvents(t.id, [], [event()]);
    const [c] = await claimOf('w1', T(1), T(10));
    assert.deepEqual([c?.id, c?.secrets.current, c?.leaseOwner], [ep.id, 'sealed', 'w1']);
    await w.release(ep.id, 'w1');
    assert.deepEqual(await claimOf('w1', T(2), T(10), { endpoints: [ep.id], tenants: [] }), []);
    assert.deepEqual(await claimOf('w1', T(2), T(10), { endpoints: [], tenants: [t.id] }), []);
    assert.equal(await w.hasDue(T(2), NONE), true);
  });

  it('leases to one worker at a time; after expiry another takes over and the first loses its writes', async () => {
    const { t, ep } = await setup();
    await s.appendEvents(t.id, [], [event()]);
    assert.equal((await claimOf('w1', T(1), T(10))).length, 1);
    assert.equal((await claimOf('w2', T(5), T(15))).length, 0);
    assert.equal((await claimOf('w2', T(10), T(20))).length, 1);
    assert.equal(await w.finishHead(ep.id, 'w1', done(3)), false);
    assert.equal(await w.skipTo(ep.id, 'w1', 9), false);
    assert.equal(await w.finishHead(ep.id, 'w2', done(3)), true);
    assert.equal((await w.get(t.id, ep.id))?.nextSeq, 4);
    await w.release(ep.id, 'w2');
    assert.deepEqual(await claimOf('w3', T(11), T(20)), []);
  });

  it('keeps the head on retry until the next attempt is due, can disable, and re-enabling resets the head', async () => {
    const { t, ep } = await setup();
    await s.appendEvents(t.id, [], [event()]);
    await claimOf('w1', T(1), T(10));
    await w.finishHead(ep.id, 'w1', { ...done(3), kind: 'retry', delivered: false, attempts: 1, nextAttemptAt: T(30), failingSince: T(1) });
    await w.release(ep.id, 'w1');
    assert.deepEqual(await claimOf('w1', T(20), T(40)), []);
    const [c] = await claimOf('w1', T(30), T(40));
    assert.deepEqual([c?.nextSeq, c?.attempts, c?.failingSince], [3, 1, T(1)]);
    await w.finishHead(ep.id, 'w1', { ...done(3), kind: 'retry', delivered: false, attempts: 2, nextAttemptAt: T(31), failingSince: T(1), disable: 'why' });
    await w.release(ep.id, 'w1');
    const off = await w.get(t.id, ep.id);
    assert.deepEqual([off?.enabled, off?.disabledReason], [false, 'why']);
    assert.deepEqual(await claimOf('w1', T(50), T(60)), []);
    const renamed = await w.update(t.id, ep.id, { url: 'https://example.com/2', updatedAt: T(50) });
    assert.deepEqual([renamed?.url, renamed?.enabled, renamed?.disabledReason, renamed?.attempts], ['https://example.com/2', false, 'why', 2]);
    const on = await w.update(t.id, ep.id, { enabled: true, disabledReason: null, updatedAt: T(51) });
    assert.deepEqual([on?.enabled, on?.disabledReason, on?.attempts, on?.failingSince, on?.nextAttemptAt, on?.events], [true, null, 0, null, T(51), ['*']]);
    assert.equal(await w.update(tenant().id, ep.id, { enabled: false, updatedAt: T(52) }), undefined, 'another tenant');
  });

  it('queues replays of existing events, serves them first and removes them when done', async () => {
    const { t, ep } = await setup(3);
    assert.equal(await w.queueReplay(t.id, ep.id, 2, 9), 2);
    assert.equal(await w.queueReplay(t.id, ep.id, 2, 9), 0, 'queued once');
    assert.equal((await w.get(t.id, ep.id))?.pendingReplays, 2);
    assert.equal(await w.nextReplay(ep.id), 2);
    await claimOf('w1', T(1), T(10));
    await w.finishHead(ep.id, 'w1', done(2, true), [{ ...attempt(ep.id, 2), status: 204, outcome: 'delivered' }]);
    assert.deepEqual((await w.listAttempts(t.id, ep.id, { limit: 5 })).map((a) => [a.eventId, a.latencyMs]), [['e2', 1]]);
    assert.equal(await w.nextReplay(ep.id), 3);
    assert.equal((await w.get(t.id, ep.id))?.nextSeq, 4);
    const [first] = await s.listOutboxEvents(t.id, { limit: 1 });
    assert.equal(await w.eventSeq(t.id, first!.id), 1);
    assert.equal(await w.eventSeq(tenant().id, first!.id), undefined);
  });

  it('records attempts, pages them newest first, keeps the newest 1000, and deletes them with the endpoint', async () => {
    const { t, ep } = await setup();
    for (let i = 1; i <= 3; i++) await w.recordAttempt(attempt(ep.id, i));
    const p1 = await w.listAttempts(t.id, ep.id, { limit: 2 });
    assert.deepEqual(p1.map((a) => a.eventId), ['e3', 'e2']);
    assert.deepEqual((await w.listAttempts(t.id, ep.id, { limit: 2, before: p1[1]!.id })).map((a) => a.eventId), ['e1']);
    assert.deepEqual(await w.listAttempts(tenant().id, ep.id, { limit: 2 }), []);
    await pool.query(`INSERT INTO webhook_deliveries (endpoint_id, event_id, event_seq, event_type, attempt, at, latency_ms, outcome)
      SELECT $1, 'bulk', 1, 'user.created', 1, $2, 1, 'failed' FROM generate_series(1, $3)`, [ep.id, T(4), ATTEMPTS_KEPT]);
    await w.recordAttempt(attempt(ep.id, 5));
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1', [ep.id]);
    assert.equal(rows[0]?.n, ATTEMPTS_KEPT);
    assert.equal((await w.listAttempts(t.id, ep.id, { limit: 1 }))[0]?.eventId, 'e5');
    assert.equal(await w.rotateSecret(t.id, ep.id, 'sealed2', T(99), T(2)), true);
    await s.appendEvents(t.id, [], [event()]);
    const [c] = await claimOf('w1', T(3), T(10));
    assert.deepEqual(c?.secrets, { current: 'sealed2', previous: 'sealed', previousExpiresAt: T(99) });
    assert.equal(await w.delete(t.id, ep.id), true);
    assert.equal(await w.get(t.id, ep.id), undefined);
    assert.deepEqual(await w.listAttempts(t.id, ep.id, { limit: 2 }), []);
    await w.recordAttempt(attempt(ep.id, 6));
    const gone = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1', [ep.id]);
    assert.equal(gone.rows[0]?.n, 0, 'no attempt for a deleted endpoint');
  });

  it('two processes claiming at once take disjoint endpoints without waiting for each other (SKIP LOCKED)', async () => {
    const t = tenant();
    await s.createTenant(t);
    const eps = [];
    for (let i = 0; i < 4; i++) eps.push(await w.create({ id: randomUUID(), tenantId: t.id, url: 'https://example.com/h', events: ['*'], secret: 's', createdAt: T(0) }));
    await s.appendEvents(t.id, [], [event()]);
    const [a, b] = [await pool.connect(), await pool.connect()];
    try {
      // A blocked claim fails here instead of hanging.
      for (const c of [a, b]) await c.query("SET statement_timeout = '3s'");
      await a.query('BEGIN');
      await b.query('BEGIN');
      const first = (await new PgWebhooks(sqlOf(a)).claim('wa', T(1), T(10), 2, NONE));
      // A has not committed: its rows are locked; B skips them and takes the others.
      const second = (await new PgWebhooks(sqlOf(b)).claim('wb', T(1), T(10), 10, NONE));
      await a.query('COMMIT');
      await b.query('COMMIT');
      const ids = [...first, ...second].map((c) => c.id).sort();
      assert.equal(first.length, 2);
      assert.deepEqual(ids, eps.map((e) => e.id).sort(), 'every endpoint claimed once');
    } finally {
      await a.query('ROLLBACK').catch(() => undefined);
      await b.query('ROLLBACK').catch(() => undefined);
      a.release();
      b.release();
    }
    assert.deepEqual(await claimOf('wc', T(2), T(10)), [], 'all leased');
  });
});
