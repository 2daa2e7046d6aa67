/**
 * HTTP transport: routing, probes, request ids, body limits (RL-1), media types
 * and JSON strictness (IN-8), error hygiene (IN-10), slow clients (RL-7) and
 * graceful shutdown (CF-6). Real listeners on port 0, real SQLite files.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ScimHandler } from '../../src/http/types.ts';
import { scim, startTestServer } from '../helpers/server.ts';
import type { TestServer, TestTenant } from '../helpers/server.ts';
import { openSocket, rawRequest, readResponse } from '../helpers/raw-http.ts';

const ERROR_URN = 'urn:ietf:params:scim:api:messages:2.0:Error';
const USER = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'alice' };

/** Echoes what the transport handed over (transport tests that need no directory). */
const echo: ScimHandler = async (req) => ({
  status: 200,
  body: { method: req.method, segments: req.segments, body: req.body, baseUrl: req.baseUrl, tenant: req.tenant.id, headers: req.headers, query: req.query.toString() },
});

function assertScimError(r: { status: number; headers: Headers; body: unknown }, status: number, scimType?: string): void {
  assert.equal(r.status, status);
  assert.match(r.headers.get('content-type') ?? '', /^application\/scim\+json/);
  const body = r.body as Record<string, unknown>;
  assert.deepEqual(body.schemas, [ERROR_URN]);
  assert.equal(body.status, String(status));
  assert.equal(body.scimType, scimType);
  assert.equal(typeof body.detail, 'string');
}

