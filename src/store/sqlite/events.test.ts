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
