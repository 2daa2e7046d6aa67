/**
 * The event feed of the SQLite store (docs/events.md): a global `gseq` in commit order
 * beside the per-tenant `seq`, pruning that keeps a suffix of the order (so an old
 * cursor is detectably expired, never silently past a hole), a global order that
 * does not restart after every row was pruned, and durable subscriber cursors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { defaultRegistry } from '../../scim/schema/registry.ts';
import { tenant } from '../store-contract.test-support.ts';
import type { OutboxEventInput } from '../store.ts';
import { openSqliteStore } from './sqlite-store.ts';
import Database from 'better-sqlite3';

const dir = mkdtempSync(join(tmpdir(), 'roster-feed-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ev = (n: number, at: string, type = 'user.created'): OutboxEventInput => ({ id: `e${n}`, type, occurredAt: at, payload: { id: `u${n}` } });
const OLD = '2026-01-01T00:00:00.000Z';
const NEW = '2026-03-01T00:00:00.000Z';

it('gseq orders every tenant in commit order; the tenant feed by seq; types filter; bounds in one page', async () => {
  const s = await openSqliteStore({ file: join(dir, 'a.db'), registry: defaultRegistry });
  try {
    const a = tenant();
    const b = tenant();
    await s.transaction(async (tx) => tx.appendEvents(a.id, [], [ev(1, OLD), ev(2, OLD, 'user.deleted')]));
    await s.transaction(async (tx) => tx.appendEvents(b.id, [], [ev(3, OLD)]));
    await assert.rejects(s.transaction(async (tx) => {
      await tx.appendEvents(b.id, [], [ev(9, OLD)]);
      throw new Error('rolled back');
    }));
    await s.transaction(async (tx) => tx.appendEvents(a.id, [], [ev(4, NEW)]));
    const all = await s.readEventFeed({ after: 0, limit: 10 });
    assert.deepEqual(all.events.map((e) => [e.gseq, e.id, e.tenantId === a.id ? 'a' : 'b', e.seq]), [[1, 'e1', 'a', 1], [2, 'e2', 'a', 2], [3, 'e3', 'b', 1], [4, 'e4', 'a', 3]]);
    assert.deepEqual([all.firstKept, all.last], [1, 4]);
    assert.deepEqual((await s.readEventFeed({ after: 1, limit: 2 })).events.map((e) => e.id), ['e2', 'e3']);
    assert.deepEqual((await s.readEventFeed({ after: 0, types: ['user.deleted'], limit: 10 })).events.map((e) => e.id), ['e2']);
    const ta = await s.readEventFeed({ tenantId: a.id, after: 1, limit: 10 });
    assert.deepEqual([ta.events.map((e) => e.seq), ta.firstKept, ta.last], [[2, 3], 1, 3]);
    const none = await s.readEventFeed({ tenantId: 'nobody', after: 0, limit: 10 });
    assert.deepEqual([none.events, none.firstKept, none.last], [[], 1, 0]);
  } finally {
    await s.close();
  }
});

it('pruning deletes only a prefix of the global order, respects keepFrom, and never rewinds gseq', async () => {
  const s = await openSqliteStore({ file: join(dir, 'b.db'), registry: defaultRegistry });
  try {
    const a = tenant();
    // An old row after a recent one (a clock that went back): it must stay, or a hole opens.
    await s.transaction(async (tx) => tx.appendEvents(a.id, [], [ev(1, OLD), ev(2, OLD), ev(3, NEW), ev(4, OLD)]));
    assert.equal(await s.pruneOutboxEvents('2026-02-01T00:00:00.000Z', 100, 2), 1, 'keepFrom 2 keeps gseq 2');
    assert.equal(await s.pruneOutboxEvents('2026-02-01T00:00:00.000Z', 100), 1);
    const page = await s.readEventFeed({ after: 0, limit: 10 });
    assert.deepEqual([page.events.map((e) => e.gseq), page.firstKept], [[3, 4], 3]);
    const t = await s.readEventFeed({ tenantId: a.id, after: 0, limit: 10 });
    assert.equal(t.firstKept, 3);
    assert.equal(await s.pruneOutboxEvents('2026-04-01T00:00:00.000Z', 1), 1, 'a batch is bounded by limit');
    assert.equal(await s.pruneOutboxEvents('2026-04-01T00:00:00.000Z', 100), 1);
    const empty = await s.readEventFeed({ after: 0, limit: 10 });
    assert.deepEqual([empty.events.length, empty.firstKept, empty.last], [0, 5, 4]);
    await s.transaction(async (tx) => tx.appendEvents(a.id, [], [ev(5, NEW)]));
    assert.deepEqual((await s.readEventFeed({ after: 0, limit: 10 })).events.map((e) => [e.gseq, e.seq]), [[5, 5]]);
  } finally {
    await s.close();
  }
});

it('subscriber cursors are durable', async () => {
  const file = join(dir, 'c.db');
  let s = await openSqliteStore({ file, registry: defaultRegistry });
  assert.equal(await s.subscribers.get('billing'), undefined);
  await s.subscribers.set('billing', 7);
  await s.subscribers.set('billing', 5);
  await s.close();
  s = await openSqliteStore({ file, registry: defaultRegistry });
  try {
    assert.equal(await s.subscribers.get('billing'), 5);
  } finally {
    await s.close();
  }
});

it('the feed walks an index in order: (tenant_id, seq) for a tenant, gseq for all, and pruning too', async () => {
  const file = join(dir, 'plan.db');
  const s = await openSqliteStore({ file, registry: defaultRegistry });
  await s.close();
  const db = new Database(file, { readonly: true });
  try {
    const plan = (sql: string, ...args: unknown[]): string =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join('\n');
    const tenantPlan = plan('SELECT * FROM outbox_events WHERE tenant_id = ? AND seq > ? AND type IN (?, ?) ORDER BY seq LIMIT ?', 't', 0, 'a', 'b', 1);
    assert.match(tenantPlan, /SEARCH outbox_events USING (?:PRIMARY KEY|INDEX sqlite_autoindex_outbox_events_\d) \(tenant_id=\? AND seq>\?\)/);
    const allPlan = plan('SELECT * FROM outbox_events WHERE gseq > ? AND type IN (?) ORDER BY gseq LIMIT ?', 0, 'a', 1);
    assert.match(allPlan, /SEARCH outbox_events USING INDEX outbox_events_gseq \(gseq>\?\)/);
    assert.match(plan('SELECT gseq FROM outbox_events WHERE occurred_at >= ? ORDER BY gseq LIMIT 1', 'x'), /SCAN outbox_events USING INDEX outbox_events_gseq/);
    for (const p of [tenantPlan, allPlan]) assert.doesNotMatch(p, /TEMP B-TREE/);
  } finally {
    db.close();
  }
});
