// Issue "Identity-provider compatibility": what a provider profile changed is
// visible in the request's log line (the names of the normalisations that fired).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { scim, startTestServer } from '../helpers/server.ts';
import type { TestServer } from '../helpers/server.ts';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

function requestLines(): Record<string, unknown>[] {
  return srv
    .logs()
    .split('\n')
    .filter((l) => l.includes('"msg":"request"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('the request log line names the normalisations an Entra request needed', async () => {
  const t = await srv.createTenant('Entra log', 'entra');
  const call = scim(t.baseUrl, t.apiKey);
  const created = await call('POST', '/Users', { schemas: [USER], userName: 'log.user', active: true });
  assert.equal(created.status, 201);
  const res = await call('PATCH', `/Users/${created.body.id}`, {
    schemas: [PATCH_OP],
    Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
  });
  assert.equal(res.status, 200);
  assert.equal(res.body.active, false);
  const line = requestLines().find((l) => l.method === 'PATCH' && l.tenantId === t.tenant.id);
  assert.ok(line, 'a PATCH request line was logged');
  assert.deepEqual([...(line.compat as string[])].sort(), ['bool-string', 'op-case']);
});

test('a textbook request logs no normalisation', async () => {
  const t = await srv.createTenant('Generic log', 'generic');
  const res = await scim(t.baseUrl, t.apiKey)('POST', '/Users', { schemas: [USER], userName: 'plain.user' });
  assert.equal(res.status, 201);
  const line = requestLines().find((l) => l.method === 'POST' && l.tenantId === t.tenant.id);
  assert.ok(line);
  assert.equal(line.compat, undefined);
});

test('the request log line lists what a provider tenant ignored, beside the normalisations', async () => {
  const t = await srv.createTenant('Entra ignored log', 'entra');
  const call = scim(t.baseUrl, t.apiKey);
  const ext = 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User';
  const res = await call('POST', '/Users', { schemas: [USER, ext], userName: 'ignored.log', [ext]: { CustomAttribute: 'x' }, active: 'True' });
  assert.equal(res.status, 201);
  const line = requestLines().find((l) => l.method === 'POST' && l.tenantId === t.tenant.id);
  assert.ok(line);
  assert.deepEqual(line.compat, ['bool-string']);
  assert.deepEqual([...(line.ignored as string[])].sort(), [`attribute:${ext}:CustomAttribute`, `schema:${ext}`]);
});
