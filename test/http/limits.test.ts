/**
 * Fairness limits (docs/reliability.md LD-2, RL-8), refused bodies that the
 * client still receives (RL-1) and the response headers of personal data.
 * Real listeners on port 0 over real SQLite files; tests assert outcomes, never timings.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openSocket, readResponse } from '../helpers/raw-http.ts';
import type { RawResponse } from '../helpers/raw-http.ts';
import { TEST_STORE, scim, startTestServer } from '../helpers/server.ts';
import type { ScimResult, TestServer } from '../helpers/server.ts';

const ERROR_URN = 'urn:ietf:params:scim:api:messages:2.0:Error';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const MiB = 1024 * 1024;

function assertRefusal(r: ScimResult, status: number): void {
  assert.equal(r.status, status);
  assert.match(r.headers.get('retry-after') ?? '', /^[1-9]\d*$/, 'Retry-After is whole seconds');
  assert.match(r.headers.get('content-type') ?? '', /^application\/scim\+json/);
  assert.deepEqual(r.body.schemas, [ERROR_URN]);
  assert.equal(r.body.status, String(status));
  assert.equal(r.body.scimType, undefined);
}

/** Holds the store's write lock until the returned function is called (the test's own transaction). */
/** Why the tests that hold the SQLite writer lock do not run on PostgreSQL (row locks, no single writer). */
const HOLDS_SQLITE_WRITER = TEST_STORE === 'postgres' && 'SQLite only: holds the single SQLite writer (PostgreSQL has no single writer; pool exhaustion is pinned in test/reliability/multiprocess-pg.test.ts)';

function holdWriter(srv: TestServer): { release: () => void; done: Promise<void> } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const done = srv.store.transaction(() => gate);
  return { release, done };
}

/**
 * Writes a whole request (headers and body) before looking at the answer, the
 * way many HTTP clients do; resolves with the response and the write error, if any.
 */
async function writeAllThenRead(port: number, head: string, body: Buffer): Promise<{ response: RawResponse | undefined; writeError: Error | undefined }> {
  const socket = await openSocket(port);
  let writeError: Error | undefined;
  socket.on('error', (e) => (writeError ??= e));
  const response = readResponse(socket);
  await new Promise<void>((resolve) => {
    socket.write(head);
    socket.write(body, (e) => {
      if (e) writeError ??= e;
      resolve();
    });
  });
  const r = await response;
  socket.destroy();
  return { response: r, writeError };
}

describe('413 that the client receives (RL-1)', () => {
  test('by Content-Length, a 5 MB POST /Users written whole before reading gets 413 with a SCIM body, not a reset', async () => {
    const srv = await startTestServer();
    try {
      const t = await srv.createTenant();
      const body = Buffer.alloc(5 * MiB, 'x');
      const head = `POST /scim/v2/${t.tenant.id}/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.apiKey}\r\nContent-Type: application/scim+json\r\nContent-Length: ${body.length}\r\n\r\n`;
      const { response, writeError } = await writeAllThenRead(srv.port, head, body);
      assert.equal(writeError, undefined, `the client could write its body (${writeError?.message})`);
      assert.equal(response?.status, 413);
      assert.equal(response?.headers.connection, 'close');
      const parsed = JSON.parse(response?.body ?? '{}');
      assert.deepEqual(parsed.schemas, [ERROR_URN]);
      assert.equal(parsed.status, '413');
    } finally {
      await srv.close();
    }
  });

  test('mid-stream, a 5 MB chunked POST /Users written whole before reading gets 413, not a reset', async () => {
    const srv = await startTestServer();
    try {
      const t = await srv.createTenant();
      const chunk = `10000\r\n${'x'.repeat(0x10000)}\r\n`;
      const body = Buffer.from(chunk.repeat(80) + '0\r\n\r\n');
      const head = `POST /scim/v2/${t.tenant.id}/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.apiKey}\r\nContent-Type: application/scim+json\r\nTransfer-Encoding: chunked\r\n\r\n`;
      const { response, writeError } = await writeAllThenRead(srv.port, head, body);
      assert.equal(writeError, undefined, `the client could write its body (${writeError?.message})`);
      assert.equal(response?.status, 413);
      assert.equal(JSON.parse(response?.body ?? '{}').status, '413');
    } finally {
      await srv.close();
    }
  });

  test('a client that goes away mid-body is not an unhandled error (no 500 logged)', async () => {
    const srv = await startTestServer();
    try {
      const t = await srv.createTenant();
      const socket = await openSocket(srv.port);
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.write(`POST /scim/v2/${t.tenant.id}/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.apiKey}\r\nContent-Type: application/scim+json\r\nContent-Length: 1000\r\n\r\n{"schemas":`);
      await sleep(50); // let the server start reading the body
      socket.destroy();
      await closed;
      let line: string | undefined;
      for (let i = 0; i < 200 && line === undefined; i++) {
        await sleep(5);
        line = srv.logs().split('\n').find((l) => l.includes('"msg":"request"') && l.includes('"method":"POST"'));
      }
      assert.ok(line, 'the request was logged');
      assert.doesNotMatch(srv.logs(), /unhandled error/);
    } finally {
      await srv.close();
    }
  });

  test('the Bulk payload limit applies to /bulk and /BULK too (endpoint names are case-insensitive)', async () => {
    const srv = await startTestServer({ config: { bodyLimit: 4096, bulkMaxPayloadSize: 65536 } });
    try {
      const t = await srv.createTenant();
      const call = scim(t.baseUrl, t.apiKey);
      const medium = { schemas: [BULK], Operations: [], pad: 'x'.repeat(8192) };
      for (const path of ['/Bulk', '/bulk', '/BULK']) {
        const r = await call('POST', path, medium);
        assert.notEqual(r.status, 413, `${path} is limited by the bulk payload size`);
      }
      const big = { schemas: [BULK], Operations: [], pad: 'x'.repeat(70_000) };
      for (const path of ['/bulk', '/BULK']) assert.equal((await call('POST', path, big)).status, 413, path);
    } finally {
      await srv.close();
    }
  });
});

