// docs/reliability.md IN-8 / RL-2: a small body that nests deeply is a 400, never a 500
// (found in review: an 8 KB PATCH value nested 4,000 deep overflowed the stack).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parsePatchRequest } from '../../src/scim/patch/parse.ts';
import { isScimError } from '../../src/scim/errors.ts';
import { scim, startTestServer } from '../helpers/server.ts';
import type { TestServer } from '../helpers/server.ts';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
/** JSON text of `[[[…]]]` nested `depth` deep (built as text: the client must not recurse either). */
const nestedText = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
const withNested = (template: unknown, depth: number): string => JSON.stringify(template).replace('"@NESTED@"', nestedText(depth));

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

test('PATCH and Bulk bodies nested thousands deep get 400 invalidSyntax; the resource is unchanged', async () => {
  const t = await srv.createTenant('deep', 'entra');
  const call = scim(t.baseUrl, t.apiKey);
  const u = await call('POST', '/Users', { schemas: [USER], userName: 'deep.user', nickName: 'before' });
  assert.equal(u.status, 201);
  for (const depth of [65, 4000]) {
    const headers = { 'content-type': 'application/scim+json' };
    const patch = await call('PATCH', `/Users/${u.body.id}`, withNested({ schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'nickName', value: '@NESTED@' }] }, depth), headers);
    assert.equal(patch.status, 400, `depth ${depth}`);
    assert.equal(patch.body.scimType, 'invalidSyntax');
    const bulk = await call('POST', '/Bulk', withNested({
      schemas: [BULK],
      Operations: [{ method: 'POST', path: '/Users', bulkId: 'q', data: { schemas: [USER], userName: 'x', k: '@NESTED@' } }],
    }, depth * 2), headers);
    assert.equal(bulk.status, 400, `bulk depth ${depth}`);
    assert.equal(bulk.body.scimType, 'invalidSyntax');
  }
  const now = await call('GET', `/Users/${u.body.id}`);
  assert.equal(now.body.nickName, 'before');
  assert.ok(!srv.logs().includes('unhandled error'), 'no 500 was logged');
});

test('the PATCH core itself refuses values nested deeper than 64 with invalidValue (library use, no transport)', () => {
  assert.throws(
    () => parsePatchRequest({ schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'nickName', value: JSON.parse(nestedText(10_000)) }] }),
    (e: unknown) => isScimError(e) && e.scimType === 'invalidValue',
  );
});
