/**
 * In-process subscribers (docs/embedding.md "Events in process"): every event at least
 * once and in order, a throwing handler retried with the same event before any later
 * one, a durable cursor that a restart resumes from, `from` for a new subscriber,
 * commits of another process (another store on the same file) seen by polling, the
 * `default` subscriber behind `on`, and pruned events reported, not skipped silently.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import pino from 'pino';
import { FeedExpiredError, FeedPositionUnknownError } from '../directory/event-feed.ts';
import type { EventEnvelope } from '../directory/event-feed.ts';
import { defaultRegistry } from '../scim/schema/registry.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { createEventDispatcher, retryDelayMs } from './subscriptions.ts';

const dir = mkdtempSync(join(tmpdir(), 'roster-subs-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const logger = pino({ level: process.env.SUBS_LOG ?? 'silent' });
let n = 0;
const write = async (store: Store, tenantId: string, type = 'user.created'): Promise<string> => {
  const id = `ev-${++n}`;
  await store.transaction(async (tx) => tx.appendEvents(tenantId, [], [{ id, type, occurredAt: new Date().toISOString(), payload: { id: `u${n}` } }]));
  return id;
};
const until = async (cond: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(cond(), what);
};

it('CF-7: delivers in order, retries a throwing handler before any later event, and resumes from the durable cursor', async () => {
  const file = join(dir, 'a.db');
  let store = await openSqliteStore({ file, registry: defaultRegistry });
  const before = await write(store, 't1');
  let d = createEventDispatcher({ store, logger, pollMs: 60_000, stopTimeoutMs: 2000 });
  const got: string[] = [];
  const errors: number[] = [];
  let failOnce = true;
  const handler = async (e: EventEnvelope): Promise<void> => {
    if (e.type === 'user.deleted' && failOnce) {
      failOnce = false;
      throw new Error('handler down');
    }
    got.push(e.id);
  };
  const sub = d.subscribe({ name: 'billing', onError: (_e, _ev, attempt) => errors.push(attempt) }, handler);
  await sub.caughtUp(); // `from: 'now'`: the event before subscribe() is not delivered
  const ids = [await write(store, 't1'), await write(store, 't2', 'user.deleted'), await write(store, 't1')];
  await sub.caughtUp();
  assert.deepEqual(got, ids, 'each once, in commit order; the retried event before the later one');
  assert.deepEqual(errors, [1]);
  assert.ok(!got.includes(before));
  await d.close();
  // Events committed while no subscriber runs are delivered after a restart, and nothing twice.
  const missed = [await write(store, 't2'), await write(store, 't1')];
  await store.close();
  store = await openSqliteStore({ file, registry: defaultRegistry });
  d = createEventDispatcher({ store, logger, pollMs: 60_000, stopTimeoutMs: 2000 });
  const again = d.subscribe({ name: 'billing' }, handler);
  await again.caughtUp();
  assert.deepEqual(got, [...ids, ...missed]);
  const all: string[] = [];
  const oldest = d.subscribe({ name: 'replay', from: 'oldest', types: ['user.created'] }, (e) => { all.push(e.id); });
  await oldest.caughtUp();
  assert.deepEqual(all, [before, ids[0], ids[2], ...missed]);
  assert.throws(() => d.subscribe({ name: 'billing' }, handler), /already running/);
  assert.throws(() => d.subscribe({ name: 'bad name!' }, handler), TypeError);
  await d.close();
  await store.close();
});

it('sees commits of another process by polling; on() shares the default subscriber; pruned events are reported', async () => {
  const file = join(dir, 'b.db');
  const store = await openSqliteStore({ file, registry: defaultRegistry });
  const other = await openSqliteStore({ file, registry: defaultRegistry });
  const d = createEventDispatcher({ store, logger, pollMs: 20, stopTimeoutMs: 2000 });
  try {
    const deactivated: string[] = [];
    const everything: string[] = [];
    const a = d.on('user.deactivated', (e) => { deactivated.push(e.id); });
    const b = d.on('*', (e) => { everything.push(e.id); });
    await a.caughtUp();
    const x = await write(other, 't1', 'user.deactivated');
    const y = await write(other, 't1');
    await until(() => everything.length === 2, 'another process\'s commits arrive by polling');
    assert.deepEqual([deactivated, everything], [[x], [x, y]]);
    await b.stop();
    const z = await write(store, 't1', 'user.deactivated');
    await until(() => deactivated.length === 2, 'own commit');
    assert.deepEqual([deactivated, everything], [[x, z], [x, y]], 'a stopped on() handler gets nothing more');

    // A subscriber that was away longer than retention: told, then goes on from the oldest kept.
    const seen: string[] = [];
    const errs: unknown[] = [];
    const late = d.subscribe({ name: 'late', from: 'now' }, (e) => { seen.push(e.id); });
    await late.caughtUp();
    await late.stop();
    await write(store, 't1');
    await write(store, 't1');
    while ((await store.pruneOutboxEvents('9999-01-01T00:00:00.000Z', 1000)) > 0);
    const kept = await write(store, 't1');
    const resumed = d.subscribe({ name: 'late', onError: (e) => errs.push(e) }, (e) => { seen.push(e.id); });
    await resumed.caughtUp();
    assert.deepEqual(seen, [kept]);
    assert.equal(errs.length, 1);
    assert.ok(errs[0] instanceof FeedExpiredError);
  } finally {
    await d.close();
    await other.close();
    await store.close();
  }
});

it('a cursor past the last event (a database restored from an older copy) is reported and reset to the end', async () => {
  const store = await openSqliteStore({ file: join(dir, 'c.db'), registry: defaultRegistry });
  const d = createEventDispatcher({ store, logger, pollMs: 60_000, stopTimeoutMs: 2000 });
  try {
    await write(store, 't1');
    await store.subscribers.set('restored', 500);
    const errs: unknown[] = [];
    const got: string[] = [];
    const sub = d.subscribe({ name: 'restored', onError: (e) => errs.push(e) }, (e) => { got.push(e.id); });
    await sub.caughtUp();
    const next = await write(store, 't1');
    await sub.caughtUp();
    assert.deepEqual(got, [next]);
    assert.equal(errs.length, 1);
    assert.ok(errs[0] instanceof FeedPositionUnknownError);
    assert.equal(await store.subscribers.get('restored'), 2, 'the reset cursor is stored: a restart does not skip what comes next');
  } finally {
    await d.close();
    await store.close();
  }
});

it('back-off doubles from 100 ms to at most 30 s, with jitter', () => {
  assert.deepEqual([1, 2, 3].map((a) => retryDelayMs(a, () => 0.5)), [100, 200, 400]);
  assert.equal(retryDelayMs(40, () => 0.5), 30_000);
  assert.equal(retryDelayMs(1, () => 0), 50);
  assert.equal(retryDelayMs(1, () => 0.999), 150);
});
