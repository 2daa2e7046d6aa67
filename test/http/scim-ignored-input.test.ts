// Issue "What real identity providers send and Roster refuses": on provider tenants
// unknown extension schemas, attributes and sub-attributes never fail a request (they
// are ignored, logged and recorded per tenant); `generic` refuses the same unknown
// name with the same scimType in POST, PUT and PATCH (docs/identity-providers.md
// "Ignored input", docs/schema.md).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BULK_REQ, ENTERPRISE, PATCH_OP, USER, startTestServer, tenant, user } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';
import type { IdpName } from '../../src/domain/tenant.ts';

const CUSTOM = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
const COST = `${CUSTOM}:costCenter`;

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

const patch = (...ops: unknown[]): Record<string, unknown> => ({ schemas: [PATCH_OP], Operations: ops });
const withCustom = (userName: string): Record<string, unknown> => user(userName, { schemas: [USER, CUSTOM], [CUSTOM]: { costCenter: '42' }, displayName: 'Custom' });

function requestLines(tenantId: string): Record<string, unknown>[] {
  return srv
    .logs()
    .split('\n')
    .filter((l) => l.includes('"msg":"request"') && l.includes(tenantId))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function created(c: Client, body: Record<string, unknown>): Promise<string> {
  const r = await c.call('POST', '/Users', body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id as string;
}

describe('an Entra custom extension attribute (Entra: provisioning custom extension attributes to SCIM apps)', () => {
  it('is accepted on POST, PUT, PATCH by path and path-less; ignored, recorded with first/last seen and count, logged', async () => {
    const c = await tenant(srv, 'entra');
    const post = await c.call('POST', '/Users', withCustom('ext.user'));
    assert.equal(post.status, 201, JSON.stringify(post.body));
    assert.equal(post.body.displayName, 'Custom');
    assert.deepEqual(post.body.schemas, [USER]);
    assert.equal(post.body[CUSTOM], undefined);
    const id = post.body.id as string;
    const put = await c.call('PUT', `/Users/${id}`, { ...withCustom('ext.user'), displayName: 'Put' });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.displayName, 'Put');
    const byPath = await c.call('PATCH', `/Users/${id}`, patch({ op: 'Add', path: COST, value: '7' }, { op: 'Replace', path: 'title', value: 'Boss' }));
    assert.equal(byPath.status, 200, JSON.stringify(byPath.body));
    assert.equal(byPath.body.title, 'Boss');
    const pathless = await c.call('PATCH', `/Users/${id}`, patch({ op: 'Replace', value: { [COST]: '8', displayName: 'Pathless' } }));
    assert.equal(pathless.status, 200, JSON.stringify(pathless.body));
    assert.equal(pathless.body.displayName, 'Pathless');
    // Only the unknown operation: a no-op, still 200.
    const only = await c.call('PATCH', `/Users/${id}`, patch({ op: 'Add', path: COST, value: '9' }));
    assert.equal(only.status, 200, JSON.stringify(only.body));
    assert.equal(only.body.meta.version, pathless.body.meta.version);
    const got = await c.call('GET', `/Users/${id}`);
    assert.equal(JSON.stringify(got.body).includes('costCenter'), false);

    const rows = await srv.store.listIgnoredInput(c.tenantId);
    const cost = rows.find((r) => r.kind === 'attribute' && r.name === COST);
    assert.ok(cost, JSON.stringify(rows));
    assert.equal(cost.count, 5);
    assert.ok(cost.firstSeen <= cost.lastSeen);
    assert.ok(Date.parse(cost.firstSeen) > 0);
    assert.ok(rows.some((r) => r.kind === 'schema' && r.name === CUSTOM));
    const lines = requestLines(c.tenantId).filter((l) => l.method === 'PATCH');
    assert.ok(lines.length >= 3);
    for (const l of lines) assert.ok((l.ignored as string[]).includes(`attribute:${COST}`), JSON.stringify(l));
  });

  it('every provider tenant kind accepts it; generic refuses it with the same scimType in POST, PUT and PATCH', async () => {
    for (const idp of ['entra', 'okta', 'jumpcloud', 'onelogin', 'google'] as IdpName[]) {
      const c = await tenant(srv, idp);
      const r = await c.call('POST', '/Users', withCustom(`ext.${idp}`));
      assert.equal(r.status, 201, `${idp}: ${JSON.stringify(r.body)}`);
      const rows = await srv.store.listIgnoredInput(c.tenantId);
      assert.ok(rows.some((x) => x.name === COST), idp);
    }
    const g = await tenant(srv, 'generic');
    const id = await created(g, user('generic.user'));
    const answers = [
      await g.call('POST', '/Users', withCustom('generic.ext')),
      await g.call('POST', '/Users', user('generic.ext2', { [CUSTOM]: { costCenter: '42' } })),
      await g.call('PUT', `/Users/${id}`, withCustom('generic.user')),
      await g.call('PATCH', `/Users/${id}`, patch({ op: 'add', path: COST, value: '7' })),
      await g.call('PATCH', `/Users/${id}`, patch({ op: 'replace', value: { [COST]: '8' } })),
    ];
    for (const a of answers) assert.deepEqual([a.status, a.body.scimType], [400, 'invalidValue'], JSON.stringify(a.body));
    assert.deepEqual(await srv.store.listIgnoredInput(g.tenantId), []);
  });
});

describe('unknown attributes and sub-attributes: one rule for bodies, path-less values and paths', () => {
  it('provider tenant: ignored and recorded in all three; generic: invalidValue in all three', async () => {
    const e = await tenant(srv, 'okta');
    const id = await created(e, user('unknown.okta', { favourite: 'red', name: { givenName: 'A', nick: 'x' } }));
    const p1 = await e.call('PATCH', `/Users/${id}`, patch({ op: 'replace', value: { favourite: 'blue', name: { givenName: 'B', nick: 'y' } } }));
    assert.equal(p1.status, 200, JSON.stringify(p1.body));
    assert.deepEqual(p1.body.name, { givenName: 'B' });
    const p2 = await e.call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'favourite', value: 'green' }, { op: 'replace', path: 'name.nick', value: 'z' }, { op: 'replace', path: 'title', value: 'T' }));
    assert.equal(p2.status, 200, JSON.stringify(p2.body));
    assert.equal(p2.body.title, 'T');
    const names = (await srv.store.listIgnoredInput(e.tenantId)).map((r) => `${r.kind}:${r.name}:${r.count}`);
    assert.deepEqual(names.sort(), ['attribute:favourite:3', 'attribute:name.nick:3']);

    const g = await tenant(srv, 'generic');
    const gid = await created(g, user('unknown.generic'));
    const answers = [
      await g.call('POST', '/Users', user('u2', { favourite: 'red' })),
      await g.call('POST', '/Users', user('u3', { name: { nick: 'x' } })),
      await g.call('PUT', `/Users/${gid}`, user('unknown.generic', { favourite: 'red' })),
      await g.call('PATCH', `/Users/${gid}`, patch({ op: 'replace', value: { favourite: 'blue' } })),
      await g.call('PATCH', `/Users/${gid}`, patch({ op: 'replace', value: { name: { nick: 'y' } } })),
      await g.call('PATCH', `/Users/${gid}`, patch({ op: 'replace', path: 'favourite', value: 'green' })),
      await g.call('PATCH', `/Users/${gid}`, patch({ op: 'replace', path: 'name.nick', value: 'z' })),
    ];
    for (const a of answers) assert.deepEqual([a.status, a.body.scimType], [400, 'invalidValue'], JSON.stringify(a.body));
  });

  it("Entra's complex role body keeps the role's name (displayName → display)", async () => {
    const c = await tenant(srv, 'entra');
    const roles = [{ primary: 'True', type: 'WindowsAzureActiveDirectoryRole', displayName: 'Admin', value: 'admin-id' }];
    const r = await c.call('POST', '/Users', user('role.user', { roles }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(r.body.roles, [{ value: 'admin-id', display: 'Admin', type: 'WindowsAzureActiveDirectoryRole', primary: true }]);
    const p = await c.call('PATCH', `/Users/${r.body.id}`, patch({ op: 'Add', path: 'roles', value: [{ displayName: 'Reader', value: 'reader-id' }] }));
    assert.equal(p.status, 200, JSON.stringify(p.body));
    assert.ok((p.body.roles as { display?: string }[]).some((x) => x.display === 'Reader'));
    // generic: displayName is not a sub-attribute of roles.
    const g = await tenant(srv, 'generic');
    const gr = await g.call('POST', '/Users', user('role.generic', { roles: [{ displayName: 'Admin', value: 'a' }] }));
    assert.deepEqual([gr.status, gr.body.scimType], [400, 'invalidValue']);
  });
});

