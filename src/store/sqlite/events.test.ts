/**
 * Audit and outbox rows in the SQLite store (docs/audit.md): numbered per tenant
 * without gaps, rolled back with their transaction, read a page at a time by seq,
 * kept after the tenant is deleted.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { defaultRegistry } from '../../scim/schema/registry.ts';
import { tenant } from '../store-contract.test-support.ts';
import type { AuditEventInput, OutboxEventInput } from '../store.ts';
import { openSqliteStore } from './sqlite-store.ts';
import Database from 'better-sqlite3';

const dir = mkdtempSync(join(tmpdir(), 'roster-events-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const auditRow = (n: number): AuditEventInput => ({
  id: `a${n}`, occurredAt: '2026-01-01T00:00:00.000Z', actorKind: 'cli', actorId: null, actorLabel: null, requestId: null, idp: null,
  method: null, path: null, resourceType: 'User', resourceId: `u${n}`, operation: 'create', change: { attributes: [] }, outcome: 'success',
  status: 201, normalisations: [],
});
const event = (n: number): OutboxEventInput => ({ id: `e${n}`, type: 'user.created', occurredAt: '2026-01-01T00:00:00.000Z', payload: { id: `u${n}` } });

it('sequences are per tenant, gap-free across a rolled-back transaction, paged by seq, and outlive the tenant', async () => {
  const s = await openSqliteStore({ file: join(dir, 'e.db'), registry: defaultRegistry });
  try {
    const a = tenant();
    const b = tenant();
    await s.createTenant(a);
    await s.createTenant(b);
    await s.transaction(async (tx) => tx.appendEvents(a.id, [auditRow(1)], [event(1), event(2)]));
    await assert.rejects(
      s.transaction(async (tx) => {
        await tx.appendEvents(a.id, [auditRow(2)], [event(3)]);
        throw new Error('rolled back');
      }),
    );
    await s.transaction(async (tx) => tx.appendEvents(b.id, [auditRow(3)], [event(4)]));
    await s.transaction(async (tx) => tx.appendEvents(a.id, [auditRow(4)], [event(5)]));
    assert.deepEqual((await s.listAuditEvents(a.id, { limit: 10 })).map((r) => [r.seq, r.id]), [[1, 'a1'], [2, 'a4']]);
    assert.deepEqual((await s.listOutboxEvents(a.id, { limit: 10 })).map((r) => [r.seq, r.id]), [[1, 'e1'], [2, 'e2'], [3, 'e5']]);
    assert.deepEqual((await s.listOutboxEvents(a.id, { afterSeq: 1, limit: 1 })).map((r) => r.id), ['e2']);
    assert.deepEqual((await s.listOutboxEvents(b.id, { limit: 10 })).map((r) => [r.seq, r.id]), [[1, 'e4']]);
    assert.deepEqual((await s.listOutboxEvents(a.id, { limit: 10 }))[0]?.payload, { id: 'u1' });
    assert.equal(await s.deleteTenant(a.id), true);
    assert.equal((await s.listAuditEvents(a.id, { limit: 10 })).length, 2);
  } finally {
    await s.close();
  }
});

it('audit filters combine with AND, page by seq, and the query walks the (tenant_id, seq) key', async () => {
  const file = join(dir, 'f.db');
  const s = await openSqliteStore({ file, registry: defaultRegistry });
  try {
    const a = tenant();
    await s.createTenant(a);
    const rows = Array.from({ length: 12 }, (_, i) => ({
      ...auditRow(100 + i),
      occurredAt: `2026-01-01T00:00:${String(i).padStart(2, '0')}.000Z`,
      operation: i % 2 === 0 ? 'create' : 'patch',
      outcome: i % 3 === 0 ? 'refused' as const : 'success' as const,
      actorId: i < 6 ? 'k1' : 'k2',
    }));
    await s.transaction(async (tx) => tx.appendEvents(a.id, rows, []));
    const ids = async (p: object): Promise<string[]> => (await s.listAuditEvents(a.id, { limit: 100, ...p })).map((r) => r.id);
    assert.deepEqual(await ids({ operation: 'create', outcome: 'refused' }), ['a100', 'a106']);
    assert.deepEqual(await ids({ actor: 'k2', since: '2026-01-01T00:00:08.000Z', until: '2026-01-01T00:00:10.000Z' }), ['a108', 'a109']);
    assert.deepEqual(await ids({ resourceId: 'u103', resourceType: 'User' }), ['a103']);
    assert.deepEqual(await ids({ resourceType: 'Group' }), []);
    assert.deepEqual(await ids({ operation: 'patch', afterSeq: 8, limit: 2 }), ['a109', 'a111']);
  } finally {
    await s.close();
  }
  const db = new Database(file, { readonly: true });
  try {
    const plan = (db.prepare(`EXPLAIN QUERY PLAN SELECT * FROM audit_events WHERE tenant_id = ? AND seq > ? AND operation = ?
      AND occurred_at >= ? ORDER BY seq LIMIT ?`).all('t', 0, 'x', 'y', 1) as { detail: string }[]).map((r) => r.detail).join('\n');
    assert.match(plan, /SEARCH audit_events USING (?:PRIMARY KEY|INDEX sqlite_autoindex_audit_events_1) \(tenant_id=\? AND seq>\?\)/);
    assert.doesNotMatch(plan, /TEMP B-TREE/);
  } finally {
    db.close();
  }
});
