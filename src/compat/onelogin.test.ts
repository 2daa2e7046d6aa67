import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { profileFor } from './index.ts';
import { patchOp, request } from './requests.test-support.ts';
import type { RequestSpec } from './requests.test-support.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const cases: { name: string; req: RequestSpec; body: unknown; applied: string[] }[] = [
  {
    name: 'legacy core and enterprise URNs, block key renamed (authentik#11249)',
    req: {
      method: 'POST',
      path: '/Users',
      body: { schemas: ['urn:scim:schemas:core:2.0', 'urn:scim:schemas:extension:enterprise:2.0'], userName: 'u', 'urn:scim:schemas:extension:enterprise:2.0': { department: 'D' } },
    },
    body: { schemas: [USER, ENT], userName: 'u', [ENT]: { department: 'D' } },
    applied: ['onelogin.legacy-schema-urn'],
  },
  {
    name: 'Core Schema template (urn:scim:schemas:core:1.0, scim.dev guide) on a group',
    req: { method: 'POST', path: '/Groups', body: { schemas: ['urn:scim:schemas:core:1.0'], displayName: 'G' } },
    body: { schemas: [GROUP], displayName: 'G' },
    applied: ['onelogin.legacy-schema-urn'],
  },
  {
    name: 'duplicate after mapping is removed',
    req: { method: 'PUT', path: '/Users/u1', body: { schemas: [USER, 'urn:scim:schemas:core:2.0'], userName: 'u' } },
    body: { schemas: [USER], userName: 'u' },
    applied: ['onelogin.legacy-schema-urn'],
  },
  {
    name: 'SCIM v2 Enterprise template with empty parameters (livingsecurity guide)',
    req: {
      method: 'POST',
      path: '/Users',
      body: {
        schemas: [USER, ENT],
        userName: 'jdoe@example.com',
        name: { familyName: ' User 01', givenName: 'J' },
        title: '',
        userType: '',
        timezone: '',
        active: 'true',
        emails: [{ value: 'jdoe@example.com', type: 'work', primary: true }],
        addresses: [{ locality: '', region: '', country: '' }],
        [ENT]: { organization: '', division: '', department: 'Sales', manager: { value: '', displayName: ' ' } },
      },
    },
    body: {
      schemas: [USER, ENT],
      userName: 'jdoe@example.com',
      name: { familyName: ' User 01', givenName: 'J' },
      active: true,
      emails: [{ value: 'jdoe@example.com', type: 'work', primary: true }],
      [ENT]: { department: 'Sales', manager: { displayName: ' ' } },
    },
    applied: ['onelogin.empty-string', 'bool-string'],
  },
  {
    name: 'an empty userName is dropped: the core then says it is required',
    req: { method: 'POST', path: '/Users', body: { schemas: [USER], userName: '' } },
    body: { schemas: [USER] },
    applied: ['onelogin.empty-string'],
  },
  {
    name: 'emails as a single object is wrapped (django-scim2 adapters.py)',
    req: { method: 'POST', path: '/Users', body: { schemas: [USER], userName: 'u', emails: { value: 'u@x.y', primary: 'True' } } },
    body: { schemas: [USER], userName: 'u', emails: [{ value: 'u@x.y', primary: true }] },
    applied: ['onelogin.single-object-multivalued', 'bool-string'],
  },
  {
    name: 'PATCH add emails with one object is wrapped; a value-filter element is not',
    req: {
      method: 'PATCH',
      path: '/Users/u1',
      body: patchOp({ op: 'add', path: 'emails', value: { value: 'a@b.c' } }, { op: 'replace', path: 'emails[type eq "work"]', value: { value: 'w@b.c' } }),
    },
    body: patchOp({ op: 'add', path: 'emails', value: [{ value: 'a@b.c' }] }, { op: 'replace', path: 'emails[type eq "work"]', value: { value: 'w@b.c' } }),
    applied: ['onelogin.single-object-multivalued'],
  },
  {
    name: 'untrimmed values are stored as sent (decision: no trimming)',
    req: { method: 'PUT', path: '/Users/u1', body: { schemas: [USER], userName: ' u ', name: { familyName: ' User 01' } } },
    body: { schemas: [USER], userName: ' u ', name: { familyName: ' User 01' } },
    applied: [],
  },
];

describe('onelogin profile', () => {
  for (const c of cases) {
    it(c.name, () => {
      const req = request({ ...c.req, idp: 'onelogin' });
      const before = structuredClone(req.body);
      const out = profileFor('onelogin').normalise(req);
      assert.deepEqual(out.request.body, c.body);
      assert.deepEqual(out.applied, c.applied);
      assert.deepEqual(req.body, before);
    });
  }

  it('generic leaves legacy URNs, empty strings and single objects for the core to refuse', () => {
    const body = { schemas: ['urn:scim:schemas:core:2.0'], userName: 'u', title: '', emails: { value: 'u@x.y' } };
    const req = request({ method: 'POST', path: '/Users', body });
    assert.equal(profileFor('generic').normalise(req).request, req);
  });
});
