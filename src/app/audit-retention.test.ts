/**
 * The audit pruner (docs/audit.md "Retention"): deletes only rows older than the
 * retention, in batches of at most `AUDIT_PRUNE_BATCH` rows, and nothing with 0.
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
import type { AuditEventInput } from '../store/store.ts';
import { AUDIT_PRUNE_BATCH, pruneIntervalMs, startAuditPruner } from './audit-retention.ts';

const dir = mkdtempSync(join(tmpdir(), 'roster-prune-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const row = (occurredAt: string, n: number): AuditEventInput => ({
  id: `r${n}`, occurredAt, actorKind: 'cli', actorId: null, actorLabel: null, requestId: null, idp: null, method: null, path: null,
  resourceType: 'User', resourceId: `u${n}`, operation: 'create', change: null, outcome: 'success', status: 0, normalisations: [],
});

it('prunes rows older than the retention in bounded batches; 0 keeps everything', async () => {
  const s = await openSqliteStore({ file: join(dir, 'p.db'), registry: defaultRegistry });
  try {
    const t = tenant();
    await s.createTenant(t);
    const now = Date.parse('2026-06-01T00:00:00.000Z');
    const rows = [
      ...Array.from({ length: 1100 }, (_, i) => row('2026-01-01T00:00:00.000Z', i)),
      row('2026-05-31T00:00:00.000Z', 5000),
    ];
    await s.transaction(async (tx) => tx.appendEvents(t.id, rows, []));
    const batches: number[] = [];
    const counting = { ...s, pruneAuditEvents: async (b: string, l: number) => { const n = await s.pruneAuditEvents(b, l); batches.push(n); return n; } };
    const logger = pino({ level: 'silent' });
    const keep = startAuditPruner({ store: counting as typeof s, retentionMs: 0, logger, now: () => now });
    await keep.stop();
    assert.equal((await s.listAuditEvents(t.id, { limit: 5000 })).length, 1101);
    const p = startAuditPruner({ store: counting as typeof s, retentionMs: 30 * 86_400_000, logger, now: () => now });
    assert.equal(await p.runOnce(), 1100);
    await p.stop();
    assert.ok(batches.every((n) => n <= AUDIT_PRUNE_BATCH), String(batches));
    assert.ok(batches.length >= 3);
    assert.deepEqual((await s.listAuditEvents(t.id, { limit: 5000 })).map((r) => r.id), ['r5000']);
    assert.equal(pruneIntervalMs(2000), 1000);
    assert.equal(pruneIntervalMs(90 * 86_400_000), 3_600_000);
  } finally {
    await s.close();
  }
});
