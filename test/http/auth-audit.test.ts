/**
 * Authentication failures audited (docs/audit.md "Authentication failures"): a 401
 * on a tenant's URL writes a `refused` row on that tenant with an `anonymous` actor
 * and no secret, the answer stays the one 401 (docs/reliability.md AU-1), an
 * unknown tenant gets nothing, and the rows are bounded per tenant per second with
 * the rest counted.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import { parseApiKey } from '../../src/tenants/api-keys.ts';
import type { AuditEvent } from '../../src/store/store.ts';
import { startTestServer } from '../helpers/server.ts';
import type { TestServer } from '../helpers/server.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

const refusals = async (tenantId: string): Promise<AuditEvent[]> =>
  (await srv.store.listAuditEvents(tenantId, { limit: 1000, operation: 'authenticate' }));

/** The row is written after the answer: wait until `done` holds (bounded). */
async function until(tenantId: string, done: (rows: AuditEvent[]) => boolean): Promise<AuditEvent[]> {
  for (let i = 0; i < 100; i++) {
    const rows = await refusals(tenantId);
    if (done(rows)) return rows;
    await sleep(50);
  }
  return refusals(tenantId);
}

it('a 401 on a tenant URL writes a refused row without any secret; the answer is the same 401 as for an unknown tenant', async () => {
  const a = await srv.createTenant();
  const b = await srv.createTenant();
  const other = parseApiKey(b.apiKey)!;
  const onA = await fetch(`${a.baseUrl}/Users?filter=${encodeURIComponent('userName eq "x"')}`, { headers: { authorization: `Bearer ${b.apiKey}` } });
  const onNobody = await fetch(`${srv.url}/scim/v2/no-such-tenant/Users`, { headers: { authorization: `Bearer ${b.apiKey}` } });
  assert.equal(onA.status, 401);
  assert.equal(onNobody.status, 401);
  assert.equal(await onA.text(), await onNobody.text());
  assert.equal(onA.headers.get('www-authenticate'), onNobody.headers.get('www-authenticate'));
  const bare = await fetch(`${a.baseUrl}/Users?access_token=${encodeURIComponent(a.apiKey)}`);
  assert.equal(bare.status, 401);

  const rows = await until(a.tenant.id, (r) => r.length >= 2);
  assert.equal(rows.length, 2);
  const [wrongKey, noKey] = rows;
  assert.deepEqual(
    { kind: wrongKey!.actorKind, id: wrongKey!.actorId, outcome: wrongKey!.outcome, status: wrongKey!.status, type: wrongKey!.resourceType, rid: wrongKey!.resourceId, change: wrongKey!.change },
    { kind: 'anonymous', id: other.id, outcome: 'refused', status: 401, type: 'ScimSetup', rid: a.tenant.id, change: null },
  );
  assert.equal(wrongKey!.path, `/scim/v2/${a.tenant.id}/Users`);
  assert.equal(noKey!.actorId, null);
  const text = JSON.stringify(rows);
  for (const key of [a.apiKey, b.apiKey]) {
    const secret = parseApiKey(key)!.secret;
    assert.ok(!text.includes(secret.slice(0, 8)), 'no part of a secret is recorded');
  }
  assert.ok(!text.includes('access_token'));
  assert.equal((await srv.store.listAuditEvents('no-such-tenant', { limit: 10 })).length, 0);
  assert.equal((await refusals(b.tenant.id)).length, 0, 'the key\'s own tenant is not the one refused');
});

it('401 rows are bounded per tenant per second; the others are counted on the next row', async () => {
  const a = await srv.createTenant();
  const n = 40;
  const answers = await Promise.all(Array.from({ length: n }, () => fetch(`${a.baseUrl}/Users`, { headers: { authorization: 'Bearer nope' } })));
  assert.ok(answers.every((r) => r.status === 401));
  await until(a.tenant.id, (r) => r.length >= 5);
  await sleep(1100);
  assert.equal((await fetch(`${a.baseUrl}/Users`)).status, 401);
  const total = (rows: AuditEvent[]): number => rows.reduce((s, r) => s + 1 + ((r.change as { suppressed?: number } | null)?.suppressed ?? 0), 0);
  const rows = await until(a.tenant.id, (r) => total(r) >= n + 1);
  assert.equal(total(rows), n + 1, 'every 401 is a row or counted');
  assert.ok(rows.length <= n / 2, `${rows.length} rows for ${n + 1} refusals`);
  // The count rides on the tenant's next written row: the one after the pause, or one in the
  // next second when the burst itself crossed a second boundary (a loaded machine).
  assert.ok(rows.some((r) => ((r.change as { suppressed?: number } | null)?.suppressed ?? 0) > 0), 'the suppressed 401s are counted on a row');
});
