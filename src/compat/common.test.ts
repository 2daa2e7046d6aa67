import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IDPS } from '../domain/tenant.ts';
import { profileFor } from './index.ts';
import { patchOp, request } from './requests.test-support.ts';
import type { RequestSpec } from './requests.test-support.ts';

interface Case {
  readonly name: string;
  readonly req: RequestSpec;
  readonly body: unknown;
  readonly applied: readonly string[];
}

const PATCH_USER = { method: 'PATCH', path: '/Users/u1' } as const;

// The shared tolerances: every profile, generic included, must give these results.
const cases: Case[] = [
  {
    name: 'capitalised op values are lowercased (Entra default mode)',
    req: { ...PATCH_USER, body: patchOp({ op: 'Replace', path: 'displayName', value: 'x' }, { op: 'Add', path: 'nickName', value: 'Babs' }, { op: 'Remove', path: 'title' }) },
    body: patchOp({ op: 'replace', path: 'displayName', value: 'x' }, { op: 'add', path: 'nickName', value: 'Babs' }, { op: 'remove', path: 'title' }),
    applied: ['op-case'],
  },
  {
    name: 'an unknown op is left for the core to refuse',
    req: { ...PATCH_USER, body: patchOp({ op: 'Merge', path: 'displayName', value: 'x' }) },
    body: patchOp({ op: 'Merge', path: 'displayName', value: 'x' }),
    applied: [],
  },
  {
    name: '"False" for active by path becomes false',
    req: { ...PATCH_USER, body: patchOp({ op: 'Replace', path: 'active', value: 'False' }) },
    body: patchOp({ op: 'replace', path: 'active', value: false }),
    applied: ['op-case', 'bool-string'],
  },
  {
    name: 'case-insensitive, also through a URN-qualified path',
    req: { ...PATCH_USER, body: patchOp({ op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:active', value: 'TRUE' }) },
    body: patchOp({ op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:active', value: true }),
    applied: ['bool-string'],
  },
  {
    name: 'primary through a value-filter path',
    req: { ...PATCH_USER, body: patchOp({ op: 'replace', path: 'emails[type eq "work"].primary', value: 'true' }) },
    body: patchOp({ op: 'replace', path: 'emails[type eq "work"].primary', value: true }),
    applied: ['bool-string'],
  },
  {
    name: 'primary inside a multi-valued add value',
    req: { ...PATCH_USER, body: patchOp({ op: 'add', path: 'roles', value: [{ value: 'admin', primary: 'True' }] }) },
    body: patchOp({ op: 'add', path: 'roles', value: [{ value: 'admin', primary: true }] }),
    applied: ['bool-string'],
  },
  {
    name: 'path-less value object',
    req: { ...PATCH_USER, body: patchOp({ op: 'replace', value: { active: 'false', emails: [{ value: 'a@b.c', primary: 'True' }] } }) },
    body: patchOp({ op: 'replace', value: { active: false, emails: [{ value: 'a@b.c', primary: true }] } }),
    applied: ['bool-string'],
  },
  {
    name: 'a string attribute that says "true" stays a string',
    req: { ...PATCH_USER, body: patchOp({ op: 'replace', path: 'title', value: 'True' }) },
    body: patchOp({ op: 'replace', path: 'title', value: 'True' }),
    applied: [],
  },
  {
    name: '"yes" is not a boolean: left for the core to refuse',
    req: { ...PATCH_USER, body: patchOp({ op: 'replace', path: 'active', value: 'yes' }) },
    body: patchOp({ op: 'replace', path: 'active', value: 'yes' }),
    applied: [],
  },
  {
    name: 'create body: active and roles[].primary (Entra validator)',
    req: {
      method: 'POST',
      path: '/Users',
      body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'a', active: 'True', roles: [{ value: 'r', primary: 'True' }], displayName: 'False' },
    },
    body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'a', active: true, roles: [{ value: 'r', primary: true }], displayName: 'False' },
    applied: ['bool-string'],
  },
  {
    name: 'bulk operations are normalised one by one (RFC 7644 §3.7)',
    req: {
      method: 'POST',
      path: '/Bulk',
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
        Operations: [
          { method: 'PATCH', path: '/Users/u1', data: patchOp({ op: 'Replace', path: 'active', value: 'False' }) },
          { method: 'POST', path: '/Users', bulkId: 'b1', data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'x', active: 'true' } },
          { method: 'DELETE', path: '/Users/u2' },
        ],
      },
    },
    body: {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        { method: 'PATCH', path: '/Users/u1', data: patchOp({ op: 'replace', path: 'active', value: false }) },
        { method: 'POST', path: '/Users', bulkId: 'b1', data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'x', active: true } },
        { method: 'DELETE', path: '/Users/u2' },
      ],
    },
    applied: ['op-case', 'bool-string'],
  },
  {
    name: 'remove on members with a value list is noted (the core removes only those)',
    req: { method: 'PATCH', path: '/Groups/g1', body: patchOp({ op: 'Remove', path: 'members', value: [{ value: 'u1' }] }) },
    body: patchOp({ op: 'remove', path: 'members', value: [{ value: 'u1' }] }),
    applied: ['op-case', 'members-remove-values'],
  },
];

describe('shared tolerances (every profile)', () => {
  for (const idp of IDPS) {
    for (const c of cases) {
      it(`${idp}: ${c.name}`, () => {
        const req = request({ ...c.req, idp });
        const frozen = structuredClone(req.body);
        const out = profileFor(idp).normalise(req);
        assert.deepEqual(out.request.body, c.body);
        assert.deepEqual(out.applied.filter((n) => !n.includes('.')), c.applied);
        assert.deepEqual(req.body, frozen, 'the input request is never mutated');
        if (c.applied.length === 0) assert.equal(out.request, req);
        assert.equal(out.request.tenant, req.tenant, 'fields the profile does not read are carried through');
        assert.equal(out.request.headers, req.headers);
      });
    }
  }
});

describe('query strings (checked, no rewrite needed)', () => {
  it('a + in the query is a space (Entra "Get User by query")', () => {
    const req = request({ method: 'GET', path: '/Users?filter=userName+eq+%22Test_User%22' });
    assert.equal(req.query.get('filter'), 'userName eq "Test_User"');
  });
  it("OneLogin's stray trailing & is ignored", () => {
    const req = request({ method: 'GET', path: '/Users?filter=userName%20eq%20%22a%40b.c%22&' });
    assert.deepEqual([...req.query.entries()], [['filter', 'userName eq "a@b.c"']]);
  });
  it("OneLogin's stray trailing ? gives an empty query and the same path", () => {
    const req = request({ method: 'GET', path: '/Users/abc?' });
    assert.deepEqual(req.segments, ['Users', 'abc']);
    assert.equal([...req.query.keys()].length, 0);
  });
  it('GET without a filter passes through untouched', () => {
    const req = request({ method: 'GET', path: '/Users?startIndex=1&count=2' });
    const out = profileFor('entra').normalise(req);
    assert.equal(out.request, req);
    assert.deepEqual(out.applied, []);
  });
});

describe('patchOptions', () => {
  it('only entra upserts through an unmatched value filter', () => {
    for (const idp of IDPS) {
      const out = profileFor(idp).normalise(request({ method: 'GET', path: '/Users' }));
      assert.equal(out.patchOptions.upsertOnNoMatch, idp === 'entra', idp);
    }
  });
});
