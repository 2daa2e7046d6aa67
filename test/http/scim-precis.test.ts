/**
 * Lookalike identifiers over HTTP (docs/schema.md "Identifiers"): a variant of an
 * existing userName / Group displayName is refused (400 invalidValue) or collides
 * (409 uniqueness) on POST, PUT, PATCH and Bulk — never created; nothing is written.
 * Real non-ASCII names are accepted and found by filters.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { BULK_REQ, createGroup, createUser, dump, group, GROUP, patch, q, startTestServer, tenant, user, USER } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

/** Lookalikes of `base`: each must give 400 invalidValue or 409 uniqueness. */
const variants = (base: string): [string, string][] => [
  [`${base} `, 'trailing space'],
  [`${base}\u200b`, 'zero width space'],
  [` ${base}`, 'leading space'],
  [`${base}\t`, 'tab'],
  [`${base.slice(0, 2)}\u200d${base.slice(2)}`, 'ZWJ'],
  [`${base.slice(0, 2)}\u00ad${base.slice(2)}`, 'soft hyphen'],
  [`${base.slice(0, 2)}\u2060${base.slice(2)}`, 'word joiner'],
  [`\ufeff${base}`, 'BOM'],
  [`\u202e${base}`, 'right-to-left override'],
  [`${base}\u0000`, 'NUL'],
  [base.replace('a', '\u0430'), 'Cyrillic a'],
  [`${base.slice(0, 1)}\u0334${base.slice(1)}`, 'uncomposed combining overlay'],
  [`\u0301${base}`, 'combining accent first'],
  [base.toUpperCase(), 'upper case'],
  [base.replace(/[a-zA-Z]/g, (c) => String.fromCodePoint((c.codePointAt(0) as number) + 0xfee0)), 'fullwidth'],
];

const EXPECTED = new Set(['400 invalidValue', '409 uniqueness']);
const outcome = (r: { status: number; body: { scimType?: string } }): string => `${r.status} ${r.body.scimType}`;

for (const [kind, base, path, body] of [
  ['User', 'alice', '/Users', (n: string) => user(n)],
  ['Group', 'Sales', '/Groups', (n: string) => group(n)],
] as const) {
  const attr = kind === 'User' ? 'userName' : 'displayName';
  describe(`${kind} ${attr}: lookalikes of "${base}" are never created`, () => {
    let c: Client;
    let otherId: string;
    let before: string;
    const make = (n: string): Promise<string> => (kind === 'User' ? createUser(c, n) : createGroup(c, n));
    it('setup', async () => {
      c = await tenant(srv);
      await make(base);
      otherId = await make(kind === 'User' ? 'bob' : 'Support');
      before = await dump(srv.store, c.tenantId);
    });
    for (const [value, what] of variants(base)) {
      it(`${what}: POST, PUT, PATCH and Bulk answer 400 invalidValue or 409 uniqueness`, async () => {
        const post = await c.call('POST', path, body(value));
        assert.ok(EXPECTED.has(outcome(post)), `POST ${JSON.stringify(value)}: ${outcome(post)}`);
        const got = await c.call('GET', `${path}/${otherId}`);
        const put = await c.call('PUT', `${path}/${otherId}`, { ...got.body, [attr]: value });
        assert.ok(EXPECTED.has(outcome(put)), `PUT ${JSON.stringify(value)}: ${outcome(put)}`);
        const p1 = await c.call('PATCH', `${path}/${otherId}`, patch({ op: 'replace', path: attr, value }));
        assert.ok(EXPECTED.has(outcome(p1)), `PATCH ${JSON.stringify(value)}: ${outcome(p1)}`);
        const p2 = await c.call('PATCH', `${path}/${otherId}`, patch({ op: 'replace', value: { [attr]: value } }));
        assert.ok(EXPECTED.has(outcome(p2)), `PATCH (no path) ${JSON.stringify(value)}: ${outcome(p2)}`);
        const b = await c.call('POST', '/Bulk', {
          schemas: [BULK_REQ],
          Operations: [
            { method: 'POST', path, bulkId: 'n', data: body(value) },
            { method: 'PUT', path: `${path}/${otherId}`, data: { schemas: [kind === 'User' ? USER : GROUP], [attr]: value } },
            { method: 'PATCH', path: `${path}/${otherId}`, data: patch({ op: 'replace', path: attr, value }) },
          ],
        });
        assert.equal(b.status, 200);
        for (const op of b.body.Operations as { status: string; response?: { scimType?: string } }[]) {
          assert.ok(EXPECTED.has(`${op.status} ${op.response?.scimType}`), `Bulk ${JSON.stringify(value)}: ${JSON.stringify(op)}`);
        }
        assert.equal(await dump(srv.store, c.tenantId), before, 'nothing written');
      });
    }
    it(`an ${attr} eq filter with a refused value matches nothing (no 500)`, async () => {
      for (const [value] of variants(base)) {
        const r = await c.call('GET', `${path}?filter=${q(`${attr} eq ${JSON.stringify(value)}`)}`);
        // The filter grammar itself refuses NUL in a string (docs/filters.md): 400, never 500.
        if (value.includes('\u0000')) {
          assert.equal(outcome(r), '400 invalidFilter');
          continue;
        }
        assert.equal(r.status, 200, `${JSON.stringify(value)} ${JSON.stringify(r.body)}`);
        const upperOrWide = value.trim() === value && !/[^\p{L}]/u.test(value) && value.normalize('NFKC').toLowerCase() === base.toLowerCase();
        assert.equal(r.body.totalResults, upperOrWide ? 1 : 0, JSON.stringify(value));
      }
    });
  });
}

