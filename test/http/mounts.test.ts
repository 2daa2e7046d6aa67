// The router and its mounts (docs/architecture.md, HTTP mounts): each mount
// authenticates its own callers and renders its own errors; a path no mount
// owns gets a neutral 404; a tenant's SCIM key never opens the admin API and an
// operator token never opens SCIM.
import assert from 'node:assert/strict';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Mount } from '../../src/http/mount.ts';
import { createOperatorToken } from '../../src/app/operator-tokens.ts';
import { ADMIN_ERRORS } from '../../src/http/admin-errors.ts';
import { crc32, digestSecret } from '../../src/tenants/api-keys.ts';
import { scim, startTestServer } from '../helpers/server.ts';
import type { TestServer, TestTenant } from '../helpers/server.ts';

const ERROR_URN = 'urn:ietf:params:scim:api:messages:2.0:Error';
const OPERATOR_TOKEN = randomBytes(24).toString('base64url');

/** The host application's operator check, constant-time as `OperatorVerifier` asks. */
async function verifyOperator(token: string): Promise<boolean> {
  const a = Buffer.from(token);
  const b = Buffer.from(OPERATOR_TOKEN);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A third mount, as the console will plug in. */
const consoleMount: Mount = {
  prefix: '/console',
  async handle(_req, res, ctx) {
    if (ctx.pathname === '/console/boom') throw new Error('console exploded');
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`console ${ctx.pathname}`);
  },
};

function assertJsonError(r: { status: number; headers: Headers; body: any }, status: number, code: string): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(r.body.error.code, code);
  assert.equal(typeof r.body.error.message, 'string');
  assert.equal(r.body.schemas, undefined, 'not a SCIM error body');
}

describe('router and mounts', () => {
  let srv: TestServer;
  let t: TestTenant;
  before(async () => {
    srv = await startTestServer({ verifyOperator, mounts: [consoleMount] });
    t = await srv.createTenant('Mounts', 'generic');
  });
  after(() => srv.close());

  test('a path no mount owns is a neutral JSON 404, whatever the method', async () => {
    for (const [method, path] of [['GET', '/'], ['GET', '/api'], ['GET', '/api/v2/tenants'], ['DELETE', '/scimx'], ['GET', '/consoles']]) {
      assertJsonError(await scim(srv.url, t.apiKey)(method as string, path as string), 404, 'not_found');
    }
  });

  test('a method the health probes do not take is 405 with Allow, in the neutral body', async () => {
    const r = await scim(srv.url)('POST', '/healthz', {});
    assertJsonError(r, 405, 'method_not_allowed');
    assert.equal(r.headers.get('allow'), 'GET, HEAD');
    assertJsonError(await scim(srv.url)('GET', '/readyz/more'), 404, 'not_found');
  });

  test('a third mount plugs in; an error it lets escape is a neutral 500, logged', async () => {
    const ok = await fetch(`${srv.url}/console/home`);
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'console /console/home');
    assert.equal(ok.headers.get('cache-control'), 'no-store', 'the transport headers apply to every mount');
    const r = await scim(srv.url)('GET', '/console/boom');
    assertJsonError(r, 500, 'internal');
    assert.doesNotMatch(JSON.stringify(r.body), /exploded/);
    assert.match(srv.logs(), /console exploded/);
  });

  test('admin API: no token, another scheme or a SCIM key is 401 unauthorized in the admin body', async () => {
    const admin = (key?: string, headers?: Record<string, string>) => scim(srv.url, key)('GET', '/api/v1/tenants', undefined, headers);
    for (const r of [await admin(), await admin(t.apiKey), await admin(undefined, { authorization: `Basic ${OPERATOR_TOKEN}` })]) {
      assertJsonError(r, 401, 'unauthorized');
      assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="roster-admin"');
    }
    // Authentication comes before routing: an unknown admin path tells a stranger nothing.
    assertJsonError(await scim(srv.url, t.apiKey)('GET', '/api/v1/nope'), 401, 'unauthorized');
  });

  test('an operator token never opens SCIM', async () => {
    for (const base of [srv.sharedBaseUrl, t.baseUrl]) {
      const r = await scim(base, OPERATOR_TOKEN)('GET', '/Users');
      assert.equal(r.status, 401);
      assert.deepEqual(r.body.schemas, [ERROR_URN]);
    }
  });

  test('admin API with an operator token: GET /api/v1/tenants lists tenants without secrets; errors from the catalogue', async () => {
    const admin = scim(`${srv.url}/api/v1`, OPERATOR_TOKEN);
    const r = await admin('GET', '/tenants');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    const listed = r.body.tenants.find((x: { id: string }) => x.id === t.tenant.id);
    assert.equal(listed.scimBaseUrl, t.baseUrl);
    assert.ok(!JSON.stringify(r.body).includes(t.apiKey), 'no API key in the listing');
    const put = await admin('PUT', '/tenants', {});
    assertJsonError(put, 405, 'method_not_allowed');
    assert.equal(put.headers.get('allow'), 'GET, POST, HEAD');
    assertJsonError(await admin('GET', '/nope'), 404, 'not_found');
    for (const code of ['unauthorized', 'not_found', 'method_not_allowed', 'invalid_request', 'internal']) assert.ok(code in ADMIN_ERRORS, code);
  });
});

describe('admin API with the store\'s operator tokens (roster serve)', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(() => srv.close());

  test('a token from createOperatorToken opens /api/v1 and nothing else; revoked, altered or unknown tokens are 401', async () => {
    const t = await srv.createTenant();
    const { token } = await createOperatorToken(srv.store);
    const ok = await scim(`${srv.url}/api/v1`, token)('GET', '/tenants');
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body.tenants.map((x: { id: string }) => x.id), [t.tenant.id]);
    const onScim = await scim(srv.sharedBaseUrl, token)('GET', '/Users');
    assert.equal(onScim.status, 401);
    assert.deepEqual(onScim.body.schemas, [ERROR_URN]);
    // A revoked token keeps its row and stops working.
    const revokedId = 'RevokedOperator1';
    const secret = 'x'.repeat(43);
    await srv.store.insertOperatorToken({ id: revokedId, digest: digestSecret(secret), createdAt: new Date().toISOString(), revokedAt: new Date().toISOString() });
    const body = `roster_op_${revokedId}_${secret}`;
    const revoked = `${body}${checksumOf(body)}`;
    const altered = `${token.slice(0, -8)}${token.slice(-8).split('').reverse().join('')}`;
    for (const key of [undefined, t.apiKey, OPERATOR_TOKEN, revoked, altered]) {
      assertJsonError(await scim(`${srv.url}/api/v1`, key)('GET', '/tenants'), 401, 'unauthorized');
    }
    // The store holds the digest, never the token.
    const stored = await srv.store.findOperatorToken(token.slice('roster_op_'.length, 'roster_op_'.length + 16));
    assert.ok(stored !== undefined && !token.includes(stored.digest) && stored.digest.length === 64);
  });
});

/** The 6-character base62 CRC32 check an operator token ends with. */
function checksumOf(body: string): string {
  const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let n = crc32(body);
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}