describe('quoted booleans in PATCH path filters (Entra app-role mapping roles[primary eq "True"])', () => {
  it('entra: roles[primary eq "True"].value/.display/.type replace, and the other operations apply', async () => {
    const c = await tenant(srv, 'entra');
    const id = await created(c, user('bool.path', { roles: [{ primary: true, value: 'old', display: 'Old' }, { value: 'other' }], emails: [{ value: 'a@x', primary: true }] }));
    const r = await c.call(
      'PATCH',
      `/Users/${id}`,
      patch(
        { op: 'Replace', path: 'roles[primary eq "True"].value', value: 'new' },
        { op: 'Replace', path: 'roles[primary eq "True"].display', value: 'New' },
        { op: 'Replace', path: 'roles[primary eq "true"].type', value: 'WindowsAzureActiveDirectoryRole' },
        { op: 'Replace', path: 'emails[primary eq "TRUE"].value', value: 'b@x' },
        { op: 'Replace', path: 'title', value: 'Applied' },
      ),
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.roles, [{ value: 'new', display: 'New', type: 'WindowsAzureActiveDirectoryRole', primary: true }, { value: 'other' }]);
    assert.deepEqual(r.body.emails, [{ value: 'b@x', primary: true }]);
    assert.equal(r.body.title, 'Applied');
    assert.ok((requestLines(c.tenantId).find((l) => l.method === 'PATCH')?.compat as string[]).includes('bool-string-path'));
  });

  it('generic stays strict: a quoted boolean in a path filter is refused', async () => {
    const g = await tenant(srv, 'generic');
    const id = await created(g, user('bool.generic', { roles: [{ primary: true, value: 'old' }] }));
    const r = await g.call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'roles[primary eq "True"].value', value: 'new' }));
    assert.equal(r.status, 400);
  });
});

