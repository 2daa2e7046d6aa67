/**
 * The events feed of the admin API (docs/events.md): a tenant's feed by sequence and the
 * all-tenants feed by global commit order return every committed change exactly once,
 * in order, across pages, while writes happen between pages (a property over random
 * interleavings); a cursor older than what retention kept is 410 `cursor_expired`;
 * bad input is 400, an unknown tenant 404, no token 401.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createOperatorToken } from '../../src/app/operator-tokens.ts';
import { deleteTenant } from '../../src/tenants/tenants.ts';
import { scim } from '../helpers/server.ts';
import type { ScimCall } from '../helpers/server.ts';
import { createGroup, createUser, patch, startTestServer, tenant } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';

let srv: TestServer;
let admin: ScimCall;
before(async () => {
  srv = await startTestServer();
  admin = scim(`${srv.url}/api/v1`, (await createOperatorToken(srv.store)).token);
});
after(() => srv.close());

type Envelope = { id: string; type: string; tenantId: string; sequence: number; occurredAt: string; payload: unknown };

/** Reads a feed to its end from `cursor`, writing between pages; answers the events and the last cursor. */
async function drain(path: string, limit: number, cursor: string | undefined, between: () => Promise<void>): Promise<{ events: Envelope[]; next: string }> {
  const events: Envelope[] = [];
  for (let pages = 0; pages < 500; pages++) {
    const r = await admin('GET', `${path}?limit=${limit}${cursor === undefined ? '' : `&after=${encodeURIComponent(cursor)}`}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    events.push(...(r.body.events as Envelope[]));
    cursor = r.body.next as string;
    assert.equal(typeof cursor, 'string', 'next is always there');
    if (!r.body.hasMore) return { events, next: cursor };
    // Writes between the first pages only: with more writes per page than the page holds,
    // the reader would never reach the end.
    if (pages < 3) await between();
  }
  throw new Error('the feed did not end');
}

describe('GET /api/v1/events and /api/v1/tenants/{id}/events', () => {
  it('CF-7: every committed event exactly once, in order, across pages while writes happen (property)', async () => {
    const clients: Client[] = [await tenant(srv), await tenant(srv)];
    let n = 0;
    // Cursors survive across runs: each run continues where the previous one stopped.
    let allCursor: string | undefined;
    const tenantCursor = new Map<string, string | undefined>();
    const seenAll: Envelope[] = [];
    const seenTenant = new Map<string, Envelope[]>(clients.map((c) => [c.tenantId, []]));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 7 }), fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 4 }), async (limit, writes) => {
        const write = async (): Promise<void> => {
          for (const w of writes) await createUser(clients[w]!, `p${++n}`);
        };
        const all = await drain('/events', limit, allCursor, write);
        allCursor = all.next;
        seenAll.push(...all.events);
        for (const c of clients) {
          const t = await drain(`/tenants/${c.tenantId}/events`, limit, tenantCursor.get(c.tenantId), write);
          tenantCursor.set(c.tenantId, t.next);
          seenTenant.get(c.tenantId)!.push(...t.events);
        }
      }),
      { numRuns: 15 },
    );
    // Catch up to the end, then compare with what the store committed.
    seenAll.push(...(await drain('/events', 1000, allCursor, async () => undefined)).events);
    const stored = (await srv.store.readEventFeed({ after: 0, limit: 100_000 })).events;
    assert.deepEqual(seenAll.map((e) => e.id), stored.map((e) => e.id), 'all tenants: every event once, in commit order');
    for (const c of clients) {
      const mine = seenTenant.get(c.tenantId)!;
      mine.push(...(await drain(`/tenants/${c.tenantId}/events`, 1000, tenantCursor.get(c.tenantId), async () => undefined)).events);
      const seqs = mine.map((e) => e.sequence);
      assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), 'a tenant: sequence 1, 2, 3 … without gap or repeat');
      assert.deepEqual(mine.map((e) => e.id), stored.filter((e) => e.tenantId === c.tenantId).map((e) => e.id));
    }
  });

  it('answers the envelope, filters by type, and pages only the kinds asked for', async () => {
    const c = await tenant(srv);
    const u = await createUser(c, 'env.user');
    await c.call('PATCH', `/Users/${u}`, patch({ op: 'replace', path: 'active', value: false }));
    const g = await createGroup(c, 'env.group', [u]);
    const r = await admin('GET', `/tenants/${c.tenantId}/events`);
    assert.equal(r.status, 200);
    const types = (r.body.events as Envelope[]).map((e) => e.type);
    assert.deepEqual(types.slice(-4), ['user.created', 'user.deactivated', 'role.created', 'role.member_added']);
    const created = (r.body.events as Envelope[]).find((e) => e.type === 'user.created')!;
    assert.deepEqual(Object.keys(created).sort(), ['id', 'occurredAt', 'payload', 'sequence', 'tenantId', 'type']);
    assert.equal(created.tenantId, c.tenantId);
    assert.deepEqual(created.payload, { id: u, userName: 'env.user', profile: { username: 'env.user', status: 'active' }, roles: [] });
    const only = await admin('GET', `/tenants/${c.tenantId}/events?types=user.deactivated,role.member_added&limit=1`);
    assert.deepEqual([only.body.events.map((e: Envelope) => e.type), only.body.hasMore], [['user.deactivated'], true]);
    const rest = await admin('GET', `/tenants/${c.tenantId}/events?types=user.deactivated,role.member_added&after=${encodeURIComponent(only.body.next)}`);
    assert.deepEqual([rest.body.events.map((e: Envelope) => [e.type, (e.payload as { id: string }).id]), rest.body.hasMore], [[['role.member_added', g]], false]);
    // At the end, `next` is where to poll from: a later write is the next page.
    const tail = await admin('GET', `/tenants/${c.tenantId}/events?types=user.created&after=${encodeURIComponent(rest.body.next)}`);
    assert.deepEqual(tail.body.events, []);
    await createUser(c, 'env.later');
    const later = await admin('GET', `/tenants/${c.tenantId}/events?after=${encodeURIComponent(tail.body.next)}`);
    assert.deepEqual(later.body.events.map((e: Envelope) => e.type), ['user.created']);
  });

  it('CF-7: a cursor older than what retention kept is 410 cursor_expired, not a silent gap', async () => {
    const c = await tenant(srv);
    await createUser(c, 'old.one');
    const start = await admin('GET', `/tenants/${c.tenantId}/events?limit=1`);
    const allStart = await admin('GET', '/events?limit=1');
    await createUser(c, 'old.two');
    await createUser(c, 'old.three');
    // Retention removes every event so far (as the pruner does once they are old enough).
    while ((await srv.store.pruneOutboxEvents('9999-01-01T00:00:00.000Z', 1000)) > 0);
    for (const [path, cursor] of [[`/tenants/${c.tenantId}/events`, start.body.next], ['/events', allStart.body.next]] as const) {
      const r = await admin('GET', `${path}?after=${encodeURIComponent(cursor)}`);
      assert.equal(r.status, 410, JSON.stringify(r.body));
      assert.equal(r.body.error.code, 'cursor_expired');
    }
    // Without a cursor, the feed starts at the oldest event kept (none now), and goes on from there.
    const fresh = await admin('GET', `/tenants/${c.tenantId}/events`);
    assert.deepEqual([fresh.status, fresh.body.events], [200, []]);
    await createUser(c, 'new.one');
    // Sequence 1 is the tenant's scim_setup.created, 2–4 the pruned users.
    const next = await admin('GET', `/tenants/${c.tenantId}/events?after=${encodeURIComponent(fresh.body.next)}`);
    assert.deepEqual(next.body.events.map((e: Envelope) => [e.type, e.sequence]), [['user.created', 5]]);
  });

  it('refuses bad input with 400, an unknown tenant with 404, a missing token with 401', async () => {
    const c = await tenant(srv);
    const other = await tenant(srv);
    const own = (await admin('GET', `/tenants/${c.tenantId}/events`)).body.next as string;
    const bad = [
      `/tenants/${c.tenantId}/events?limit=0`,
      `/tenants/${c.tenantId}/events?limit=1001`,
      `/tenants/${c.tenantId}/events?limit=x`,
      `/tenants/${c.tenantId}/events?after=garbage`,
      `/tenants/${other.tenantId}/events?after=${encodeURIComponent(own)}`, // another tenant's cursor
      `/events?after=${encodeURIComponent(own)}`, // a tenant cursor on the all-tenants feed
      `/events?after=ev1.${Buffer.from(JSON.stringify(['*', 1e12])).toString('base64url')}`, // past the end
      `/events?types=${encodeURIComponent('user.created;drop')}`,
      `/events?types=${Array.from({ length: 65 }, (_, i) => `a.t${String.fromCharCode(97 + (i % 26))}${'x'.repeat(Math.floor(i / 26))}`).join(',')}`,
      '/events?cursor=x',
      '/events?limit=1&limit=2',
    ];
    for (const path of bad) {
      const r = await admin('GET', path);
      assert.equal(r.status, 400, `${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, 'invalid_request');
    }
    assert.equal((await admin('GET', '/tenants/no-such-tenant/events')).body.error.code, 'not_found');
    // A deleted tenant's events outlive it, its scim_setup.deleted last.
    await deleteTenant(srv.store, other.tenantId);
    const gone = await admin('GET', `/tenants/${other.tenantId}/events`);
    assert.deepEqual(gone.body.events.map((e: Envelope) => e.type), ['scim_setup.created', 'scim_setup.deleted']);
    assert.equal((await admin('POST', '/events', {})).status, 405);
    assert.equal((await scim(`${srv.url}/api/v1`)('GET', '/events')).status, 401);
  });
});
