/**
 * Round trips to PostgreSQL per request kind (docs/storage.md "Round trips"): each
 * statement is one network round trip, and on a remote database those, not CPU, bound a
 * request's time. The counts are pinned so a change that adds one is seen.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEST_STORE } from '../helpers/server.ts';
import { countRoundTrips, ROUND_TRIP_HEADER } from '../helpers/round-trips.ts';
import type { RoundTripCounter } from '../helpers/round-trips.ts';
import { createGroup, createUser, patch, q, startTestServer, tenant, user } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';

const skip = TEST_STORE !== 'postgres' && 'PostgreSQL only: counts statements sent to PostgreSQL';

let srv: TestServer;
let a: Client;
let counter: RoundTripCounter;
let n = 0;

before(async () => {
  if (skip !== false) return;
  counter = countRoundTrips();
  // No webhook worker: it polls the outbox after each commit, outside the request.
  srv = await startTestServer({ config: { webhooks: false } });
  a = await tenant(srv, 'entra');
  await createUser(a, 'warm-up'); // the first request of a process reads its one-time settings
});
after(async () => {
  if (skip !== false) return;
  counter.stop();
  await srv.close();
});

/** Sends one request and returns its status and the statements it sent. */
async function counted(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; statements: string[] }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const tag = `r${++n}`;
  const r = await a.call(method, path, body, { [ROUND_TRIP_HEADER]: tag });
  return { status: r.status, body: r.body, statements: counter.statements(tag) };
}

describe('round trips to PostgreSQL per request', { skip }, () => {
  it('GET /Users?filter=userName eq "…": 2 (the key, then the page with its groups and total in one statement; was 6)', async () => {
    await createUser(a, 'filtered');
    const r = await counted('GET', `/Users?filter=${q('userName eq "filtered"')}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.totalResults, 1);
    assert.equal(r.statements.length, 2, r.statements.join('\n'));
  });

  it('GET /Users/{id}: 2 (the key, then the user with its groups in one statement; was 3)', async () => {
    const id = await createUser(a, 'fetched');
    const r = await counted('GET', `/Users/${id}`);
    assert.equal(r.status, 200);
    assert.equal(r.statements.length, 2, r.statements.join('\n'));
  });

  it('POST /Users: 6 (key; BEGIN with its bounds; hidden-user check; row with emails and platform row; events; COMMIT; was 12)', async () => {
    const r = await counted('POST', '/Users', user('posted', { emails: [{ value: 'posted@example.com', primary: true }] }));
    assert.equal(r.status, 201);
    assert.equal(r.statements.length, 6, r.statements.join('\n'));
  });

  it('PATCH /Groups/{id} adding one member to a 100-member group, 204: 10 (was 17)', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 101; i++) ids.push(await createUser(a, `m${i}`));
    const gid = await createGroup(a, 'Hundred', ids.slice(0, 100));
    const r = await counted('PATCH', `/Groups/${gid}`, patch({ op: 'add', path: 'members', value: [{ value: ids[100] }] }));
    assert.equal(r.status, 204);
    // key; the group and its platform flag read before the transaction (the PATCH is applied
    // outside it); BEGIN with its bounds; the group locked; the members' existence; the
    // member rows with the group's size (--max-group-members); the row; the events; COMMIT.
    assert.equal(r.statements.length, 10, r.statements.join('\n'));
  });
});
