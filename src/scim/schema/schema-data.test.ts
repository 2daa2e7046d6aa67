import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commonAttributes } from './common.ts';
import { enterpriseUserSchema } from './enterprise-user.ts';
import { groupResourceType, groupSchema } from './group.ts';
import { userResourceType, userSchema } from './user.ts';
import type { AttributeDefinition } from './types.ts';

const CHARACTERISTICS = ['name', 'type', 'multiValued', 'description', 'required', 'caseExact', 'mutability', 'returned', 'uniqueness'] as const;

function walk(attrs: readonly AttributeDefinition[], visit: (a: AttributeDefinition, path: string) => void, prefix = ''): void {
  const seen = new Set<string>();
  for (const a of attrs) {
    const path = `${prefix}${a.name}`;
    assert.ok(!seen.has(a.name.toLowerCase()), `duplicate name ${path}`);
    seen.add(a.name.toLowerCase());
    visit(a, path);
    if (a.subAttributes) walk(a.subAttributes, visit, `${path}.`);
  }
}

const all = { common: commonAttributes, user: userSchema.attributes, group: groupSchema.attributes, enterprise: enterpriseUserSchema.attributes };

test('every attribute carries every characteristic, names unique case-insensitively', () => {
  for (const [schema, attrs] of Object.entries(all)) {
    walk(attrs, (a, path) => {
      for (const c of CHARACTERISTICS) assert.notEqual(a[c], undefined, `${schema} ${path} lacks ${c}`);
      assert.equal(a.type === 'complex', a.subAttributes !== undefined && a.subAttributes.length > 0, `${schema} ${path} complex/subs`);
      if (a.type === 'reference') assert.ok(a.referenceTypes && a.referenceTypes.length > 0, `${path} needs referenceTypes`);
      assert.ok(Object.isFrozen(a), `${path} frozen`);
    });
  }
});

const byPath = (attrs: readonly AttributeDefinition[], path: string): AttributeDefinition => {
  const [top, sub] = path.split('.');
  const a = attrs.find((x) => x.name === top);
  assert.ok(a, path);
  if (sub === undefined) return a;
  const s = a.subAttributes?.find((x) => x.name === sub);
  assert.ok(s, path);
  return s;
};

// Spot checks against RFC 7643 §8.7.1 and §3.1.
const spot: Array<[readonly AttributeDefinition[], string, Partial<AttributeDefinition>]> = [
  [commonAttributes, 'id', { caseExact: true, mutability: 'readOnly', returned: 'always', uniqueness: 'server' }],
  [commonAttributes, 'externalId', { caseExact: true, mutability: 'readWrite', returned: 'default' }],
  [commonAttributes, 'meta', { type: 'complex', mutability: 'readOnly' }],
  [commonAttributes, 'meta.created', { type: 'dateTime' }],
  [commonAttributes, 'meta.location', { type: 'reference', referenceTypes: ['uri'] }],
  [userSchema.attributes, 'userName', { required: true, caseExact: false, uniqueness: 'server', returned: 'default' }],
  [userSchema.attributes, 'name.givenName', { type: 'string', caseExact: false }],
  [userSchema.attributes, 'profileUrl', { type: 'reference', referenceTypes: ['external'] }],
  [userSchema.attributes, 'active', { type: 'boolean' }],
  [userSchema.attributes, 'password', { mutability: 'writeOnly', returned: 'never', caseExact: false }],
  [userSchema.attributes, 'emails', { multiValued: true, type: 'complex' }],
  [userSchema.attributes, 'emails.type', { canonicalValues: ['work', 'home', 'other'] }],
  [userSchema.attributes, 'phoneNumbers.type', { canonicalValues: ['work', 'home', 'mobile', 'fax', 'pager', 'other'] }],
  [userSchema.attributes, 'ims.type', { canonicalValues: ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo'] }],
  [userSchema.attributes, 'photos.value', { type: 'reference', referenceTypes: ['external'] }],
  [userSchema.attributes, 'photos.type', { canonicalValues: ['photo', 'thumbnail'] }],
  [userSchema.attributes, 'addresses.type', { canonicalValues: ['work', 'home', 'other'] }],
  [userSchema.attributes, 'groups', { mutability: 'readOnly', multiValued: true }],
  [userSchema.attributes, 'groups.$ref', { mutability: 'readOnly', referenceTypes: ['User', 'Group'] }],
  [userSchema.attributes, 'groups.type', { canonicalValues: ['direct', 'indirect'] }],
  [userSchema.attributes, 'x509Certificates.value', { type: 'binary' }],
  [userSchema.attributes, 'emails.primary', { type: 'boolean' }],
  [groupSchema.attributes, 'displayName', { required: true, uniqueness: 'server' }],
  [groupSchema.attributes, 'members.value', { mutability: 'immutable', required: true }],
  [groupSchema.attributes, 'members.type', { mutability: 'immutable', canonicalValues: ['User', 'Group'] }],
  [enterpriseUserSchema.attributes, 'manager.displayName', { mutability: 'readOnly' }],
  [enterpriseUserSchema.attributes, 'manager.$ref', { referenceTypes: ['User'] }],
  [enterpriseUserSchema.attributes, 'employeeNumber', { type: 'string', caseExact: false }],
];

test('RFC 7643 §8.7.1 spot checks', () => {
  for (const [attrs, path, expected] of spot) {
    const a = byPath(attrs, path);
    for (const [k, v] of Object.entries(expected)) assert.deepEqual(a[k as keyof AttributeDefinition], v, `${path}.${k}`);
  }
});

test('user attributes are the RFC 7643 §4.1 set, in order', () => {
  assert.deepEqual(
    userSchema.attributes.map((a) => a.name),
    ['userName', 'name', 'displayName', 'nickName', 'profileUrl', 'title', 'userType', 'preferredLanguage', 'locale', 'timezone', 'active', 'password', 'emails', 'phoneNumbers', 'ims', 'photos', 'addresses', 'groups', 'entitlements', 'roles', 'x509Certificates'],
  );
  assert.deepEqual(enterpriseUserSchema.attributes.map((a) => a.name), ['employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager']);
});

test('resource types', () => {
  assert.deepEqual(
    { ...userResourceType, schemaExtensions: [...userResourceType.schemaExtensions] },
    {
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: 'urn:ietf:params:scim:schemas:core:2.0:User',
      schemaExtensions: [{ schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', required: false }],
    },
  );
  assert.equal(groupResourceType.endpoint, '/Groups');
  assert.equal(groupResourceType.schema, 'urn:ietf:params:scim:schemas:core:2.0:Group');
});
