import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { profileFor } from './index.ts';
import { patchOp, request } from './requests.test-support.ts';
import type { RequestSpec } from './requests.test-support.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

interface Case {
  readonly name: string;
  readonly req: RequestSpec;
  /** Expected body (omit for a GET). */
  readonly body?: unknown;
  /** Expected `filter` query parameter. */
  readonly filter?: string;
  readonly applied: readonly string[];
}

const P = { method: 'PATCH', path: '/Users/u1' } as const;

const cases: Case[] = [
  {
    // known-issues page, "Requests to replace multiple attributes", with aadOptscim062020.
    name: 'path-less replace with path keys is noted (the core resolves them)',
    req: {
      ...P,
      body: patchOp(
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'TestMhvaes@test.microsoft.com' },
        { op: 'replace', value: { displayName: 'Bjfe', 'name.givenName': 'Kkom', 'name.familyName': 'Unua', [`${ENT}:employeeNumber`]: 'Aklq' } },
      ),
    },
    body: patchOp(
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'TestMhvaes@test.microsoft.com' },
      { op: 'replace', value: { displayName: 'Bjfe', 'name.givenName': 'Kkom', 'name.familyName': 'Unua', [`${ENT}:employeeNumber`]: 'Aklq' } },
    ),
    // The core resolves path keys itself (src/scim/patch/apply.ts): only noted.
    applied: ['entra.pathless-dotted-keys', 'entra.filter-upsert'],
  },
  {
    name: 'an extension block key in a path-less value is not a path',
    req: { ...P, body: patchOp({ op: 'Add', value: { [ENT]: { department: 'X' } } }) },
    body: patchOp({ op: 'add', value: { [ENT]: { department: 'X' } } }),
    applied: ['op-case'],
  },
  {
    // tutorial, "Example 5": manager as an array of one reference.
    name: 'manager as [{$ref, value}] → the object',
    req: { ...P, body: patchOp({ op: 'Add', path: 'manager', value: [{ $ref: 'http://x/Users/m1', value: 'm1' }] }) },
    body: patchOp({ op: 'add', path: 'manager', value: { $ref: 'http://x/Users/m1', value: 'm1' } }),
    applied: ['op-case', 'entra.manager-shape'],
  },
  {
    name: 'manager by URN path as a bare id string → {value}',
    req: { ...P, body: patchOp({ op: 'replace', path: `${ENT}:manager`, value: 'm1' }) },
    body: patchOp({ op: 'replace', path: `${ENT}:manager`, value: { value: 'm1' } }),
    applied: ['entra.manager-shape'],
  },
  {
    name: 'manager {value} is already right',
    req: { ...P, body: patchOp({ op: 'replace', path: `${ENT}:manager`, value: { value: 'm1' } }) },
    body: patchOp({ op: 'replace', path: `${ENT}:manager`, value: { value: 'm1' } }),
    applied: [],
  },
  {
    name: 'manager "" clears it: a remove op',
    req: { ...P, body: patchOp({ op: 'Replace', path: `${ENT}:manager`, value: '' }) },
    body: patchOp({ op: 'remove', path: `${ENT}:manager` }),
    applied: ['op-case', 'entra.manager-clear'],
  },
  {
    name: 'manager as a path key of a path-less replace',
    req: { ...P, body: patchOp({ op: 'replace', value: { [`${ENT}:manager`]: 'm2', displayName: 'D' } }) },
    body: patchOp({ op: 'replace', value: { [`${ENT}:manager`]: { value: 'm2' }, displayName: 'D' } }),
    applied: ['entra.pathless-dotted-keys', 'entra.manager-shape'],
  },
  {
    name: 'manager "" as a path key of a path-less replace: a remove op follows',
    req: { ...P, body: patchOp({ op: 'replace', value: { [`${ENT}:manager`]: '', displayName: 'D' } }, { op: 'replace', value: { [`${ENT}:manager`]: [] } }) },
    body: patchOp({ op: 'replace', value: { displayName: 'D' } }, { op: 'remove', path: `${ENT}:manager` }, { op: 'remove', path: `${ENT}:manager` }),
    applied: ['entra.pathless-dotted-keys', 'entra.manager-clear'],
  },
  {
    name: 'manager in the enterprise block of a path-less add',
    req: { ...P, body: patchOp({ op: 'add', value: { [ENT]: { manager: [{ value: 'm4' }] } } }) },
    body: patchOp({ op: 'add', value: { [ENT]: { manager: { value: 'm4' } } } }),
    applied: ['entra.manager-shape'],
  },
  {
    name: 'manager.value path is left alone',
    req: { ...P, body: patchOp({ op: 'replace', path: `${ENT}:manager.value`, value: 'm3' }) },
    body: patchOp({ op: 'replace', path: `${ENT}:manager.value`, value: 'm3' }),
    applied: [],
  },
  {
    // tutorial, schema example ("manager": "123456") and "Example 2" (typo URN, top-level nulls).
    name: 'create body: typo URN, top-level department/manager, client meta, nulls',
    req: {
      method: 'POST',
      path: '/Users',
      body: {
        schemas: [USER, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User'],
        externalId: 'jyoung',
        userName: 'jyoung@testuser.com',
        active: true,
        addresses: null,
        meta: { resourceType: 'User' },
        department: 'Sales',
        manager: null,
      },
    },
    body: {
      schemas: [USER, ENT],
      externalId: 'jyoung',
      userName: 'jyoung@testuser.com',
      active: true,
      addresses: null,
      meta: { resourceType: 'User' },
      [ENT]: { department: 'Sales' },
    },
    applied: ['entra.enterprise-urn-typo', 'entra.top-level-enterprise', 'entra.client-meta'],
  },
  {
    name: 'create body: manager as a bare string in the block',
    req: { method: 'POST', path: '/Users', body: { schemas: [USER, ENT], userName: 'a', [ENT]: { manager: '123456' } } },
    body: { schemas: [USER, ENT], userName: 'a', [ENT]: { manager: { value: '123456' } } },
    applied: ['entra.manager-shape'],
  },
  {
    name: 'typo URN as a block key is renamed',
    req: { method: 'PUT', path: '/Users/u1', body: { schemas: [USER, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User'], userName: 'a', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User': { department: 'D' } } },
    body: { schemas: [USER, ENT], userName: 'a', [ENT]: { department: 'D' } },
    applied: ['entra.enterprise-urn-typo'],
  },
  {
    // tutorial, "Create Group".
    name: 'group create: the ADSCIM schema URN is dropped',
    req: {
      method: 'POST',
      path: '/Groups',
      body: { schemas: [GROUP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'], externalId: 'e1', displayName: 'displayName', meta: { resourceType: 'Group' } },
    },
    body: { schemas: [GROUP], externalId: 'e1', displayName: 'displayName', meta: { resourceType: 'Group' } },
    applied: ['entra.legacy-group-schema', 'entra.client-meta'],
  },
  {
    // tutorial, "Example 1".
    name: 'unquoted filter value is quoted',
    req: { method: 'GET', path: '/Users?filter=externalId eq jyoung' },
    filter: 'externalId eq "jyoung"',
    applied: ['entra.unquoted-filter'],
  },
  {
    // tutorial, "/Users": matching on emails[type eq "work"].
    name: 'valuePath sub-attribute comparison is flattened into the value filter',
    req: { method: 'GET', path: `/Users?filter=${encodeURIComponent('emails[type eq "work"].value eq "a@b.c"')}` },
    filter: 'emails[type eq "work" and value eq "a@b.c"]',
    applied: ['entra.valuepath-subattr-filter'],
  },
  {
    name: 'quoted filter untouched',
    req: { method: 'GET', path: '/Users?filter=userName+eq+%22a%22' },
    filter: 'userName eq "a"',
    applied: [],
  },
  {
    name: 'POST .search filter is fixed in the body',
    req: { method: 'POST', path: '/Users/.search', body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'externalId eq jyoung' } },
    body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'externalId eq "jyoung"' },
    applied: ['entra.unquoted-filter'],
  },
];

describe('entra profile', () => {
  for (const c of cases) {
    it(c.name, () => {
      const req = request({ ...c.req, idp: 'entra' });
      const before = structuredClone(req.body);
      const out = profileFor('entra').normalise(req);
      if (c.body !== undefined) assert.deepEqual(out.request.body, c.body);
      if (c.filter !== undefined) assert.equal(out.request.query.get('filter'), c.filter);
      assert.deepEqual(out.applied, c.applied);
      assert.deepEqual(req.body, before, 'input not mutated');
      assert.equal(out.patchOptions.upsertOnNoMatch, true);
    });
  }

  it('generic does not fix manager shapes or quote filters (RFC as written)', () => {
    const g = profileFor('generic');
    const body = patchOp({ op: 'replace', value: { 'name.givenName': 'K' } }, { op: 'replace', path: `${ENT}:manager`, value: 'm1' });
    assert.deepEqual(g.normalise(request({ ...P, body })).request.body, body);
    const q = g.normalise(request({ method: 'GET', path: '/Users?filter=externalId eq jyoung' }));
    assert.equal(q.request.query.get('filter'), 'externalId eq jyoung');
  });
});
