/**
 * The event feed on PostgreSQL (docs/storage.md "PostgreSQL", docs/events.md): `gseq`
 * follows commit order across processes, migration 11 numbers the rows already there,
 * and observers hear commits and the wait for a pooled connection (docs/metrics.md).
 * Two stores on one database stand for two processes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { isScimError } from '../../scim/errors.ts';
import { tenant } from '../store-contract.test-support.ts';
import type { OutboxEventInput } from '../store.ts';
import { storeKinds, testPostgres } from '../test-stores.test-support.ts';
import { pgMigrations } from './migrations.ts';
import { migratePg } from './pg-migrate.ts';
import { pgSuiteStores } from './pg-suite.test-support.ts';

const T0 = '2024-01-01T00:00:00.000Z';
const event = (id: string, occurredAt = T0): OutboxEventInput => ({ id, type: 'user.created', occurredAt, payload: { id } });

/** A promise and its resolver. */
function latch(): { wait: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const wait = new Promise<void>((r) => {
    open = r;
  });
  return { wait, open };
}

describe('PostgreSQL store: event feed', { skip: !storeKinds().includes('postgres') }, () => {
  const suite = pgSuiteStores();
  const store = suite.store;

  it('a later writer cannot make its gseq visible before an earlier, uncommitted one (no hole for a reader to pass)', async () => {
    const [a, b] = [await store(), await store()];
    const [ta, tb] = [tenant(), tenant()];
    await a.createTenant(ta);
    await a.createTenant(tb);
    const hold = latch();
    const numbered = latch();
    // A takes the next position, then stays open.
    const first = a.transaction(async (tx) => {
      await tx.appendEvents(ta.id, [], [event('first')]);
      numbered.open();
      await hold.wait;
    });
    await numbered.wait;
    let secondDone = false;
    const second = b.transaction((tx) => tx.appendEvents(tb.id, [], [event('second')])).then(() => {
      secondDone = true;
    });
    const watch = new pg.Client({ connectionString: suite.url() });
    try {
      // Wait until B either committed (what a sequence would allow) or queues on a lock.
      await watch.connect();
      for (;;) {
        if (secondDone) break;
        const { rows } = await watch.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
        if ((rows[0]?.n ?? 0) > 0) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      const during = await a.readEventFeed({ after: 0, limit: 10 });
      assert.deepEqual(during.events.map((e) => e.gseq), [], 'nothing is visible while position 1 is uncommitted');
      assert.equal(secondDone, false, 'the second writer waits for the first to commit');
    } finally {
      // Never leave A open (the store could not close).
      hold.open();
      await watch.end();
      await Promise.allSettled([first, second]);
    }
    await Promise.all([first, second]);
    const done = await b.readEventFeed({ after: 0, limit: 10 });
    assert.deepEqual(done.events.map((e) => [e.id, e.gseq]), [['first', 1], ['second', 2]]);
    assert.deepEqual([done.firstKept, done.last], [1, 2]);
  });

  it('migration 11 numbers the events already stored in time order, and the counter goes on from there', async () => {
    const fresh = await (await testPostgres()).freshDatabaseUrl();
    const pool = new pg.Pool({ connectionString: fresh, max: 1 });
    try {
      await migratePg(pool, pgMigrations.filter((m) => m.version <= 10));
      await pool.query("INSERT INTO tenants (id, name, idp, created_at) VALUES ('t1', 't1', 'generic', $1), ('t2', 't2', 'generic', $1)", [T0]);
      const ins = 'INSERT INTO outbox_events (tenant_id, seq, id, type, occurred_at, payload) VALUES ($1, $2, $3, \'user.created\', $4, \'{}\')';
      await pool.query(ins, ['t2', 1, 'late', '2024-01-03T00:00:00.000Z']);
      await pool.query(ins, ['t1', 1, 'early', '2024-01-01T00:00:00.000Z']);
      await pool.query(ins, ['t1', 2, 'middle', '2024-01-02T00:00:00.000Z']);
      await pool.query("INSERT INTO event_counters (tenant_id, audit_seq, outbox_seq) VALUES ('t1', 0, 2), ('t2', 0, 1)");
    } finally {
      await pool.end();
    }
    const s = await store({}, fresh);
    await s.appendEvents('t1', [], [event('next')]);
    const feed = await s.readEventFeed({ after: 0, limit: 10 });
    assert.deepEqual(feed.events.map((e) => [e.id, e.gseq]), [['early', 1], ['middle', 2], ['late', 3], ['next', 4]]);
    assert.equal(feed.last, 4);
    assert.deepEqual((await s.readEventFeed({ tenantId: 't1', after: 0, limit: 10 })).events.map((e) => e.seq), [1, 2, 3]);
  });

  it('observers hear committed writes only, and each wait for a pooled connection, refused past the connect timeout', async () => {
    const s = await store({ poolMax: 1, connectTimeoutMs: 300 });
    const t = tenant();
    await s.createTenant(t);
    const waits: boolean[] = [];
    let commits = 0;
    const stop = s.observe({ committed: () => { commits++; }, writeWait: (ms, refused) => {
      assert.ok(ms >= 0);
      waits.push(refused);
    } });
    await s.appendEvents(t.id, [], [event('one')]);
    await s.readEventFeed({ after: 0, limit: 10 });
    await s.transaction(async () => { throw new Error('rolled back'); }).catch(() => undefined);
    assert.equal(commits, 1, 'one committed write; reads and rollbacks are not commits');
    // The one connection is held; the next write waits for it and is refused with 503.
    const hold = latch();
    const inside = latch();
    const holder = s.transaction(async () => {
      inside.open();
      await hold.wait;
    });
    await inside.wait;
    const refused = s.appendEvents(t.id, [], [event('two')]).then(() => 'written', (e: unknown) => (isScimError(e) ? e.status : String(e)));
    await new Promise((r) => setImmediate(r));
    assert.equal(s.stats().writeWaiting, 1);
    assert.equal(await refused, 503);
    hold.open();
    await holder;
    stop();
    assert.deepEqual(waits, [false, false, false, true], 'granted, granted, granted, refused');
    assert.equal(s.stats().writeWaiting, 0);
    assert.equal(s.stats().readers, 1);
    assert.deepEqual((await s.readEventFeed({ tenantId: t.id, after: 0, limit: 10 })).events.map((e) => e.id), ['one']);
  });
});
