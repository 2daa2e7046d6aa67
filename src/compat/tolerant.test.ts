import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { profileFor } from './index.ts';
import { patchOp, request } from './requests.test-support.ts';
import type { IdpName } from '../domain/tenant.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CUSTOM = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';

const PROVIDERS: IdpName[] = ['entra', 'okta', 'jumpcloud', 'onelogin', 'google'];

describe('provider tenants drop and record what Roster does not know', () => {
  it('POST body: unknown schema URN, extension block, attributes and sub-attributes', () => {
    for (const idp of PROVIDERS) {
      const body = {
        schemas: [USER, CUSTOM, ENT],
        userName: 'a',
        favourite: 'red',
        name: { givenName: 'A', nick: 'x' },
        emails: [{ value: 'a@x', kind: 'x' }],
        [ENT]: { department: 'D', shoeSize: 42 },
        [CUSTOM]: { costCenter: '1' },
        [`${USER}:nope`]: 1,
      };
      const r = profileFor(idp).normalise(request({ method: 'POST', path: '/Users', body, idp }));
      assert.deepEqual(
        r.request.body,
        { schemas: [USER, ENT], userName: 'a', name: { givenName: 'A' }, emails: [{ value: 'a@x' }], [ENT]: { department: 'D' } },
        idp,
      );
      assert.deepEqual(
        r.ignored.map((i) => `${i.kind}:${i.name}`).sort(),
        [
          `attribute:${CUSTOM}:costCenter`,
          `attribute:${ENT}:shoeSize`,
          `attribute:${USER}:nope`,
          'attribute:emails.kind',
          'attribute:favourite',
          'attribute:name.nick',
          `schema:${CUSTOM}`,
        ].sort(),
        idp,
      );
      assert.equal(r.tolerant, true);
    }
  });

  it('PATCH: unknown paths are dropped (a lone one leaves a no-op), path-less keys and sub-attributes pruned', () => {
    const body = patchOp(
      { op: 'add', path: `${CUSTOM}:costCenter`, value: '1' },
      { op: 'replace', value: { favourite: 'x', 'name.nick': 'y', name: { givenName: 'G', nick: 'z' }, [ENT]: { department: 'D', shoe: 1 } } },
      { op: 'remove', path: 'name.nick' },
      { op: 'add', path: 'emails[type eq "work"]', value: { value: 'w@x', colour: 'red' } },
    );
    const r = profileFor('okta').normalise(request({ method: 'PATCH', path: '/Users/u1', body, idp: 'okta' }));
    assert.deepEqual(
      r.request.body,
      patchOp({ op: 'replace', value: { name: { givenName: 'G' }, [ENT]: { department: 'D' } } }, { op: 'add', path: 'emails[type eq "work"]', value: { value: 'w@x' } }),
    );
    assert.deepEqual(
      r.ignored.map((i) => i.name).sort(),
      [`${CUSTOM}:costCenter`, `${ENT}:shoe`, 'emails.colour', 'favourite', 'name.nick'].sort(),
    );
    const lone = profileFor('okta').normalise(request({ method: 'PATCH', path: '/Users/u1', body: patchOp({ op: 'add', path: 'nope', value: 1 }), idp: 'okta' }));
    assert.deepEqual(lone.request.body, patchOp({ op: 'add', value: {} }));
  });

  it('a path-less JSON object sent as a string is parsed and pruned too', () => {
    const body = patchOp({ op: 'replace', value: JSON.stringify({ displayName: 'G', colour: 'red' }) });
    const r = profileFor('okta').normalise(request({ method: 'PATCH', path: '/Groups/g1', body, idp: 'okta' }));
    assert.deepEqual(r.request.body, patchOp({ op: 'replace', value: { displayName: 'G' } }));
    assert.deepEqual(r.ignored, [{ kind: 'attribute', name: 'colour' }]);
    assert.ok(r.applied.includes('json-string-value'));
  });

  it('malformed and readOnly paths are left for the core to refuse', () => {
    const body = patchOp({ op: 'add', path: 'emails[type eq', value: 1 }, { op: 'replace', path: 'id', value: 'x' }, { op: 'replace', path: 'name[givenName eq "a"]', value: 1 });
    const r = profileFor('entra').normalise(request({ method: 'PATCH', path: '/Users/u1', body, idp: 'entra' }));
    assert.deepEqual(r.request.body, body);
    assert.deepEqual(r.ignored, []);
  });

  it('generic changes nothing and records nothing (the core refuses)', () => {
    const body = { schemas: [USER, CUSTOM], userName: 'a', favourite: 'x', [CUSTOM]: { costCenter: '1' } };
    const r = profileFor('generic').normalise(request({ method: 'POST', path: '/Users', body }));
    assert.equal(r.request.body, body);
    assert.deepEqual(r.ignored, []);
    assert.equal(r.tolerant, false);
  });
});

describe('bool-string-path: quoted booleans in PATCH path filters (provider tenants)', () => {
  it('rewrites only boolean sub-attributes, any case', () => {
    const body = patchOp(
      { op: 'Replace', path: 'roles[primary eq "True"].value', value: 'r' },
      { op: 'Replace', path: 'emails[primary eq "FALSE" and type eq "true"].value', value: 'e' },
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'w' },
    );
    const r = profileFor('entra').normalise(request({ method: 'PATCH', path: '/Users/u1', body, idp: 'entra' }));
    const ops = (r.request.body as { Operations: { path: string }[] }).Operations.map((o) => o.path);
    assert.deepEqual(ops, ['roles[primary eq true].value', 'emails[primary eq false and type eq "true"].value', 'emails[type eq "work"].value']);
    assert.ok(r.applied.includes('bool-string-path'));
    const g = profileFor('generic').normalise(request({ method: 'PATCH', path: '/Users/u1', body }));
    assert.equal((g.request.body as { Operations: { path: string }[] }).Operations[0]?.path, 'roles[primary eq "True"].value');
  });
});

describe('entra.role-display-name', () => {
  it("maps Entra's roles[].displayName to display (an element's own display wins)", () => {
    const body = { schemas: [USER], userName: 'a', roles: [{ displayName: 'Admin', value: 'a' }, { displayName: 'X', display: 'Own', value: 'b' }] };
    const r = profileFor('entra').normalise(request({ method: 'POST', path: '/Users', body, idp: 'entra' }));
    assert.deepEqual((r.request.body as { roles: unknown }).roles, [{ value: 'a', display: 'Admin' }, { display: 'Own', value: 'b' }]);
    assert.ok(r.applied.includes('entra.role-display-name'));
    assert.deepEqual(r.ignored, []);
  });
});
