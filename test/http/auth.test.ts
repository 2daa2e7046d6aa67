/**
 * Authentication and key handling: docs/reliability.md AU-1 (bad credentials), AU-2
 * (a key on another tenant's URL), AU-4 (no plaintext key at rest), AU-5
 * (near-miss keys), AU-6 (rotation, grace, deletion), AU-8 (nothing secret in logs).
 */
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { formatApiKey, generateApiKey, parseApiKey } from '../../src/tenants/api-keys.ts';
import { deleteTenant, rotateKey } from '../../src/tenants/tenants.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { SQLITE_ONLY, scim, startTestServer } from '../helpers/server.ts';
import type { TestServer, TestTenant } from '../helpers/server.ts';

const ERROR_URN = 'urn:ietf:params:scim:api:messages:2.0:Error';
const USER = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'auth-user' };
const FILTER_SECRET = 'filter-pii-value-7731';

let srv: TestServer;
let a: TestTenant;
let b: TestTenant;
const seenKeys: string[] = [];

async function get(baseUrl: string, headers: Record<string, string>, path = '/Users'): Promise<{ status: number; headers: Headers; body: string }> {
  const r = await fetch(baseUrl + path, { headers });
  return { status: r.status, headers: r.headers, body: await r.text() };
}

function assert401(r: { status: number; headers: Headers | Record<string, string>; body: string } | undefined, what: string): void {
  assert.ok(r, what);
  assert.equal(r.status, 401, what);
  const h = r.headers instanceof Headers ? r.headers.get('www-authenticate') : r.headers['www-authenticate'];
  assert.equal(h, 'Bearer realm="roster"', what);
  const body = JSON.parse(r.body) as Record<string, unknown>;
  assert.deepEqual(body.schemas, [ERROR_URN], what);
  assert.equal(body.status, '401', what);
}

before(async () => {
  srv = await startTestServer();
  a = await srv.createTenant('Tenant A', 'entra');
  b = await srv.createTenant('Tenant B', 'okta');
  seenKeys.push(a.apiKey, b.apiKey);
});
after(() => srv.close());

describe('AU-1: every bad credential gets the same 401', () => {
  test('header matrix', async () => {
    const bodies = new Set<string>();
    const cases: [string, Record<string, string>][] = [
      ['no header', {}],
      ['Bearer alone', { authorization: 'Bearer' }],
      ['Bearer and a space', { authorization: 'Bearer ' }],
      ['Basic', { authorization: `Basic ${Buffer.from(`user:${a.apiKey}`).toString('base64')}` }],
      ['key without scheme', { authorization: a.apiKey }],
      ['Okta non-token', { authorization: 'non-token' }],
      ['Token scheme', { authorization: `Token ${a.apiKey}` }],
      ['two tokens', { authorization: `Bearer ${a.apiKey} ${a.apiKey}` }],
      ['unknown well-formed key', { authorization: `Bearer ${generateApiKey(a.tenant.id).plaintext}` }],
      ['garbage', { authorization: 'Bearer abc.def' }],
    ];
    for (const [what, headers] of cases) {
      const r = await get(a.baseUrl, headers);
      assert401(r, what);
      bodies.add(r.body);
    }
    assert.equal(bodies.size, 1, 'one body for every failure');
  });

  test('the scheme is case-insensitive', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      assert.equal((await get(a.baseUrl, { authorization: `${scheme} ${a.apiKey}` })).status, 200, scheme);
    }
  });

  test('two Authorization headers', async () => {
    const r = await rawRequest(srv.port, `GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${a.apiKey}\r\nAuthorization: Bearer ${a.apiKey}\r\nConnection: close\r\n\r\n`);
    assert401(r, 'two headers');
  });

  test('a token in the query string is never accepted, even beside a valid header', async () => {
    assert401(await get(a.baseUrl, {}, `/Users?access_token=${a.apiKey}`), 'query only');
    assert401(await get(a.baseUrl, { authorization: `Bearer ${a.apiKey}` }, `/Users?access_token=${a.apiKey}`), 'query and header');
  });

  test('401 before anything else: unauthenticated POST with a bad body, on the shared base and a tenant URL', async () => {
    const r = await fetch(`${srv.sharedBaseUrl}/Users`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{' });
    assert401({ status: r.status, headers: r.headers, body: await r.text() }, 'POST');
    assert401(await get(`${srv.url}/scim/v2/nosuchtenant`, {}), 'unknown tenant URL');
  });
});

describe('AU-2: a key only works for its own tenant', () => {
  test("A's key on B's URL is 401 (not 404); on its own URL and the shared base, 200", async () => {
    assert401(await get(b.baseUrl, { authorization: `Bearer ${a.apiKey}` }), 'A on B');
    assert401(await get(`${srv.url}/scim/v2/nosuchtenant0000000`, { authorization: `Bearer ${a.apiKey}` }), 'A on unknown');
    assert.equal((await get(a.baseUrl, { authorization: `Bearer ${a.apiKey}` })).status, 200);
    assert.equal((await get(srv.sharedBaseUrl, { authorization: `Bearer ${a.apiKey}` })).status, 200);
  });

  test('the shared base resolves the tenant from the key', async () => {
    const created = await scim(srv.sharedBaseUrl, b.apiKey)('POST', '/Users', { ...USER, userName: 'only-in-b' });
    assert.equal(created.status, 201);
    assert.equal((await scim(b.baseUrl, b.apiKey)('GET', `/Users/${created.body.id}`)).status, 200);
    assert.equal((await scim(srv.sharedBaseUrl, a.apiKey)('GET', `/Users/${created.body.id}`)).status, 404);
  });
});

