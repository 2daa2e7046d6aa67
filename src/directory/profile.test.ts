import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePath } from '../scim/path/parse.ts';
import { defaultRegistry } from '../scim/schema/registry.ts';
import { validateResource } from '../scim/schema/validate.ts';
import { PROFILE_MAPPING, toPlatformProfile } from './profile.ts';

const rs = defaultRegistry.resourceSchema('User');
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

test('every row of the mapping names a real SCIM attribute (seed 002)', () => {
  assert.equal(PROFILE_MAPPING.length, 13);
  for (const m of PROFILE_MAPPING) {
    const path = parsePath(m.scimPath);
    const resolved = rs.resolve(path.attr);
    assert.ok(resolved, m.scimPath);
    if (path.subAttr !== undefined) assert.ok(resolved.attribute.subAttributes?.some((s) => s.name === path.subAttr), m.scimPath);
  }
});

test('a provider-shaped user maps field by field, values exactly as sent', () => {
  const user = validateResource(
    rs,
    {
      schemas: [USER],
      userName: 'Test_User@contoso.com',
      name: { givenName: ' Barbara', familyName: 'Jensen' },
      title: 'Tour Guide',
      active: true,
      emails: [
        { type: 'home', value: 'babs@home.example' },
        { type: 'Work', value: 'bjensen@example.com', primary: true },
      ],
      phoneNumbers: [
        { type: 'work', value: 'tel:+1-555-555-5555' },
        { type: 'mobile', value: '+1 (555) 555-4444' },
      ],
      addresses: [{ type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood', region: 'CA', postalCode: '91608', country: 'USA' }],
    },
    'create',
  );
  assert.deepEqual(toPlatformProfile(rs, user), {
    username: 'Test_User@contoso.com',
    firstName: ' Barbara',
    lastName: 'Jensen',
    email: 'bjensen@example.com',
    mobileNumber: '+1 (555) 555-4444',
    workNumber: 'tel:+1-555-555-5555',
    position: 'Tour Guide',
    streetAddress: '100 Universal City Plaza',
    city: 'Hollywood',
    state: 'CA',
    postalCode: '91608',
    country: 'USA',
    status: 'active',
  });
});

test('missing values stay unset; active false is inactive; active not sent is active', () => {
  assert.deepEqual(toPlatformProfile(rs, { schemas: [USER], userName: 'a', active: false, emails: [{ type: 'home', value: 'h@x' }] }), {
    username: 'a',
    status: 'inactive',
  });
  assert.deepEqual(toPlatformProfile(rs, { schemas: [USER], userName: 'b' }), { username: 'b', status: 'active' });
});
