/**
 * The outbox pruner (docs/events.md "Retention"): deletes only events older than the
 * retention, in batches of at most `OUTBOX_PRUNE_BATCH`, never from the lowest
 * position a `keepFrom` hook still needs on, and nothing with 0.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import pino from 'pino';
import { defaultRegistry } from '../scim/schema/registry.ts';
import { tenant } from '../store/store-contract.test-support.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { OutboxEventInput } from '../store/store.ts';
import { OUTBOX_PRUNE_BATCH, startOutboxPruner } from './events-retention.ts';

const dir = mkdtempSync(join(tmpdir(), 'roster-oprune-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ev = (occurredAt: string, n: number): OutboxEventInput => ({ id: `e${n}`, type: 'user.created', occurredAt, payload: { id: `u${n}` } });

it('prunes events older than the retention in bounded batches, keeps what a hook needs; 0 keeps everything', async () => {
  const s = await openSqliteStore({ file: join(dir, 'p.db'), registry: defaultRegistry });
  try {
    const t = tenant();
    const now = Date.parse('2026-06-01T00:00:00.000Z');
    const rows = [...Array.from({ length: 1100 }, (_, i) => ev('2026-01-01T00:00:00.000Z', i)), ev('2026-05-31T00:00:00.000Z', 5000)];
    await s.transaction(async (tx) => tx.appendEvents(t.id, [], rows));
    const batches: number[] = [];
    const counting = { ...s, pruneOutboxEvents: async (b: string, l: number, k?: number) => { const n = await s.pruneOutboxEvents(b, l, k); batches.push(n); return n; } };
    const logger = pino({ level: 'silent' });
    const keep = startOutboxPruner({ store: counting as typeof s, retentionMs: 0, logger, now: () => now });
    await keep.stop();
    const count = async (): Promise<number> => (await s.readEventFeed({ after: 0, limit: 5000 })).events.length;
    assert.equal(await count(), 1101);
    const needs = startOutboxPruner({ store: counting as typeof s, retentionMs: 30 * 86_400_000, logger, now: () => now, keepFrom: [async () => 1001, async () => undefined] });
    assert.equal(await needs.runOnce(), 1000, 'gseq 1001 on is still needed');
    await needs.stop();
    const p = startOutboxPruner({ store: counting as typeof s, retentionMs: 30 * 86_400_000, logger, now: () => now });
    assert.equal(await p.runOnce(), 100);
    await p.stop();
    assert.ok(batches.every((n) => n <= OUTBOX_PRUNE_BATCH), String(batches));
    assert.deepEqual((await s.readEventFeed({ after: 0, limit: 10 })).events.map((e) => e.id), ['e5000']);
  } finally {
    await s.close();
  }
});
