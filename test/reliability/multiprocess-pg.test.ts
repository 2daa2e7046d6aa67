/**
 * Several processes, one database (docs/deployment.md; docs/reliability.md CC-1…CC-5,
 * CF-3, CF-4, CF-6, AU-7, RL-8; CC-7, CC-8 and AU-2 in `multiprocess-pg-more.test.ts`):
 * two real `roster serve --database-url` processes on one PostgreSQL database, requests
 * spread over both (`two-processes.ts`). PostgreSQL is the test run's (docs/storage.md
 * "Testing on PostgreSQL"); skipped when `STORES` leaves it out.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pg from 'pg';
import { testPostgres } from '../../src/store/test-stores.test-support.ts';
import { openSocket, readResponse } from '../helpers/raw-http.ts';
import { GROUP, PATCH_OP, USER, createTenantCli, runCli, sleep } from './process.ts';
import type { HttpResult, ServerProcess } from './process.ts';
import { BOUND, SKIP, TwoProcesses, no500 } from './two-processes.ts';

describe('two Roster processes on one PostgreSQL database', { skip: SKIP, timeout: 240_000 }, () => {
  const fx = new TwoProcesses();
  const on = fx.on.bind(fx);
  const createUsers = (prefix: string, n: number): Promise<string[]> => fx.createUsers(prefix, n);
  const membersOf = (gid: string): Promise<Set<string>> => fx.membersOf(gid);

  test('CC-1: 200 concurrent PATCHes adding distinct members over both: members = the acknowledged adds', async () => {
    const users = await createUsers('cc1-', 200);
    const g = await on(fx.a)('POST', '/Groups', { schemas: [GROUP], displayName: 'cc1' });
    assert.equal(g.status, 201);
    const gid = g.body.id as string;
    const results = await Promise.all(
      users.map((id, i) => on(i % 2 === 0 ? fx.a : fx.b)('PATCH', `/Groups/${gid}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] })),
    );
    results.forEach(no500);
    const acked = new Set(users.filter((_, i) => results[i]!.status === 200 || results[i]!.status === 204));
    assert.deepEqual(await membersOf(gid), acked);
    assert.equal(acked.size, 200, `every add acknowledged (statuses: ${JSON.stringify(results.map((r) => r.status).filter((s) => s >= 300))})`);
  });

  test('CC-2: interleaved adds and removes of the same members over both end as the last acknowledged op left each', async () => {
    const users = await createUsers('cc2-', 20);
    const g = await on(fx.b)('POST', '/Groups', { schemas: [GROUP], displayName: 'cc2' });
    const gid = g.body.id as string;
    const last = new Map<string, 'add' | 'remove'>();
    // Each member's ops run in order (one after the other, alternating processes); all members at once.
    await Promise.all(users.map(async (id, m) => {
      for (let k = 0; k < 6 + (m % 2); k++) {
        const op = k % 2 === 0 ? 'add' : 'remove';
        const body = op === 'add'
          ? { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] }
          : { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }] };
        const r = await on((k + m) % 2 === 0 ? fx.a : fx.b)('PATCH', `/Groups/${gid}`, body);
        no500(r);
        if (r.status < 300) last.set(id, op);
      }
    }));
    const expected = new Set([...last].filter(([, op]) => op === 'add').map(([id]) => id));
    assert.deepEqual(await membersOf(gid), expected);
    assert.equal(expected.size, 10, 'odd-numbered members ended on an add');
  });

  test('CC-3: 20 concurrent creates of one userName (case variants) over both: one 201, the rest 409 uniqueness', async () => {
    const names = Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? 'Race.User' : i % 3 === 1 ? 'race.user' : 'RACE.USER'));
    const results = await Promise.all(names.map((userName, i) => on(i % 2 === 0 ? fx.a : fx.b)('POST', '/Users', { schemas: [USER], userName })));
    results.forEach(no500);
    assert.deepEqual(results.map((r) => r.status).sort(), [201, ...Array<number>(19).fill(409)]);
    for (const r of results.filter((x) => x.status === 409)) assert.equal(r.body.scimType, 'uniqueness');
    const found = await on(fx.b)('GET', `/Users?filter=${encodeURIComponent('userName eq "race.user"')}`);
    assert.equal(found.body.totalResults, 1, 'never two users');
  });

  test('CC-4: two PATCHes with the same If-Match on both processes: one succeeds, the other 412', async () => {
    const [id] = await createUsers('cc4-', 1);
    const got = await on(fx.a)('GET', `/Users/${id}`);
    const etag = got.headers.get('etag') ?? '';
    assert.match(etag, /^W\/"/);
    const patchWith = (s: ServerProcess, title: string): Promise<HttpResult> =>
      fetch(`${s.url}/scim/v2/${fx.t.id}/Users/${id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${fx.t.apiKey}`, 'content-type': 'application/scim+json', 'if-match': etag },
        body: JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: title }] }),
        signal: AbortSignal.timeout(BOUND),
      }).then(async (r) => ({ status: r.status, headers: r.headers, body: JSON.parse((await r.text()) || 'null') as unknown }));
    const results = await Promise.all([patchWith(fx.a, 'from-a'), patchWith(fx.b, 'from-b')]);
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 412]);
    const winner = results.findIndex((r) => r.status === 200) === 0 ? 'from-a' : 'from-b';
    assert.equal((await on(fx.b)('GET', `/Users/${id}`)).body.title, winner);
  });

  test('CC-5: DELETEs of users racing PATCHes adding them to a group on the other process: no member left pointing at a deleted user, no 500', async () => {
    const users = await createUsers('cc5-', 30);
    const g = await on(fx.a)('POST', '/Groups', { schemas: [GROUP], displayName: 'cc5' });
    const gid = g.body.id as string;
    const results = await Promise.all(users.flatMap((id, i) => [
      on(i % 2 === 0 ? fx.a : fx.b)('DELETE', `/Users/${id}`),
      on(i % 2 === 0 ? fx.b : fx.a)('PATCH', `/Groups/${gid}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] }),
    ]));
    results.forEach(no500);
    for (let i = 0; i < users.length; i++) assert.equal(results[2 * i]!.status, 204, 'every DELETE succeeds');
    assert.deepEqual(await membersOf(gid), new Set(), 'no member points at a deleted user');
  });

  test('AU-7: a key rotated through one process fails on the other at its next request', async () => {
    const other = await createTenantCli(fx.url, 'rotation');
    assert.equal((await on(fx.b, other)('GET', '/Users')).status, 200);
    const tok = await runCli(['admin-token', 'create', '--json', '--database-url', fx.url]);
    assert.equal(tok.code, 0, tok.stderr);
    const token = (JSON.parse(tok.stdout) as { token: string }).token;
    const rotated = await fetch(`${fx.a.url}/api/v1/tenants/${other.id}/keys/rotate`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}',
    });
    assert.equal(rotated.status, 201);
    const apiKey = ((await rotated.json()) as { apiKey: string }).apiKey;
    assert.equal((await on(fx.b, other)('GET', '/Users')).status, 401, 'the old key on the other process');
    assert.equal((await on(fx.b, { id: other.id, apiKey })('GET', '/Users')).status, 200, 'the new key on the other process');
  });

  test('RL-8: a process whose pool is exhausted answers 503 + Retry-After after --pg-connect-timeout, then serves again', async () => {
    const small = await fx.start(['--pg-pool-max', '1', '--pg-connect-timeout', '500ms', '--query-timeout', '10s']);
        const g = await on(fx.a)('POST', '/Groups', { schemas: [GROUP], displayName: 'rl8' });
    const [uid] = await createUsers('rl8-', 1);
    const gid = g.body.id as string;
    // Another session holds the group's row lock, so the PATCH holds the process's only connection.
    const holder = new pg.Client({ connectionString: fx.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query("SELECT 1 FROM resources WHERE tenant_id = $1 AND type = 'Group' AND id = $2 FOR UPDATE", [fx.t.id, gid]);
      const patching = on(small)('PATCH', `/Groups/${gid}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: uid }] }] });
      let refused: HttpResult | undefined;
      for (let i = 0; i < 50 && refused === undefined; i++) {
        const r = await on(small)('GET', '/Users?count=1');
        if (r.status === 503) refused = r;
        else await sleep(50);
      }
      assert.ok(refused !== undefined, 'a request waiting for the exhausted pool is refused');
      no500(refused);
      await holder.query('ROLLBACK');
      const done = await patching;
      assert.ok(done.status === 200 || done.status === 204, `the waiting PATCH completes: ${done.status}`);
      assert.equal((await on(small)('GET', '/Users?count=1')).status, 200, 'served again');
    } finally {
      await holder.end();
      await small.kill();
    }
  });

  test('CF-3: SIGKILL of one process under load: the other keeps serving, every acknowledged write is there, no transaction left open', async () => {
    const acked = new Set<string>();
    let stop = false;
    let n = 0;
    const worker = async (w: number): Promise<void> => {
      while (!stop) {
        const s = (n + w) % 2 === 0 ? fx.a : fx.b;
        const userName = `cf3-${w}-${n++}`;
        try {
          const r = await on(s)('POST', '/Users', { schemas: [USER], userName });
          no500(r);
          if (r.status === 201) acked.add(userName);
        } catch {
          // The killed process's connections fail: not acknowledged.
        }
      }
    };
    const workers = Array.from({ length: 6 }, (_, w) => worker(w));
    await sleep(700);
    await fx.a.kill();
    const before = acked.size;
    await sleep(700);
    stop = true;
    await Promise.all(workers);
    assert.ok(acked.size > before, 'the other process kept acknowledging writes');
    const listed = new Set<string>();
    for (let i = 1; ; i += 1000) {
      const r = await on(fx.b)('GET', `/Users?filter=${encodeURIComponent('userName sw "cf3-"')}&startIndex=${i}&count=1000`);
      assert.equal(r.status, 200);
      for (const u of r.body.Resources ?? []) listed.add(u.userName as string);
      if ((r.body.Resources ?? []).length < 1000) break;
    }
    for (const u of acked) assert.ok(listed.has(u), `acknowledged ${u} is stored`);
    // The killed process's sessions end with their sockets; nothing stays idle in a transaction.
    const c = new pg.Client({ connectionString: fx.url });
    await c.connect();
    try {
      let open = -1;
      for (let i = 0; i < 100 && open !== 0; i++) {
        const r = await c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'");
        open = (r.rows[0] as { n: number }).n;
        if (open !== 0) await sleep(100);
      }
      assert.equal(open, 0, 'no transaction left open');
    } finally {
      await c.end();
    }
    fx.a = await fx.start();
  });

  test('CF-4: PostgreSQL restarted under load: 503 + Retry-After + SCIM error during the outage (no hang), then both recover', async (ctx) => {
    const pgsrv = await testPostgres();
    if (!pgsrv.embedded) {
      ctx.skip('needs the embedded PostgreSQL to stop and start it (DATABASE_URL given)');
      return;
    }
    await pgsrv.stopServer();
    let during: HttpResult[] = [];
    try {
      // Load on both while the database is down: reads and writes, 12 at once.
      during = await Promise.all(Array.from({ length: 12 }, (_, i) => i % 3 === 0
        ? on(i % 2 === 0 ? fx.a : fx.b)('GET', '/Users?count=5')
        : on(i % 2 === 0 ? fx.a : fx.b)('POST', '/Users', { schemas: [USER], userName: `cf4-${i}` })));
    } finally {
      await pgsrv.startServer();
    }
    for (const r of during) {
      assert.equal(r.status, 503, JSON.stringify(r.body));
      no500(r);
    }
    for (const s of [fx.a, fx.b]) {
      let status = 0;
      for (let i = 0; i < 150 && status !== 201; i++) {
        status = (await on(s)('POST', '/Users', { schemas: [USER], userName: `cf4-after-${s.port}-${i}` })).status;
        if (status !== 201) await sleep(200);
      }
      assert.equal(status, 201, `process on ${s.port} recovered by itself`);
    }
  });

  test('CF-6: SIGTERM drains a request in flight on one process; the other serves on', async () => {
    const body = Buffer.from(JSON.stringify({ schemas: [USER], userName: 'cf6-drained' }));
    const socket = await openSocket(fx.b.port);
    const response = readResponse(socket);
    socket.write(
      `POST /scim/v2/${fx.t.id}/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${fx.t.apiKey}\r\n` +
        `Content-Type: application/scim+json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    socket.write(body.subarray(0, body.length - 5));
    await sleep(100);
    fx.b.proc.kill('SIGTERM');
    await fx.b.waitForLog((l) => String(l.msg).startsWith('Shutting down'));
    socket.write(body.subarray(body.length - 5));
    const r = await response;
    socket.destroy();
    assert.equal(r?.status, 201);
    const exit = await fx.b.exited;
    assert.deepEqual(exit, { code: 0, signal: null });
    const found = await on(fx.a)('GET', `/Users?filter=${encodeURIComponent('userName eq "cf6-drained"')}`);
    assert.equal(found.body.totalResults, 1);
  });
});
