/**
 * The contract every `WebhookStore` passes (docs/webhooks.md): cursor start, leases
 * (one holder at a time, taken over after expiry, writes refused to a lost lease),
 * head results, replays and attempt paging. A store's test file calls
 * `runWebhookStoreContract` with a function opening a fresh store.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { OutboxEventInput, Store } from './store.ts';
import type { HeadResult } from './webhooks.ts';
import { tenant } from './store-contract.test-support.ts';

const NONE = { endpoints: [], tenants: [] };
const T = (s: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const event = (type = 'user.created'): OutboxEventInput => ({ id: randomUUID(), type, occurredAt: T(0), payload: { id: 'u' } });
const done = (seq: number, replay = false, leaseUntil = T(100)): HeadResult =>
  ({ seq, replay, kind: 'done', delivered: true, attempts: 0, nextAttemptAt: T(0), failingSince: null, leaseUntil });

/** Runs the contract against stores from `open`. */
export function runWebhookStoreContract(name: string, open: () => Promise<Store>): void {
  const withStore = (fn: (s: Store) => Promise<void>) => async () => {
    const s = await open();
    try {
      await fn(s);
    } finally {
      await s.close();
    }
  };
  const setup = async (s: Store, events = 2) => {
    const t = tenant();
    await s.createTenant(t);
    await s.appendEvents(t.id, [], Array.from({ length: events }, () => event()));
    const ep = await s.webhooks.create({ id: randomUUID(), tenantId: t.id, url: 'https://example.com/h', events: ['*'], secret: 'sealed', createdAt: T(0) });
    return { t, ep };
  };

  describe(`WebhookStore contract: ${name}`, () => {
    it('starts the cursor after the last event and claims only endpoints with due work', withStore(async (s) => {
      const { t, ep } = await setup(s);
      assert.equal(ep.nextSeq, 3);
      assert.deepEqual(await s.webhooks.claim('w1', T(1), T(10), 10, NONE), []);
      await s.appendEvents(t.id, [], [event()]);
      const [c] = await s.webhooks.claim('w1', T(1), T(10), 10, NONE);
      assert.equal(c?.id, ep.id);
      assert.equal(c?.secrets.current, 'sealed');
      assert.deepEqual(await s.webhooks.list(t.id).then((l) => l.map((e) => e.id)), [ep.id]);
      await s.webhooks.release(ep.id, 'w1');
      assert.deepEqual(await s.webhooks.claim('w1', T(2), T(10), 10, { endpoints: [ep.id], tenants: [] }), []);
      assert.deepEqual(await s.webhooks.claim('w1', T(2), T(10), 10, { endpoints: [], tenants: [t.id] }), []);
    }));

    it('leases to one worker at a time; after expiry another takes over and the first loses its writes', withStore(async (s) => {
      const { t, ep } = await setup(s);
      await s.appendEvents(t.id, [], [event()]);
      assert.equal((await s.webhooks.claim('w1', T(1), T(10), 10, NONE)).length, 1);
      assert.equal((await s.webhooks.claim('w2', T(5), T(15), 10, NONE)).length, 0);
      assert.equal((await s.webhooks.claim('w2', T(10), T(20), 10, NONE)).length, 1);
      assert.equal(await s.webhooks.finishHead(ep.id, 'w1', done(3)), false);
      assert.equal(await s.webhooks.skipTo(ep.id, 'w1', 9), false);
      assert.equal(await s.webhooks.finishHead(ep.id, 'w2', done(3)), true);
      assert.equal((await s.webhooks.get(t.id, ep.id))?.nextSeq, 4);
      await s.webhooks.release(ep.id, 'w2');
      assert.deepEqual(await s.webhooks.claim('w3', T(11), T(20), 10, NONE), []);
    }));

    it('reports the oldest owed event across endpoints and the endpoints retrying, enabled only', withStore(async (s) => {
      assert.deepEqual(await s.webhooks.deliveryState(), { retrying: 0 });
      const { t, ep } = await setup(s);
      assert.deepEqual(await s.webhooks.deliveryState(), { retrying: 0 }, 'caught up: nothing owed');
      await s.appendEvents(t.id, [], [event(), event()]);
      const feed = await s.readEventFeed({ after: 0, limit: 100, tenantId: t.id });
      const third = feed.events.find((e) => e.seq === 3)!;
      const owed = await s.webhooks.deliveryState();
      assert.deepEqual(owed.oldestOwed, { gseq: third.gseq, occurredAt: third.occurredAt });
      await s.webhooks.claim('w1', T(1), T(10), 10, NONE);
      await s.webhooks.finishHead(ep.id, 'w1', { ...done(3), kind: 'retry', delivered: false, attempts: 1, nextAttemptAt: T(30), failingSince: T(1) });
      assert.equal((await s.webhooks.deliveryState()).retrying, 1);
      await s.webhooks.update(t.id, ep.id, { enabled: false, disabledReason: 'off', updatedAt: T(2) });
      assert.deepEqual(await s.webhooks.deliveryState(), { retrying: 0 }, 'a disabled endpoint holds nothing');
    }));

    it('keeps the head on retry until the next attempt is due, and can disable', withStore(async (s) => {
      const { t, ep } = await setup(s);
      await s.appendEvents(t.id, [], [event()]);
      await s.webhooks.claim('w1', T(1), T(10), 10, NONE);
      await s.webhooks.finishHead(ep.id, 'w1', { ...done(3), kind: 'retry', delivered: false, attempts: 1, nextAttemptAt: T(30), failingSince: T(1) });
      await s.webhooks.release(ep.id, 'w1');
      assert.deepEqual(await s.webhooks.claim('w1', T(20), T(40), 10, NONE), []);
      const [c] = await s.webhooks.claim('w1', T(30), T(40), 10, NONE);
      assert.deepEqual([c?.nextSeq, c?.attempts, c?.failingSince], [3, 1, T(1)]);
      await s.webhooks.finishHead(ep.id, 'w1', { ...done(3), kind: 'retry', delivered: false, attempts: 2, nextAttemptAt: T(31), failingSince: T(1), disable: 'why' });
      await s.webhooks.release(ep.id, 'w1');
      const off = await s.webhooks.get(t.id, ep.id);
      assert.deepEqual([off?.enabled, off?.disabledReason], [false, 'why']);
      assert.deepEqual(await s.webhooks.claim('w1', T(50), T(60), 10, NONE), []);
      const on = await s.webhooks.update(t.id, ep.id, { enabled: true, disabledReason: null, updatedAt: T(51) });
      assert.deepEqual([on?.enabled, on?.disabledReason, on?.attempts, on?.failingSince], [true, null, 0, null]);
    }));

    it('queues replays of existing events, serves them first and removes them when done', withStore(async (s) => {
      const { t, ep } = await setup(s, 3);
      assert.equal(await s.webhooks.queueReplay(t.id, ep.id, 2, 9), 2);
      assert.equal((await s.webhooks.get(t.id, ep.id))?.pendingReplays, 2);
      assert.equal(await s.webhooks.nextReplay(ep.id), 2);
      await s.webhooks.claim('w1', T(1), T(10), 10, NONE);
      const attempt = { endpointId: ep.id, eventId: 'e2', eventSeq: 2, eventType: 'user.created', attempt: 1, at: T(1), status: 204, latencyMs: 2, response: '', error: null, outcome: 'delivered' as const };
      await s.webhooks.finishHead(ep.id, 'w1', done(2, true), [attempt]);
      assert.deepEqual((await s.webhooks.listAttempts(t.id, ep.id, { limit: 5 })).map((a) => a.eventId), ['e2']);
      assert.equal(await s.webhooks.nextReplay(ep.id), 3);
      assert.equal((await s.webhooks.get(t.id, ep.id))?.nextSeq, 4);
      const [first] = await s.listOutboxEvents(t.id, { limit: 1 });
      assert.equal(await s.webhooks.eventSeq(t.id, first!.id), 1);
      assert.equal(await s.webhooks.eventSeq(tenant().id, first!.id), undefined);
    }));

    it('records attempts, pages them newest first, and deletes them with the endpoint', withStore(async (s) => {
      const { t, ep } = await setup(s);
      for (let i = 1; i <= 3; i++) {
        await s.webhooks.recordAttempt({ endpointId: ep.id, eventId: `e${i}`, eventSeq: i, eventType: 'user.created', attempt: 1, at: T(i), status: 500, latencyMs: 1, response: 'x', error: 'HTTP 500', outcome: 'failed' });
      }
      const p1 = await s.webhooks.listAttempts(t.id, ep.id, { limit: 2 });
      assert.deepEqual(p1.map((a) => a.eventId), ['e3', 'e2']);
      assert.deepEqual((await s.webhooks.listAttempts(t.id, ep.id, { limit: 2, before: p1[1]!.id })).map((a) => a.eventId), ['e1']);
      assert.deepEqual(await s.webhooks.listAttempts(tenant().id, ep.id, { limit: 2 }), []);
      assert.equal(await s.webhooks.rotateSecret(t.id, ep.id, 'sealed2', T(99), T(2)), true);
      assert.equal(await s.webhooks.delete(t.id, ep.id), true);
      assert.equal(await s.webhooks.get(t.id, ep.id), undefined);
      assert.deepEqual(await s.webhooks.listAttempts(t.id, ep.id, { limit: 2 }), []);
    }));
  });
}