describe('response headers of personal data', () => {
  test('SCIM responses, errors included, carry Cache-Control: no-store and X-Content-Type-Options: nosniff', async () => {
    const srv = await startTestServer();
    try {
      const t = await srv.createTenant();
      const call = scim(t.baseUrl, t.apiKey);
      const created = await call('POST', '/Users', { schemas: [USER], userName: 'alice' });
      const results = [
        created,
        await call('GET', `/Users/${created.body.id}`),
        await call('GET', '/Users?filter=userName%20eq%20%22alice%22'),
        await call('GET', '/ServiceProviderConfig'),
        await call('GET', '/Users/nope'),
        await scim(t.baseUrl, 'wrong')('GET', '/Users'),
      ];
      for (const r of results) {
        assert.equal(r.headers.get('cache-control'), 'no-store', `status ${r.status}`);
        assert.equal(r.headers.get('x-content-type-options'), 'nosniff', `status ${r.status}`);
      }
    } finally {
      await srv.close();
    }
  });
});

describe('per-tenant limits (LD-2)', () => {
  test('a tenant over its rate gets 429 + integer Retry-After + SCIM body while another tenant gets 200', async () => {
    const srv = await startTestServer({ config: { tenantRateLimit: 1, tenantBurst: 3 } });
    try {
      const ta = await srv.createTenant();
      const tb = await srv.createTenant();
      const callA = scim(ta.baseUrl, ta.apiKey);
      const callB = scim(tb.baseUrl, tb.apiKey);
      const [burst, other] = await Promise.all([
        Promise.all(Array.from({ length: 10 }, () => callA('GET', '/Users'))),
        callB('GET', '/Users'),
      ]);
      const ok = burst.filter((r) => r.status === 200);
      const refused = burst.filter((r) => r.status === 429);
      assert.equal(ok.length + refused.length, burst.length);
      assert.ok(ok.length >= 3 && ok.length < burst.length, `${ok.length} of ${burst.length} admitted`);
      for (const r of refused) assertRefusal(r, 429);
      assert.equal(other.status, 200, 'the other tenant is served at the same moment');
      // Unauthenticated requests on A's URL spend nothing of A's budget, and get 401 not 429.
      assert.equal((await scim(ta.baseUrl, 'wrong')('GET', '/Users')).status, 401);
    } finally {
      await srv.close();
    }
  });

  test('a tenant with as many requests in flight as allowed gets 429 for the next; others are served', { skip: HOLDS_SQLITE_WRITER }, async () => {
    const srv = await startTestServer({ config: { tenantMaxInflight: 2 } });
    try {
      const ta = await srv.createTenant();
      const tb = await srv.createTenant();
      const callA = scim(ta.baseUrl, ta.apiKey);
      const callB = scim(tb.baseUrl, tb.apiKey);
      const writer = holdWriter(srv);
      // Two writes of A wait for the writer, so they stay in flight.
      const pending = [callA('POST', '/Users', { schemas: [USER], userName: 'a1' }), callA('POST', '/Users', { schemas: [USER], userName: 'a2' })];
      let refused: ScimResult | undefined;
      for (let i = 0; i < 500 && !refused; i++) {
        const r = await callA('GET', '/Users');
        if (r.status === 429) refused = r;
        else await sleep(5);
      }
      assert.ok(refused, 'the third concurrent request of A was refused');
      assertRefusal(refused, 429);
      assert.equal((await callB('GET', '/Users')).status, 200);
      writer.release();
      await writer.done;
      assert.deepEqual((await Promise.all(pending)).map((r) => r.status), [201, 201]);
      assert.equal((await callA('GET', '/Users')).status, 200, 'the slots are released');
    } finally {
      await srv.close();
    }
  });
});

