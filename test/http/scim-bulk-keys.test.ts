/**
 * `POST /Bulk` member names are read case-insensitively (RFC 7643 §2.1) by
 * lower-casing them; a name that lower-cases to `__proto__` must not set a
 * prototype: it is refused with 400 invalidSyntax (docs/scim-api.md, Bulk).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BULK_REQ, q, startTestServer, tenant, USER } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';

let srv: TestServer;
let a: Client;

before(async () => {
  srv = await startTestServer();
  a = await tenant(srv);
});
after(() => srv.close());

const count = async (userName: string): Promise<number> =>
  (await a.call('GET', `/Users?filter=${q(`userName eq "${userName}"`)}`)).body.totalResults as number;

describe('bulk member names', () => {
  it('an operation made only of a "__PROTO__" member is refused (400), not run through the prototype', async () => {
    const r = await a.call('POST', '/Bulk', {
      schemas: [BULK_REQ],
      Operations: [{ __PROTO__: { method: 'POST', path: '/Users', bulkId: 'p1', data: { schemas: [USER], userName: 'proto-smuggled' } } }],
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const [op] = r.body.Operations;
    assert.equal(op.status, '400', JSON.stringify(op));
    assert.equal(op.response.scimType, 'invalidSyntax');
    assert.equal(await count('proto-smuggled'), 0);
  });

  it('a "__Proto__" member beside a valid operation fails that operation and pollutes nothing', async () => {
    const r = await a.call('POST', '/Bulk', {
      schemas: [BULK_REQ],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'p2', data: { schemas: [USER], userName: 'proto-beside' }, __Proto__: { polluted: true } },
        { method: 'POST', path: '/Users', bulkId: 'p3', data: { schemas: [USER], userName: 'proto-fine' } },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.Operations.map((o: { status: string }) => o.status), ['400', '201']);
    assert.deepEqual([r.body.Operations[0].method, r.body.Operations[0].bulkId], ['POST', 'p2']);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(await count('proto-beside'), 0);
  });

  it('a BulkRequest wrapped in "__PROTO__" is refused (400 invalidSyntax)', async () => {
    const r = await a.call('POST', '/Bulk', {
      __PROTO__: { schemas: [BULK_REQ], Operations: [{ method: 'POST', path: '/Users', bulkId: 'p4', data: { schemas: [USER], userName: 'proto-top' } }] },
    });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.scimType, 'invalidSyntax');
    assert.equal(await count('proto-top'), 0);
  });
});
