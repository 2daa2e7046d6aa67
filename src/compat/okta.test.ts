import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { profileFor } from './index.ts';
import { patchOp, request } from './requests.test-support.ts';
import type { RequestSpec } from './requests.test-support.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

// Bodies from Okta's "SCIM 2.0 Protocol Reference" (okta-developer-docs scim-20/scim-index.md).
const cases: { name: string; req: RequestSpec; body: unknown; applied: string[] }[] = [
  {
    name: '"Create the User": the placeholder password is dropped, groups: [] kept for the core to ignore',
    req: {
      method: 'POST',
      path: '/Users',
      body: { schemas: [USER], userName: 'test.user@okta.local', name: { givenName: 'Test', familyName: 'User' }, externalId: '00ujl29u0le5T6Aj10h7', groups: [], password: '1mz050nq', active: true },
    },
    body: { schemas: [USER], userName: 'test.user@okta.local', name: { givenName: 'Test', familyName: 'User' }, externalId: '00ujl29u0le5T6Aj10h7', groups: [], active: true },
    applied: ['okta.placeholder-password'],
  },
  {
    name: '"Update a specific User (PATCH)": path-less deactivate is noted, unchanged',
    req: { method: 'PATCH', path: '/Users/u1', body: patchOp({ op: 'replace', value: { active: false } }) },
    body: patchOp({ op: 'replace', value: { active: false } }),
    applied: ['okta.pathless-deactivate'],
  },
  {
    name: '"Update a specific User (PUT)": echoed id/meta/groups noted, unchanged',
    req: { method: 'PUT', path: '/Users/u1', body: { schemas: [USER], id: 'u1', userName: 'a', groups: [], meta: { resourceType: 'User' } } },
    body: { schemas: [USER], id: 'u1', userName: 'a', groups: [], meta: { resourceType: 'User' } },
    applied: ['okta.put-readonly-echo'],
  },
  {
    name: 'a PUT keeps password (only the create placeholder is dropped)',
    req: { method: 'PUT', path: '/Users/u1', body: { schemas: [USER], userName: 'a', password: 'p' } },
    body: { schemas: [USER], userName: 'a', password: 'p' },
    applied: [],
  },
  {
    name: '"Update a specific Group name": the group\'s own id is dropped from the path-less value',
    req: { method: 'PATCH', path: '/Groups/g1', body: patchOp({ op: 'replace', value: { id: 'g1', displayName: 'Test SCIMv2' } }) },
    body: patchOp({ op: 'replace', value: { displayName: 'Test SCIMv2' } }),
    applied: ['okta.pathless-readonly-id'],
  },
  {
    name: 'a different id is left for the core to refuse',
    req: { method: 'PATCH', path: '/Groups/g1', body: patchOp({ op: 'replace', value: { id: 'other', displayName: 'X' } }) },
    body: patchOp({ op: 'replace', value: { id: 'other', displayName: 'X' } }),
    applied: [],
  },
  {
    name: '"Update specific Group membership": remove by filter + add, unchanged',
    req: {
      method: 'PATCH',
      path: '/Groups/g1',
      body: patchOp({ op: 'remove', path: 'members[value eq "89bb1940"]' }, { op: 'add', path: 'members', value: [{ value: '23a35c27', display: 'test.user@okta.local' }] }),
    },
    body: patchOp({ op: 'remove', path: 'members[value eq "89bb1940"]' }, { op: 'add', path: 'members', value: [{ value: '23a35c27', display: 'test.user@okta.local' }] }),
    applied: [],
  },
  {
    name: 'empty push: replace members [] is RFC and unchanged',
    req: { method: 'PATCH', path: '/Groups/g1', body: patchOp({ op: 'replace', path: 'members', value: [] }) },
    body: patchOp({ op: 'replace', path: 'members', value: [] }),
    applied: [],
  },
  {
    name: '"Create Groups" with members: [] unchanged',
    req: { method: 'POST', path: '/Groups', body: { schemas: [GROUP], displayName: 'Test SCIMv2', members: [] } },
    body: { schemas: [GROUP], displayName: 'Test SCIMv2', members: [] },
    applied: [],
  },
];

describe('okta profile', () => {
  for (const c of cases) {
    it(c.name, () => {
      const req = request({ ...c.req, idp: 'okta' });
      const before = structuredClone(req.body);
      const out = profileFor('okta').normalise(req);
      assert.deepEqual(out.request.body, c.body);
      assert.deepEqual(out.applied, c.applied);
      assert.deepEqual(req.body, before);
      assert.equal(out.patchOptions.upsertOnNoMatch, false);
    });
  }
});
