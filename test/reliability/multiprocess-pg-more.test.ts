/**
 * Two processes, one PostgreSQL database, continued (docs/deployment.md; docs/reliability.md
 * CC-7, CC-8, AU-2): deadlocks and serialization failures retried then 503, replays of
 * acknowledged writes on the other process, and the cross-tenant matrix on both processes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TX_ATTEMPTS } from '../../src/store/postgres/pg-store.ts';
import { testPostgres } from '../../src/store/test-stores.test-support.ts';
import { openSocket } from '../helpers/raw-http.ts';
import { ERROR, GROUP, PATCH_OP, USER, createTenantCli, sleep } from './process.ts';
import type { CliTenant, ServerProcess } from './process.ts';
import { BOUND, SKIP, TwoProcesses, no500, withPg } from './two-processes.ts';

const addMember = (id: string) => ({ schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] });
const removeMember = (id: string) => ({ schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }] });
const eq = (attr: string, v: string): string => `filter=${encodeURIComponent(`${attr} eq "${v}"`)}`;

describe('two Roster processes on one PostgreSQL database: CC-7, CC-8, AU-2', { skip: SKIP, timeout: 180_000 }, () => {
  const fx = new TwoProcesses();
  const on = fx.on.bind(fx);

  /** Polls `probe` until it holds (at most `BOUND`). */
  const until = async (what: string, probe: () => Promise<boolean>): Promise<void> => {
    for (const end = Date.now() + BOUND; !(await probe()); await sleep(50)) assert.ok(Date.now() < end, `${what} within ${BOUND} ms`);
  };

  /**
   * Sends a request over a raw socket and resets the connection at the first byte of the
   * answer, unread: the write committed (the answer is sent after the commit) but the
   * client never learnt its outcome. (A connection closed before the server read the body
   * is a request the server may refuse unwritten: not acknowledged, nothing to replay.)
   */
  const sendAndDrop = async (s: ServerProcess, method: string, path: string, body?: unknown): Promise<void> => {
    const payload = body === undefined ? '' : JSON.stringify(body);
    const socket = await openSocket(s.port);
    socket.on('error', () => undefined);
    const answered = new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.write(
      `${method} /scim/v2/${fx.t.id}${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${fx.t.apiKey}\r\n` +
        `Content-Type: application/scim+json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
    );
    await answered;
    socket.resetAndDestroy();
  };

  /** `pg_stat_database.deadlocks` of the test database (backends report it when they next flush their statistics). */
  const deadlocks = (): Promise<number> => withPg(fx.url, async (c) => {
    await c.query('SELECT pg_stat_clear_snapshot()');
    const r = await c.query('SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()');
    return Number((r.rows[0] as { deadlocks: string }).deadlocks);
  });

  const group = async (s: ServerProcess, displayName: string, members: string[] = []): Promise<string> => {
    const r = await on(s)('POST', '/Groups', { schemas: [GROUP], displayName, members: members.map((value) => ({ value })) });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id as string;
  };

  test('CC-7: DELETEs of groups nested in each other, on both processes at once, deadlock for real: retried, every DELETE 204, no 500', async () => {
    // Deleting G1 cascades to its member rows (G1, G2), (G1, z), then to (G2, G1); deleting
    // G2 to (G2, G1), (G2, w), then (G1, G2): the same rows in opposite orders. A raw session
    // holds (G1, z) and (G2, w), so each DELETE stops holding its first row; once it lets go,
    // PostgreSQL cancels one DELETE of each pair (40P01) and the store runs it again
    // (docs/storage.md "PostgreSQL"). z sorts after G2 and w after G1, and each is inserted
    // after it, so the cascade reaches them second by index and by heap order alike.
    const users = await fx.createUsers('cc7d-', 12);
    const after = async (id: string): Promise<string> => {
      for (let i = 0; ; i++) {
        const found = users.find((u) => u > id);
        if (found !== undefined) return found;
        assert.ok(i < 20, 'a user id sorting after the group id');
        users.push(...(await fx.createUsers(`cc7d-more-${id}-${i}-`, 4)));
      }
    };
    const pairs: Array<{ g1: string; g2: string; z: string; w: string }> = [];
    for (let i = 0; i < 4; i++) {
      const g2 = await group(fx.b, `cc7d-${i}-2`);
      const z = await after(g2);
      const g1 = await group(fx.a, `cc7d-${i}-1`, [g2, z]);
      const w = await after(g1);
      const added = await on(fx.b)('PATCH', `/Groups/${g2}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: g1 }, { value: w }] }] });
      assert.ok([200, 204].includes(added.status), JSON.stringify(added.body));
      pairs.push({ g1, g2, z, w });
    }
    const before = await deadlocks();
    const results = await withPg(fx.url, async (c) => {
      await c.query('BEGIN');
      const held = await c.query('SELECT 1 FROM members WHERE tenant_id = $1 AND (group_id, member_id) IN (SELECT * FROM unnest($2::text[], $3::text[])) FOR KEY SHARE',
        [fx.t.id, pairs.flatMap((p) => [p.g1, p.g2]), pairs.flatMap((p) => [p.z, p.w])]);
      assert.equal(held.rowCount, 2 * pairs.length);
      const deleting = Promise.all(pairs.flatMap((p) => [on(fx.a)('DELETE', `/Groups/${p.g1}`), on(fx.b)('DELETE', `/Groups/${p.g2}`)]));
      await until('every DELETE waits on the held rows', async () => Number((await c.query(
        'SELECT count(*) AS n FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))',
      )).rows[0].n) === 2 * pairs.length);
      await c.query('COMMIT');
      return deleting;
    });
    results.forEach(no500);
    assert.deepEqual(results.map((r) => r.status), results.map(() => 204), 'the cancelled DELETE ran again and succeeded');
    for (const p of pairs) for (const id of [p.g1, p.g2]) for (const s of [fx.a, fx.b]) assert.equal((await on(s)('GET', `/Groups/${id}`)).status, 404);
    for (const id of users) assert.deepEqual((await on(fx.b)('GET', `/Users/${id}`)).body.groups ?? [], [], 'no membership left behind');
    // A backend reports its deadlocks when it flushes its statistics: at the end of a
    // transaction a second or more after its last flush (else after ~10 s idle). Reads
    // on the pooled connections of both processes make that happen.
    for (const end = Date.now() + BOUND; (await deadlocks()) - before < pairs.length && Date.now() < end;) {
      await sleep(1000);
      await Promise.all(Array.from({ length: 32 }, (_, i) => on(i % 2 === 0 ? fx.a : fx.b)('GET', '/Groups?count=1')));
    }
    assert.equal((await deadlocks()) - before, pairs.length, 'one deadlock per pair, each resolved by a retry');
  });

  test('CC-7: PATCHes, PUTs and Bulk requests over overlapping groups, members in opposite orders, on both processes: no deadlock, no 5xx, counts agree', async () => {
    // Each write locks its one group's row first and the event counters last; member rows'
    // foreign-key checks take only KEY SHARE on users. So this traffic queues but never
    // deadlocks: the counter stays put (unlike the nested DELETEs above).
    const users = await fx.createUsers('cc7o-', 24);
    const gids = [await group(fx.a, 'cc7o-0'), await group(fx.b, 'cc7o-1'), await group(fx.a, 'cc7o-2')];
    const before = await deadlocks();
    const ordered = (k: number, ids: string[]): Array<{ value: string }> => (k % 2 === 0 ? ids : [...ids].reverse()).map((value) => ({ value }));
    const requests = Array.from({ length: 48 }, (_, k) => {
      const s = k % 2 === 0 ? fx.a : fx.b;
      const [g, h] = [gids[k % 3]!, gids[(k + 1) % 3]!];
      const some = users.filter((_, i) => (i + k) % 3 !== 0).slice(0, 10);
      if (k % 4 === 0) return on(s)('PUT', `/Groups/${g}`, { schemas: [GROUP], displayName: `cc7o-${k % 3}`, members: ordered(k, some) });
      if (k % 4 === 1) {
        return on(s)('POST', '/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: (k % 8 === 1 ? [g, h] : [h, g]).map((id) => (
          { method: 'PATCH', path: `/Groups/${id}`, data: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: ordered(k, some.slice(2)) }] } })) });
      }
      return on(s)('PATCH', `/Groups/${g}`, { schemas: [PATCH_OP], Operations: [
        { op: 'add', path: 'members', value: ordered(k, some) }, { op: 'remove', path: `members[value eq "${users[k % users.length]}"]` }] });
    });
    const results = await Promise.all(requests);
    for (const r of results) {
      no500(r);
      assert.ok(r.status < 300, `${r.status} ${JSON.stringify(r.body)}`);
      for (const op of r.body?.Operations ?? []) assert.match(String(op.status), /^2\d\d$/, JSON.stringify(op));
    }
    // Every group's member-count row agrees with its member rows (nothing half-written).
    const counts = await withPg(fx.url, async (c) => (await c.query(
      `SELECT g, (SELECT count(*) FROM members m WHERE m.tenant_id = $1 AND m.group_id = g) AS rows,
         (SELECT n FROM member_counts mc WHERE mc.tenant_id = $1 AND mc.group_id = g) AS n FROM unnest($2::text[]) AS g`, [fx.t.id, gids])).rows);
    for (const r of counts) assert.equal(Number(r.n ?? 0), Number(r.rows), JSON.stringify(r));
    for (const [i, g] of gids.entries()) assert.equal((await fx.membersOf(g)).size, Number(counts[i].rows));
    await sleep(1000);
    await Promise.all(Array.from({ length: 32 }, (_, i) => on(i % 2 === 0 ? fx.a : fx.b)('GET', '/Groups?count=1')));
    assert.equal(await deadlocks(), before, 'no deadlock');
  });

  test('CC-7: a serialization failure or deadlock on every attempt: exactly TX_ATTEMPTS runs, then 503 + Retry-After, nothing written; fewer failures: success', async () => {
    const [uid, other] = await fx.createUsers('cc7f-', 2);
    const gid = await group(fx.a, 'cc7f');
    // A trigger makes PostgreSQL itself raise the SQLSTATE on the group's member insert, for
    // the first `failures` attempts; the sequence counts attempts across rollbacks.
    await withPg(fx.url, (c) => c.query(`
      CREATE SEQUENCE cc7_attempts;
      CREATE TABLE cc7_fail (group_id text, code text, failures int);
      CREATE FUNCTION cc7_fail() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE f record;
      BEGIN
        SELECT * INTO f FROM cc7_fail WHERE group_id = NEW.group_id;
        IF FOUND AND nextval('cc7_attempts') <= f.failures THEN RAISE EXCEPTION 'forced by the test' USING ERRCODE = f.code; END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER cc7_fail AFTER INSERT ON members FOR EACH ROW EXECUTE FUNCTION cc7_fail();`));
    const arm = (code: string, failures: number): Promise<unknown> => withPg(fx.url, async (c) => {
      await c.query('DELETE FROM cc7_fail');
      await c.query('INSERT INTO cc7_fail VALUES ($1, $2, $3)', [gid, code, failures]);
      return c.query("SELECT setval('cc7_attempts', 1, false)");
    });
    const attempts = (): Promise<number> => withPg(fx.url, async (c) => {
      const r = (await c.query('SELECT last_value, is_called FROM cc7_attempts')).rows[0] as { last_value: string; is_called: boolean };
      return r.is_called ? Number(r.last_value) : 0;
    });
    const audited = (): Promise<number> => withPg(fx.url, async (c) =>
      Number((await c.query('SELECT count(*) AS n FROM audit_events WHERE tenant_id = $1 AND resource_id = $2', [fx.t.id, gid])).rows[0].n));
    try {
      for (const [code, s] of [['40001', fx.a], ['40P01', fx.b]] as const) {
        const target = code === '40001' ? uid! : other!;
        const before = await on(s)('GET', `/Groups/${gid}`);
        const auditBefore = await audited();
        await arm(code, 1_000_000);
        const refused = await on(s)('PATCH', `/Groups/${gid}`, addMember(target));
        assert.equal(refused.status, 503, `${code}: ${JSON.stringify(refused.body)}`);
        no500(refused);
        assert.equal(await attempts(), TX_ATTEMPTS, `${code}: bounded retries`);
        const after = await on(s)('GET', `/Groups/${gid}`);
        assert.deepEqual([after.headers.get('etag'), after.body], [before.headers.get('etag'), before.body], `${code}: nothing written`);
        assert.equal(await audited(), auditBefore, `${code}: no audit row`);
        await arm(code, TX_ATTEMPTS - 1);
        const ok = await on(s)('PATCH', `/Groups/${gid}`, addMember(target));
        assert.ok([200, 204].includes(ok.status), `${code}: ${ok.status} ${JSON.stringify(ok.body)}`);
        assert.equal(await attempts(), TX_ATTEMPTS, `${code}: succeeded on the last attempt`);
        assert.equal(await audited(), auditBefore + 1, `${code}: audited once`);
      }
      assert.deepEqual(await fx.membersOf(gid), new Set([uid, other]));
    } finally {
      await withPg(fx.url, (c) => c.query('DROP TRIGGER cc7_fail ON members; DROP FUNCTION cc7_fail(); DROP TABLE cc7_fail; DROP SEQUENCE cc7_attempts'));
    }
  });

  test('CC-7: on a database whose default isolation is SERIALIZABLE, 60 concurrent member adds over both processes are all acknowledged', async () => {
    // A DBA's `default_transaction_isolation` must not change what the store relies on: its
    // writes queue on row locks under READ COMMITTED (docs/storage.md "PostgreSQL"); under
    // SERIALIZABLE each lost race would be a 40001 and, past the retries, a 503.
    const url = await (await testPostgres()).freshDatabaseUrl();
    await withPg(url, (c) => c.query('ALTER DATABASE ' + c.escapeIdentifier(new URL(url).pathname.slice(1)) + " SET default_transaction_isolation = 'serializable'"));
    const t = await createTenantCli(url, 'serializable');
    const [p, q] = await Promise.all([fx.start(undefined, url), fx.start(undefined, url)]);
    const ids = await fx.createUsers('ser-', 60, t, [p, q]);
    const g = await on(p, t)('POST', '/Groups', { schemas: [GROUP], displayName: 'ser' });
    const results = await Promise.all(ids.map((id, i) => on(i % 2 === 0 ? p : q, t)('PATCH', `/Groups/${g.body.id}`, addMember(id))));
    results.forEach(no500);
    assert.deepEqual(results.filter((r) => r.status >= 300).map((r) => `${r.status} ${r.body.detail}`), []);
    assert.equal((await on(q, t)('GET', `/Groups/${g.body.id}`)).body.members.length, 60);
  });

  test('CC-8: writes acknowledged by one process and replayed on the other after the response was dropped', async () => {
    // POST: committed though nobody read the answer; the replay is 409, the user findable on both.
    await sendAndDrop(fx.a, 'POST', '/Users', { schemas: [USER], userName: 'cc8.replayed', externalId: 'cc8-ext' });
    await until('the dropped POST committed', async () => (await on(fx.b)('GET', `/Users?${eq('userName', 'cc8.replayed')}`)).body.totalResults === 1);
    const again = await on(fx.b)('POST', '/Users', { schemas: [USER], userName: 'cc8.replayed', externalId: 'cc8-ext' });
    assert.equal(again.status, 409);
    assert.equal(again.body.scimType, 'uniqueness');
    const ids = new Set<string>();
    for (const s of [fx.a, fx.b]) {
      for (const q of [eq('userName', 'cc8.replayed'), eq('externalId', 'cc8-ext')]) {
        const r = await on(s)('GET', `/Users?${q}`);
        assert.equal(r.body.totalResults, 1, q);
        ids.add(r.body.Resources[0].id as string);
      }
    }
    assert.equal(ids.size, 1);
    const [uid] = [...ids];
    const gid = await group(fx.a, 'cc8');
    /** The group as stored (read through one process: `meta.location` names the process's own URL). */
    const state = async (): Promise<unknown> => {
      const r = await on(fx.a)('GET', `/Groups/${gid}`);
      return { etag: r.headers.get('etag'), meta: r.body.meta, members: r.body.members ?? [] };
    };
    // PATCH add then remove, each dropped on one process, replayed on the other (twice): a no-op.
    for (const [body, first, has] of [[addMember(uid!), fx.b, true], [removeMember(uid!), fx.a, false]] as const) {
      await sendAndDrop(first, 'PATCH', `/Groups/${gid}`, body);
      await until('the dropped PATCH committed', async () => (await fx.membersOf(gid)).has(uid!) === has);
      const committed = await state();
      for (const s of [first === fx.a ? fx.b : fx.a, first]) {
        const r = await on(s)('PATCH', `/Groups/${gid}`, body);
        assert.ok([200, 204].includes(r.status), `replayed ${body.Operations[0]!.op}: ${r.status} ${JSON.stringify(r.body)}`);
        assert.deepEqual(await state(), committed, 'ETag, lastModified and members unchanged');
      }
    }
    // The same add sent ten times at once over both: never 409, the version moves once.
    const v = (await on(fx.a)('GET', `/Groups/${gid}`)).body.meta.version as string;
    const adds = await Promise.all(Array.from({ length: 10 }, (_, i) => on(i % 2 === 0 ? fx.a : fx.b)('PATCH', `/Groups/${gid}`, addMember(uid!))));
    for (const r of adds) assert.ok([200, 204].includes(r.status), `${r.status} ${JSON.stringify(r.body)}`);
    assert.equal((await on(fx.b)('GET', `/Groups/${gid}`)).body.meta.version, `W/"${Number(/\d+/.exec(v)![0]) + 1}"`);
    // DELETE dropped on one process; the replay on either is 404.
    await sendAndDrop(fx.b, 'DELETE', `/Users/${uid}`);
    await until('the dropped DELETE committed', async () => (await on(fx.a)('GET', `/Users/${uid}`)).status === 404);
    for (const s of [fx.a, fx.b]) assert.equal((await on(s)('DELETE', `/Users/${uid}`)).status, 404);
    assert.deepEqual(await fx.membersOf(gid), new Set());
  });

  test('AU-2: with tenant A\'s key on either process, tenant B\'s ids are 404 everywhere, refused as members, B unchanged byte for byte', async () => {
    const [ta, tb] = await Promise.all([createTenantCli(fx.url, 'au2 A'), createTenantCli(fx.url, 'au2 B')]);
    const seed = async (t: CliTenant): Promise<{ uid: string; gid: string }> => {
      const u = await on(fx.a, t)('POST', '/Users', { schemas: [USER], userName: 'same.name', externalId: 'same-ext', displayName: 'Same' });
      assert.equal(u.status, 201);
      const g = await on(fx.b, t)('POST', '/Groups', { schemas: [GROUP], displayName: 'Same', members: [{ value: u.body.id }] });
      assert.equal(g.status, 201);
      return { uid: u.body.id as string, gid: g.body.id as string };
    };
    const A = await seed(ta);
    const B = await seed(tb);
    /** B's resources as B sees them, as bytes. */
    const snapshot = async (): Promise<string[]> => Promise.all([`/Users/${B.uid}`, `/Groups/${B.gid}`, '/Users', '/Groups'].map(async (p) => {
      const r = await fetch(`${fx.a.url}/scim/v2/${tb.id}${p}`, { headers: { authorization: `Bearer ${tb.apiKey}` } });
      return `${r.status} ${r.headers.get('etag')} ${await r.text()}`;
    }));
    const bBefore = await snapshot();
    for (const s of [fx.a, fx.b]) {
      const asA = on(s, ta);
      for (const [type, id, body] of [['Users', B.uid, { schemas: [USER], userName: 'same.name' }], ['Groups', B.gid, { schemas: [GROUP], displayName: 'Same' }]] as const) {
        for (const [method, b] of [['GET'], ['PUT', body], ['PATCH', { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'taken' }] }], ['DELETE']] as const) {
          const r = await asA(method, `/${type}/${id}`, b);
          assert.equal(r.status, 404, `${method} ${type} of B on ${s.port}: ${r.status}`);
          assert.deepEqual(r.body.schemas, [ERROR]);
        }
        assert.equal((await asA('GET', `/${type}?${eq('id', id)}`)).body.totalResults, 0);
        const listed = await asA('GET', `/${type}?${type === 'Users' ? eq('userName', 'same.name') : eq('displayName', 'Same')}`);
        assert.deepEqual([listed.body.totalResults, listed.body.Resources[0].id], [1, type === 'Users' ? A.uid : A.gid]);
        assert.equal((await asA('GET', `/${type}`)).body.totalResults, 1, 'only A counted');
      }
      for (const r of [
        await asA('PATCH', `/Groups/${A.gid}`, addMember(B.uid)),
        await asA('PUT', `/Groups/${A.gid}`, { schemas: [GROUP], displayName: 'Same', members: [{ value: A.uid }, { value: B.uid }] }),
        await asA('POST', '/Groups', { schemas: [GROUP], displayName: `with B ${s.port}`, members: [{ value: B.uid }] }),
      ]) {
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.equal(r.body.scimType, 'invalidValue');
      }
      assert.deepEqual(await fx.membersOf(A.gid, ta), new Set([A.uid]));
      // A's key on B's URL: 401, whatever the path.
      for (const p of ['/Users', `/Users/${B.uid}`, `/Groups/${B.gid}`]) {
        const r = await fetch(`${s.url}/scim/v2/${tb.id}${p}`, { headers: { authorization: `Bearer ${ta.apiKey}` } });
        assert.equal(r.status, 401, p);
      }
    }
    assert.deepEqual(await snapshot(), bBefore, 'B unchanged byte for byte');
  });
});