describe('bounded write queue (RL-8)', { skip: HOLDS_SQLITE_WRITER }, () => {
  test('writes past --write-queue-max get 503 + Retry-After; the queued ones complete', async () => {
    const srv = await startTestServer({ config: { writeQueueMax: 2, writeQueueTimeoutMs: 0 } });
    try {
      const t = await srv.createTenant();
      const call = scim(t.baseUrl, t.apiKey);
      const writer = holdWriter(srv);
      let settled = 0;
      const all = Array.from({ length: 5 }, (_, i) =>
        call('POST', '/Users', { schemas: [USER], userName: `u${i}` }).finally(() => settled++),
      );
      for (let i = 0; i < 1000 && settled < 3; i++) await sleep(5);
      assert.equal(settled, 3, 'three writes were answered while the writer was busy');
      writer.release();
      await writer.done;
      const results = await Promise.all(all);
      const refused = results.filter((r) => r.status === 503);
      assert.equal(refused.length, 3);
      for (const r of refused) assertRefusal(r, 503);
      assert.equal(results.filter((r) => r.status === 201).length, 2);
      const list = await call('GET', '/Users');
      assert.equal(list.body.totalResults, 2, 'nothing half-written');
    } finally {
      await srv.close();
    }
  });

  test('a write that waits longer than --write-queue-timeout gets 503 + Retry-After and leaves the queue', async () => {
    const srv = await startTestServer({ config: { writeQueueTimeoutMs: 200 } });
    try {
      const t = await srv.createTenant();
      const call = scim(t.baseUrl, t.apiKey);
      const writer = holdWriter(srv);
      const r = await call('POST', '/Users', { schemas: [USER], userName: 'late' });
      assertRefusal(r, 503);
      writer.release();
      await writer.done;
      assert.equal((await call('POST', '/Users', { schemas: [USER], userName: 'late' })).status, 201);
    } finally {
      await srv.close();
    }
  });
});

describe('connection cap (RL-8)', () => {
  test('connections past --max-connections are closed; a slot freed is usable again', async () => {
    const srv = await startTestServer({ config: { maxConnections: 2 } });
    const sockets: Awaited<ReturnType<typeof openSocket>>[] = [];
    const probe = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
    const ask = async (s: Awaited<ReturnType<typeof openSocket>>): Promise<RawResponse | undefined> => {
      const r = readResponse(s);
      s.write(probe);
      return r;
    };
    try {
      for (let i = 0; i < 2; i++) {
        const s = await openSocket(srv.port);
        sockets.push(s);
        assert.equal((await ask(s))?.status, 200);
      }
      const third = await openSocket(srv.port);
      sockets.push(third);
      assert.equal(await ask(third), undefined, 'the third connection is closed without an answer');
      assert.equal((await ask(sockets[0]!))?.status, 200, 'the first two still work');
      sockets[0]!.destroy();
      let answered: RawResponse | undefined;
      for (let i = 0; i < 200 && !answered; i++) {
        const s = await openSocket(srv.port);
        sockets.push(s);
        answered = await ask(s);
        if (!answered) await sleep(10);
      }
      assert.equal(answered?.status, 200);
    } finally {
      for (const s of sockets) s.destroy();
      await srv.close();
    }
  });
});
