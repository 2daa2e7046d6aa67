/**
 * Audit retention (docs/audit.md "Retention"): a running server with a tiny
 * `--audit-retention` deletes the old rows on its own, keeps the recent ones, and
 * the cursor of the admin API stays valid (seq numbers are not reused).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import type { AuditEventInput } from '../../src/store/store.ts';
import { startTestServer } from '../helpers/server.ts';
import type { TestServer } from '../helpers/server.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ config: { auditRetentionMs: 2000 } });
});
after(() => srv.close());

const row = (occurredAt: string, resourceId: string): AuditEventInput => ({
  id: randomUUID(), occurredAt, actorKind: 'cli', actorId: null, actorLabel: null, requestId: null, idp: null, method: null, path: null,
  resourceType: 'User', resourceId, operation: 'create', change: null, outcome: 'success', status: 0, normalisations: [],
});

it('rows older than --audit-retention are pruned while the server runs; newer rows and seq numbers stay', async () => {
  const t = await srv.createTenant();
  const old = Array.from({ length: 1200 }, (_, i) => row('2020-01-01T00:00:00.000Z', `old${i}`));
  const fresh = [row('2099-01-01T00:00:00.000Z', 'future')];
  await srv.store.transaction(async (tx) => tx.appendEvents(t.tenant.id, [...old, ...fresh], []));
  let left = await srv.store.listAuditEvents(t.tenant.id, { limit: 5000 });
  for (let i = 0; i < 100 && left.length > 1; i++) {
    await sleep(100);
    left = await srv.store.listAuditEvents(t.tenant.id, { limit: 5000 });
  }
  assert.deepEqual(left.map((r) => [r.resourceId, r.seq]), [['future', 1202]], 'the tenant\'s creation row (now older than 2s) and the 2020 rows are gone');
  await srv.store.transaction(async (tx) => tx.appendEvents(t.tenant.id, [row('2099-01-02T00:00:00.000Z', 'next')], []));
  assert.deepEqual((await srv.store.listAuditEvents(t.tenant.id, { limit: 10, afterSeq: 1202 })).map((r) => r.seq), [1203]);
});