describe('real names are accepted', () => {
  const names = ['jos\u00e9', 'Zo\u00eb', '\u5c71\u7530', '\u0395\u03bb\u03ad\u03bd\u03b7', '\u0905\u0928\u093f\u0932 \u0915\u0941\u092e\u093e\u0930', '\u0645\u062d\u0645\u062f', '\u0418\u0432\u0430\u043d', 'Nguy\u1ec5n', "o'brien@example.com", 'Mary Ann'];
  it('as userName and as Group displayName, stored as sent and found by eq in another case', async () => {
    const c = await tenant(srv);
    for (const n of names) {
      const u = await c.call('POST', '/Users', user(n));
      assert.equal(u.status, 201, `${n}: ${JSON.stringify(u.body)}`);
      assert.equal(u.body.userName, n);
      const g = await c.call('POST', '/Groups', group(`${n} team`));
      assert.equal(g.status, 201, `${n}: ${JSON.stringify(g.body)}`);
      const f = await c.call('GET', `/Users?filter=${q(`userName eq ${JSON.stringify(n.toUpperCase())}`)}`);
      assert.deepEqual(f.body.Resources?.map((r: { id: string }) => r.id), [u.body.id], n);
    }
    // A decomposed accent is the same name as the composed one.
    const dup = await c.call('POST', '/Users', user('jose\u0301'));
    assert.equal(outcome(dup), '409 uniqueness');
  });
});

describe('rows written before the rule', () => {
  it('stay readable and updatable while they keep their name; the name cannot be set to another refused value', async () => {
    const c = await tenant(srv);
    const id = randomUUID();
    const ts = new Date().toISOString();
    await srv.store.insertResource({ tenantId: c.tenantId, type: 'User', id, data: { schemas: [USER], userName: 'old\u200bname', active: true }, version: 1, created: ts, lastModified: ts });
    const got = await c.call('GET', `/Users/${id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.userName, 'old\u200bname');
    const deactivate = await c.call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: false }));
    assert.equal(deactivate.status, 200, JSON.stringify(deactivate.body));
    const put = await c.call('PUT', `/Users/${id}`, { ...got.body, title: 'kept' });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(outcome(await c.call('PUT', `/Users/${id}`, { ...got.body, userName: 'old\u200cname' })), '400 invalidValue');
    const renamed = await c.call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'userName', value: 'oldname' }));
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.equal(renamed.body.userName, 'oldname');
  });
});
