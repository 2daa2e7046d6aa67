/**
 * RFC 9865 cursor paging over HTTP, and the cursor codec itself: forward and
 * backward walks, tampered / foreign / expired cursors.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createCursorCodec } from '../../src/http/cursor.ts';
import { isScimError } from '../../src/scim/errors.ts';
import { createUser, q, startTestServer, tenant } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';

let srv: TestServer;
let a: Client;
let b: Client;

before(async () => {
  srv = await startTestServer();
  a = await tenant(srv);
  b = await tenant(srv);
  for (let i = 0; i < 11; i++) await createUser(a, `c-${String(i).padStart(2, '0')}`, { title: i % 2 === 0 ? 'even' : 'odd' });
  await createUser(b, 'c-b');
});
after(() => srv.close());

const names = (body: { Resources: { userName: string }[] }): string[] => body.Resources.map((r) => r.userName);

describe('cursor paging', () => {
  it('walks forward then backward with stable pages (sorted, with ties)', async () => {
    const base = `/Users?sortBy=title&sortOrder=descending&count=4`;
    const pages: string[][] = [];
    let r = await a.call('GET', `${base}&cursor=`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.previousCursor, undefined);
    assert.equal(r.body.startIndex, undefined);
    pages.push(names(r.body));
    const cursors: string[] = [];
    while (r.body.nextCursor !== undefined) {
      cursors.push(r.body.nextCursor);
      r = await a.call('GET', `${base}&cursor=${q(r.body.nextCursor)}`);
      assert.equal(r.status, 200);
      assert.equal(typeof r.body.previousCursor, 'string');
      pages.push(names(r.body));
    }
    assert.deepEqual(pages.map((p) => p.length), [4, 4, 3]);
    const all = pages.flat();
    assert.equal(new Set(all).size, 11);
    // Index paging gives the same order.
    const idx = await a.call('GET', `/Users?sortBy=title&sortOrder=descending&count=11`);
    assert.deepEqual(names(idx.body), all);
    // Back from the last page.
    const back = await a.call('GET', `${base}&cursor=${q(r.body.previousCursor)}`);
    assert.deepEqual(names(back.body), pages[1]);
    const back2 = await a.call('GET', `${base}&cursor=${q(back.body.previousCursor)}`);
    assert.deepEqual(names(back2.body), pages[0]);
    assert.equal(back2.body.previousCursor, undefined);
    assert.equal(typeof back2.body.nextCursor, 'string');
  });

  it('unsorted walk covers everything once; the token reveals nothing readable', async () => {
    let r = await a.call('GET', '/Users?count=5&cursor=');
    const seen = names(r.body);
    while (r.body.nextCursor !== undefined) {
      assert.doesNotMatch(Buffer.from(r.body.nextCursor, 'base64url').toString('latin1'), /c-\d|User|[0-9a-f]{8}-/);
      r = await a.call('GET', `/Users?count=5&cursor=${q(r.body.nextCursor)}`);
      seen.push(...names(r.body));
    }
    assert.equal(seen.length, 11);
    assert.equal(new Set(seen).size, 11);
  });

  it('tampered, garbage, other filter or other tenant → 400 invalidCursor', async () => {
    const first = await a.call('GET', `/Users?count=3&filter=${q('userName sw "c-"')}&cursor=`);
    const cur = first.body.nextCursor as string;
    const flipped = cur.slice(0, 10) + (cur[10] === 'A' ? 'B' : 'A') + cur.slice(11);
    const cases: [Client, string][] = [
      [a, `/Users?count=3&filter=${q('userName sw "c-"')}&cursor=${q(flipped)}`],
      [a, `/Users?count=3&filter=${q('userName sw "c-"')}&cursor=garbage!!`],
      [a, `/Users?count=3&filter=${q('userName sw "c-0"')}&cursor=${q(cur)}`],
      [a, `/Users?count=3&filter=${q('userName sw "c-"')}&sortBy=userName&cursor=${q(cur)}`],
      [a, `/Groups?count=3&filter=${q('displayName sw "c-"')}&cursor=${q(cur)}`],
      [b, `/Users?count=3&filter=${q('userName sw "c-"')}&cursor=${q(cur)}`],
    ];
    for (const [c, path] of cases) {
      const r = await c.call('GET', path);
      assert.equal(r.status, 400, path);
      assert.equal(r.body.scimType, 'invalidCursor', path);
    }
    const ok = await a.call('GET', `/Users?count=3&filter=${q('userName sw "c-"')}&cursor=${q(cur)}`);
    assert.equal(ok.status, 200);
  });

  it('cursor with startIndex → 400 invalidValue', async () => {
    const r = await a.call('GET', '/Users?cursor=&startIndex=2');
    assert.equal(r.status, 400);
    assert.equal(r.body.scimType, 'invalidValue');
  });
});

describe('cursor codec', () => {
  const binding = { tenantId: 't1', resourceType: 'User', filter: '', sort: '' };
  it('round-trips and expires', () => {
    let now = new Date('2025-01-01T00:00:00Z');
    const codec = createCursorCodec(randomBytes(32), { timeoutSeconds: 60, now: () => now });
    const token = codec.encode({ sortValue: 'x', id: 'id-1', direction: 'after' }, binding);
    assert.deepEqual(codec.decode(token, binding), { sortValue: 'x', id: 'id-1', direction: 'after' });
    now = new Date('2025-01-01T00:02:00Z');
    assert.throws(() => codec.decode(token, binding), (e: unknown) => isScimError(e) && e.scimType === 'expiredCursor');
  });
  it('another key or binding → invalidCursor', () => {
    const c1 = createCursorCodec(randomBytes(32));
    const c2 = createCursorCodec(randomBytes(32));
    const token = c1.encode({ sortValue: null, id: 'id-1', direction: 'before' }, binding);
    assert.throws(() => c2.decode(token, binding), (e: unknown) => isScimError(e) && e.scimType === 'invalidCursor');
    assert.throws(() => c1.decode(token, { ...binding, tenantId: 't2' }), (e: unknown) => isScimError(e) && e.scimType === 'invalidCursor');
    assert.throws(() => c1.decode('', binding), (e: unknown) => isScimError(e) && e.scimType === 'invalidCursor');
  });
});
