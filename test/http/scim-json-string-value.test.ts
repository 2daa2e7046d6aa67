// Issue "What real identity providers send and Roster refuses": a path-less PATCH
// value sent as a string holding a JSON object (a widely deployed Keycloak SCIM
// plugin's group reconcile) is accepted on every tenant; anything else stays 400
// (docs/patch.md "Path-less value as a JSON string").
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PATCH_OP, group, startTestServer, tenant, user } from './scim-helpers.ts';
import type { TestServer } from './scim-helpers.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

const patch = (...ops: unknown[]): Record<string, unknown> => ({ schemas: [PATCH_OP], Operations: ops });

describe('a path-less value that is a JSON object in a string (Keycloak SCIM plugin group reconcile)', () => {
  it('is accepted on generic and provider tenants; anything else stays 400', async () => {
    for (const idp of ['generic', 'okta', 'entra'] as const) {
      const c = await tenant(srv, idp);
      const a = (await c.call('POST', '/Users', user(`kc.${idp}`))).body.id as string;
      const g = await c.call('POST', '/Groups', group(`KC ${idp}`));
      const value = JSON.stringify({ displayName: `KC renamed ${idp}`, members: [{ value: a }] });
      const r = await c.call('PATCH', `/Groups/${g.body.id}`, patch({ op: 'replace', value }));
      assert.ok(r.status === 200 || r.status === 204, `${idp} ${JSON.stringify(r.body)}`);
      const got = await c.call('GET', `/Groups/${g.body.id}`);
      assert.equal(got.body.displayName, `KC renamed ${idp}`);
      assert.deepEqual((got.body.members as { value: string }[]).map((m) => m.value), [a]);
      for (const bad of ['"just a string"', '[1,2]', '{not json', 'plain', `${'{"a":'.repeat(70)}1${'}'.repeat(70)}`]) {
        const b = await c.call('PATCH', `/Groups/${g.body.id}`, patch({ op: 'add', value: bad }));
        assert.deepEqual([b.status, b.body.scimType], [400, 'invalidValue'], `${idp} ${bad.slice(0, 20)}`);
      }
      // A string through a path is a value of that attribute, not parsed.
      const s = await c.call('PATCH', `/Groups/${g.body.id}`, patch({ op: 'replace', path: 'displayName', value: '{"x":1}' }));
      assert.ok(s.status === 200 || s.status === 204);
      assert.equal((await c.call('GET', `/Groups/${g.body.id}`)).body.displayName, '{"x":1}');
    }
  });

  it('an unknown attribute inside the string: ignored and recorded on provider tenants, invalidValue on generic', async () => {
    const value = JSON.stringify({ displayName: 'KC colour', colour: 'red' });
    const o = await tenant(srv, 'okta');
    const og = await o.call('POST', '/Groups', group('KC okta colour'));
    const r = await o.call('PATCH', `/Groups/${og.body.id}`, patch({ op: 'replace', value }));
    assert.ok(r.status === 200 || r.status === 204, JSON.stringify(r.body));
    assert.deepEqual((await srv.store.listIgnoredInput(o.tenantId)).map((x) => x.name), ['colour']);
    const g = await tenant(srv, 'generic');
    const gg = await g.call('POST', '/Groups', group('KC generic colour'));
    const gr = await g.call('PATCH', `/Groups/${gg.body.id}`, patch({ op: 'replace', value }));
    assert.deepEqual([gr.status, gr.body.scimType], [400, 'invalidValue']);
  });
});