describe('enterprise attributes are still applied on provider tenants', () => {
  it('okta: a known extension beside an unknown one is kept', async () => {
    const c = await tenant(srv, 'okta');
    const r = await c.call('POST', '/Users', user('both.ext', { schemas: [USER, ENTERPRISE, CUSTOM], [ENTERPRISE]: { department: 'D', nope: 1 }, [CUSTOM]: { costCenter: '1' } }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(r.body[ENTERPRISE], { department: 'D' });
    assert.deepEqual(r.body.schemas, [USER, ENTERPRISE]);
    const names = (await srv.store.listIgnoredInput(c.tenantId)).map((x) => x.name);
    assert.ok(names.includes(`${ENTERPRISE}:nope`) && names.includes(COST) && names.includes(CUSTOM), JSON.stringify(names));
  });
});

describe('Bulk carries the same rule', () => {
  it('okta: a custom extension inside a Bulk POST and PATCH is ignored and recorded; generic: the operations fail invalidValue', async () => {
    const bulk = (id?: string): Record<string, unknown> => ({
      schemas: [BULK_REQ],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'u', data: withCustom(`bulk.custom.${id ?? 'new'}`) },
        ...(id !== undefined ? [{ method: 'PATCH', path: `/Users/${id}`, data: patch({ op: 'add', path: COST, value: '1' }) }] : []),
      ],
    });
    const o = await tenant(srv, 'okta');
    const oid = await created(o, user('bulk.okta'));
    const r = await o.call('POST', '/Bulk', bulk(oid));
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.Operations.map((x: { status: string }) => x.status), ['201', '200']);
    assert.equal((await srv.store.listIgnoredInput(o.tenantId)).find((x) => x.name === COST)?.count, 1);
    const g = await tenant(srv, 'generic');
    const gid = await created(g, user('bulk.generic'));
    const gr = await g.call('POST', '/Bulk', bulk(gid));
    assert.equal(gr.status, 200);
    assert.deepEqual(gr.body.Operations.map((x: { status: string; response?: { scimType?: string } }) => [x.status, x.response?.scimType]), [['400', 'invalidValue'], ['400', 'invalidValue']]);
  });
});