describe('AU-5: near misses fail', () => {
  test('a key wrong only in its last character, of the wrong length, or with the right id and another secret', async () => {
    const key = a.apiKey;
    const parsed = parseApiKey(key);
    assert.ok(parsed);
    const flip = (c: string): string => (c === 'a' ? 'b' : 'a');
    const variants = [
      key.slice(0, -1) + flip(key.at(-1) ?? ''),
      key.slice(0, -1),
      `${key}0`,
      formatApiKey(parsed.id, parsed.secret.slice(0, -1) + flip(parsed.secret.at(-1) ?? '')),
      formatApiKey(parsed.id, flip(parsed.secret[0] ?? '') + parsed.secret.slice(1)),
    ];
    for (const v of variants) assert401(await get(a.baseUrl, { authorization: `Bearer ${v}` }), v.slice(-8));
  });
});

describe('AU-6: rotation, grace, deletion', () => {
  test('rotate: the new key works at once, the old key fails at once', async () => {
    const t = await srv.createTenant('Rotating', 'okta');
    const rotated = await rotateKey(srv.store, t.tenant.id, {}, srv.config);
    seenKeys.push(t.apiKey, rotated.apiKey);
    assert401(await get(t.baseUrl, { authorization: `Bearer ${t.apiKey}` }), 'old key');
    assert.equal((await get(t.baseUrl, { authorization: `Bearer ${rotated.apiKey}` })).status, 200);
  });

  test('grace: the old key keeps working until the grace ends, then fails without a restart', async () => {
    const t = await srv.createTenant('Grace', 'okta');
    const withGrace = await rotateKey(srv.store, t.tenant.id, { graceMs: 3_600_000 }, srv.config);
    seenKeys.push(t.apiKey, withGrace.apiKey);
    assert.equal((await get(t.baseUrl, { authorization: `Bearer ${t.apiKey}` })).status, 200);
    assert.equal((await get(t.baseUrl, { authorization: `Bearer ${withGrace.apiKey}` })).status, 200);
    // End the grace: a rotation dated two hours ago with a one-hour grace expires the older keys in the past.
    const again = await rotateKey(srv.store, t.tenant.id, { graceMs: 3_600_000 }, srv.config, new Date(Date.now() - 7_200_000));
    seenKeys.push(again.apiKey);
    assert401(await get(t.baseUrl, { authorization: `Bearer ${t.apiKey}` }), 'grace over');
    assert401(await get(t.baseUrl, { authorization: `Bearer ${withGrace.apiKey}` }), 'grace over (second key)');
  });

  test('grace is bounded by keyMaxGrace', async () => {
    await assert.rejects(rotateKey(srv.store, a.tenant.id, { graceMs: srv.config.keyMaxGraceMs + 1 }, srv.config), /must not exceed/);
  });

  test('deleting the tenant makes its key fail at once', async () => {
    const t = await srv.createTenant('Doomed', 'generic');
    seenKeys.push(t.apiKey);
    assert.equal((await get(t.baseUrl, { authorization: `Bearer ${t.apiKey}` })).status, 200);
    await deleteTenant(srv.store, t.tenant.id);
    assert401(await get(t.baseUrl, { authorization: `Bearer ${t.apiKey}` }), 'deleted, tenant URL');
    assert401(await get(srv.sharedBaseUrl, { authorization: `Bearer ${t.apiKey}` }), 'deleted, shared URL');
  });
});

describe('AU-4 and AU-8: secrets at rest and in logs', () => {
  test('requests with filters leave no key, Authorization value or filter in the logs', async () => {
    const call = scim(a.baseUrl, a.apiKey);
    await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${FILTER_SECRET}"`)}`);
    await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${FILTER_SECRET}`)}`); // invalid filter
    await call('GET', `/Users?access_token=${a.apiKey}`);
    await scim(b.baseUrl, a.apiKey)('GET', '/Users');
    await scim(a.baseUrl, `${a.apiKey}x`)('GET', '/Users');
    const logs = srv.logs();
    assert.ok(logs.includes('"msg":"request"'), 'request lines are logged');
    for (const key of seenKeys) {
      const parsed = parseApiKey(key);
      assert.ok(parsed);
      assert.ok(!logs.includes(key), 'key in logs');
      assert.ok(!logs.includes(parsed.secret), 'secret in logs');
    }
    assert.ok(!/bearer /i.test(logs), 'Authorization value in logs');
    assert.ok(!logs.includes(FILTER_SECRET), 'filter value in logs');
    assert.ok(!logs.includes('filter='), 'query string in logs');
  });

  test('the SQLite file and its WAL hold no plaintext key or secret', { skip: SQLITE_ONLY }, async () => {
    const bytes = [srv.dbFile, `${srv.dbFile}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f));
    assert.ok(bytes.length > 0);
    for (const key of seenKeys) {
      const parsed = parseApiKey(key);
      assert.ok(parsed);
      for (const b of bytes) {
        assert.equal(b.indexOf(key), -1, 'plaintext key at rest');
        assert.equal(b.indexOf(parsed.secret), -1, 'secret at rest');
      }
    }
  });
});
