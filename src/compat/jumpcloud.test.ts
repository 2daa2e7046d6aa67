import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { profileFor } from './index.ts';
import { patchOp, request } from './requests.test-support.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

// Shapes of the JumpCloud fixtures in Paul-E/scim-v2-rust src/test_data/ (commit cdf46ea).
describe('jumpcloud profile', () => {
  it('full PUT: extension URN first, SP id echoed, tel: phone, emails null and addresses [] are noted, unchanged', () => {
    const body = {
      schemas: [ENT, USER],
      id: 'u1',
      externalId: '65f0c0ffee0123456789abcd',
      userName: 'jdoe',
      active: true,
      emails: null,
      addresses: [],
      phoneNumbers: [{ type: 'work', value: 'tel:+1-555-555-0100' }],
      [ENT]: { department: 'Eng' },
    };
    const req = request({ method: 'PUT', path: '/Users/u1', body, idp: 'jumpcloud' });
    const out = profileFor('jumpcloud').normalise(req);
    assert.equal(out.request, req, 'nothing rewritten');
    assert.deepEqual(out.applied, ['jumpcloud.cleared-multivalued', 'jumpcloud.put-id-echo']);
  });

  it('member removal by path "members" + value list is noted (the core removes only those)', () => {
    const out = profileFor('jumpcloud').normalise(
      request({ method: 'PATCH', path: '/Groups/g1', body: patchOp({ op: 'remove', path: 'members', value: [{ value: 'u1' }] }), idp: 'jumpcloud' }),
    );
    assert.deepEqual(out.applied, ['members-remove-values']);
  });

  it('create with members (JumpCloud never creates empty groups) passes through', () => {
    const body = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'G', members: [{ value: 'u1' }] };
    const req = request({ method: 'POST', path: '/Groups', body, idp: 'jumpcloud' });
    assert.equal(profileFor('jumpcloud').normalise(req).request, req);
  });
});