describe('transport with the real SCIM handler', () => {
  let srv: TestServer;
  let t: TestTenant;
  before(async () => {
    srv = await startTestServer({ config: { bodyLimit: 4096 } });
    t = await srv.createTenant('Transport', 'okta');
  });
  after(() => srv.close());

  test('healthz and readyz', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const r = await fetch(srv.url + path);
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { status: 'ok' });
    }
  });

  test('request id: generated, or the client one when short and safe', async () => {
    const a = await fetch(`${srv.url}/healthz`);
    assert.match(a.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const b = await fetch(`${srv.url}/healthz`, { headers: { 'x-request-id': 'okta-req.123' } });
    assert.equal(b.headers.get('x-request-id'), 'okta-req.123');
    const c = await fetch(`${srv.url}/healthz`, { headers: { 'x-request-id': 'x'.repeat(65) } });
    assert.match(c.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const d = await fetch(`${srv.url}/healthz`, { headers: { 'x-request-id': 'a b"<script>' } });
    assert.match(d.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  test('unknown routes under /scim/v2 get a SCIM 404; paths no mount owns a neutral JSON 404', async () => {
    for (const path of ['/scim/v2', `/scim/v2/${t.tenant.id}`]) {
      assertScimError(await scim(srv.url, t.apiKey)('GET', path), 404);
    }
    for (const path of ['/', '/nope', '/scim/v1/Users', '/scim/v2x/Users']) {
      const r = await scim(srv.url, t.apiKey)('GET', path);
      assert.equal(r.status, 404, path);
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(r.body.error.code, 'not_found');
    }
  });

  test('per-tenant and shared base URLs reach the same tenant; meta.location uses the base called', async () => {
    const perTenant = scim(t.baseUrl, t.apiKey);
    const shared = scim(srv.sharedBaseUrl, t.apiKey);
    const created = await perTenant('POST', '/Users', { ...USER, userName: 'routing' });
    assert.equal(created.status, 201);
    assert.equal(created.body.meta.location, `${t.baseUrl}/Users/${created.body.id}`);
    const viaShared = await shared('GET', `/Users/${created.body.id}`);
    assert.equal(viaShared.status, 200);
    assert.equal(viaShared.body.meta.location, `${srv.sharedBaseUrl}/Users/${created.body.id}`);
    const lower = await shared('GET', `/users/${created.body.id}`);
    assert.equal(lower.status, 200);
    for (const path of ['/ServiceProviderConfig', '/Schemas', '/ResourceTypes']) {
      assert.equal((await shared('GET', path)).status, 200, path);
    }
  });

  test('Okta GETs with a Content-Type and no body are fine; application/json bodies are accepted', async () => {
    const call = scim(t.baseUrl, t.apiKey);
    const r = await call('GET', '/Users?startIndex=1&count=2', undefined, { 'content-type': 'application/scim+json; charset=utf-8' });
    assert.equal(r.status, 200);
    const c = await call('POST', '/Users', { ...USER, userName: 'json-ct' }, { 'content-type': 'application/json' });
    assert.equal(c.status, 201);
  });

  test('415 for a body with another media type or charset, or none', async () => {
    const call = scim(t.baseUrl, t.apiKey);
    for (const ct of ['text/plain', 'application/xml', 'application/scim+json; charset=latin1', 'application/x-www-form-urlencoded']) {
      assertScimError(await call('POST', '/Users', JSON.stringify(USER), { 'content-type': ct }), 415);
    }
    const raw = await rawRequest(srv.port, `POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.apiKey}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
    assert.equal(raw?.status, 415);
  });

  test('400 invalidSyntax: empty, whitespace, malformed JSON (not echoed), duplicate keys, __proto__', async () => {
    const call = scim(t.baseUrl, t.apiKey);
    const bodies = ['', '   ', '{"userName": "SECRET-SNIPPET"', 'null x', '{"userName":"a","userName":"b"}', '{"__proto__":{"x":1},"userName":"p"}'];
    for (const b of bodies) {
      const r = await call(b === '' ? 'PATCH' : 'POST', b === '' ? '/Users/abc' : '/Users', b, { 'content-type': 'application/scim+json' });
      assertScimError(r, 400, 'invalidSyntax');
      assert.ok(!JSON.stringify(r.body).includes('SECRET-SNIPPET'));
    }
    const noBody = await rawRequest(srv.port, `PUT /scim/v2/Users/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.apiKey}\r\nConnection: close\r\n\r\n`);
    assert.equal(noBody?.status, 400);
    assert.equal(JSON.parse(noBody?.body ?? '{}').scimType, 'invalidSyntax');
  });

  test('400 invalidSyntax for invalid UTF-8', async () => {
    for (const bad of [Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), Buffer.from('{"a":"\xed\xa0\x80"}', 'latin1')]) {
      const r = await fetch(`${t.baseUrl}/Users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/scim+json' },
        body: bad,
      });
      assert.equal(r.status, 400);
      assert.equal(((await r.json()) as { scimType: string }).scimType, 'invalidSyntax');
    }
  });

  test('413 from Content-Length, before any body is read', async () => {
    const r = await rawRequest(
      srv.port,
      `POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.apiKey}\r\nContent-Type: application/scim+json\r\nContent-Length: 10000000\r\n\r\n`,
    );
    assert.equal(r?.status, 413);
    assert.equal(JSON.parse(r?.body ?? '{}').status, '413');
    assert.equal(r?.headers.connection, 'close');
  });

  test('413 for a chunked body counted while it streams; the server stops reading', async () => {
    const socket = await openSocket(srv.port);
    const response = readResponse(socket);
    socket.write(`POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.apiKey}\r\nContent-Type: application/scim+json\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const chunk = `400\r\n${'x'.repeat(1024)}\r\n`;
    let answered = false;
    void response.then(() => (answered = true));
    let sent = 0;
    // Keep streaming (never ending the body) until the server answers.
    while (!answered && sent < 2000) {
      if (!socket.destroyed) socket.write(chunk);
      sent++;
      await sleep(1);
    }
    const r = await response;
    socket.destroy();
    assert.equal(r?.status, 413);
    assert.ok(sent < 2000, 'the server answered before the client gave up');
  });

  test('/Bulk bodies are limited by the bulk payload size, not the body limit', async () => {
    const medium = { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [], pad: 'x'.repeat(8192) };
    const ok = await scim(t.baseUrl, t.apiKey)('POST', '/Bulk', medium);
    assert.notEqual(ok.status, 413);
    const users = await scim(t.baseUrl, t.apiKey)('POST', '/Users', { ...USER, pad: 'x'.repeat(8192) });
    assertScimError(users, 413);
    const big = { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [], pad: 'x'.repeat(1_100_000) };
    const r = await scim(t.baseUrl, t.apiKey)('POST', '/Bulk', big);
    assertScimError(r, 413);
  });

  test('HEAD answers like GET without a body; OPTIONS lists the methods', async () => {
    const head = await fetch(`${t.baseUrl}/Users`, { method: 'HEAD', headers: { authorization: `Bearer ${t.apiKey}` } });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    const options = await fetch(`${t.baseUrl}/Users`, { method: 'OPTIONS' });
    assert.equal(options.status, 204);
    assert.match(options.headers.get('allow') ?? '', /PATCH/);
    const other = await scim(t.baseUrl, t.apiKey)('PROPFIND', '/Users');
    assertScimError(other, 405);
  });

  test('readyz is 503 when the store is closed', async () => {
    const own = await startTestServer();
    try {
      await own.store.close();
      const r = await fetch(`${own.url}/readyz`);
      assert.equal(r.status, 503);
      assert.equal((await fetch(`${own.url}/healthz`)).status, 200);
    } finally {
      await own.close();
    }
  });
});

describe('transport with an echo handler', () => {
  test('the handler gets decoded segments, the parsed body, the query, and headers without Authorization', async () => {
    const srv = await startTestServer({ scimHandler: echo });
    try {
      const t = await srv.createTenant();
      const r = await scim(t.baseUrl, t.apiKey)('PATCH', '/Users/a%2Fb?filter=x&count=1', { op: 1 }, { 'x-custom': 'y' });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.segments, ['Users', 'a/b']);
      assert.deepEqual(r.body.body, { op: 1 });
      assert.equal(r.body.method, 'PATCH');
      assert.equal(r.body.query, 'filter=x&count=1');
      assert.equal(r.body.tenant, t.tenant.id);
      assert.equal(r.body.baseUrl, t.baseUrl);
      assert.equal(r.body.headers['x-custom'], 'y');
      assert.equal(r.body.headers.authorization, undefined);
      const shared = await scim(srv.sharedBaseUrl, t.apiKey)('DELETE', '/Groups/g1');
      assert.equal(shared.body.baseUrl, srv.sharedBaseUrl);
      assert.equal(shared.body.body, undefined);
    } finally {
      await srv.close();
    }
  });

  test('anything but a ScimError becomes a generic 500, logged with the request id', async () => {
    const srv = await startTestServer({
      scimHandler: async () => {
        throw new Error('SQLITE_ERROR: no such column: secret_column at /src/x.ts:1');
      },
    });
    try {
      const t = await srv.createTenant();
      const r = await scim(t.baseUrl, t.apiKey)('GET', '/Users', undefined, { 'x-request-id': 'boom-1' });
      assertScimError(r, 500);
      const text = JSON.stringify(r.body);
      assert.ok(!text.includes('SQLITE') && !text.includes('secret_column') && !text.includes('.ts'));
      const logged = srv.logs().split('\n').filter((l) => l.includes('"boom-1"')).map((l) => JSON.parse(l));
      assert.ok(logged.some((l) => l.level === 'error' && /secret_column/.test(l.err?.message ?? '')));
      assert.ok(logged.some((l) => l.msg === 'request' && l.status === 500));
    } finally {
      await srv.close();
    }
  });

  test('graceful close lets an in-flight request finish and refuses new connections', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const srv = await startTestServer({
      scimHandler: async () => {
        entered();
        await gate;
        return { status: 200, body: { done: true } };
      },
    });
    const t = await srv.createTenant();
    const inflight = scim(t.baseUrl, t.apiKey)('GET', '/Users');
    await inside;
    const closing = srv.close();
    await sleep(50);
    await assert.rejects(fetch(`${srv.url}/healthz`));
    release();
    const r = await inflight;
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { done: true });
    await closing;
  });

  test('graceful close gives up on a stuck request after the drain timeout', async () => {
    const srv = await startTestServer({
      config: { shutdownTimeoutMs: 200 },
      scimHandler: () => new Promise(() => undefined),
    });
    const t = await srv.createTenant();
    const inflight = scim(t.baseUrl, t.apiKey)('GET', '/Users').then(
      () => 'answered',
      () => 'cut',
    );
    await sleep(50);
    await srv.close();
    assert.equal(await inflight, 'cut');
  });
});

describe('slow clients (RL-7)', () => {
  test('headers sent byte by byte are cut off by headersTimeout; other clients are still served', async () => {
    const srv = await startTestServer({ config: { headersTimeoutMs: 300, requestTimeoutMs: 1000 } });
    try {
      const socket = await openSocket(srv.port);
      let closed = false;
      socket.on('close', () => (closed = true));
      socket.on('error', () => undefined);
      const response = readResponse(socket);
      const request = 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ' + 'a'.repeat(200);
      let i = 0;
      for (; i < request.length && !closed; i++) {
        socket.write(request[i] ?? '');
        await sleep(20);
        if (i === 10) assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
      }
      const r = await response;
      assert.ok(closed || r !== undefined, 'the slow connection was cut');
      assert.ok(i < request.length, 'cut before the headers were complete');
      if (r) assert.equal(r.status, 408);
      assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
    } finally {
      await srv.close();
    }
  });

  test('a body that never finishes is cut off by requestTimeout', async () => {
    const srv = await startTestServer({ config: { headersTimeoutMs: 300, requestTimeoutMs: 1000 } });
    try {
      const t = await srv.createTenant();
      const socket = await openSocket(srv.port);
      const response = readResponse(socket);
      socket.write(`POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.apiKey}\r\nContent-Type: application/scim+json\r\nContent-Length: 100\r\n\r\n{`);
      const r = await response;
      socket.destroy();
      assert.ok(r === undefined || r.status === 408);
      assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
    } finally {
      await srv.close();
    }
  });
});
