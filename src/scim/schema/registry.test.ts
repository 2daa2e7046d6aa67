import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isScimError } from '../errors.ts';
import { attribute } from './define.ts';
import { createSchemaRegistry, defaultRegistry } from './registry.ts';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from './types.ts';
import type { SchemaDefinition } from './types.ts';

const users = defaultRegistry.resourceSchema('User');
const groups = defaultRegistry.resourceSchema('Group');

type Row = [string, { uri?: string; name: string; sub?: string }, [string, boolean, string, string?] | undefined];
const rows: Row[] = [
  ['plain', { name: 'userName' }, [USER_SCHEMA, false, 'userName']],
  ['case-insensitive', { name: 'USERNAME' }, [USER_SCHEMA, false, 'userName']],
  ['sub', { name: 'name', sub: 'GIVENNAME' }, [USER_SCHEMA, false, 'name', 'givenName']],
  ['$ref sub', { name: 'groups', sub: '$REF' }, [USER_SCHEMA, false, 'groups', '$ref']],
  ['common id', { name: 'id' }, [USER_SCHEMA, false, 'id']],
  ['common meta sub', { name: 'meta', sub: 'lastModified' }, [USER_SCHEMA, false, 'meta', 'lastModified']],
  ['core URN qualified', { uri: USER_SCHEMA, name: 'userName' }, [USER_SCHEMA, false, 'userName']],
  ['core URN any case', { uri: USER_SCHEMA.toUpperCase(), name: 'externalId' }, [USER_SCHEMA, false, 'externalId']],
  ['common via core URN', { uri: USER_SCHEMA, name: 'meta', sub: 'created' }, [USER_SCHEMA, false, 'meta', 'created']],
  ['extension qualified', { uri: ENTERPRISE_USER_SCHEMA, name: 'employeeNumber' }, [ENTERPRISE_USER_SCHEMA, true, 'employeeNumber']],
  ['extension sub', { uri: ENTERPRISE_USER_SCHEMA.toLowerCase(), name: 'manager', sub: 'value' }, [ENTERPRISE_USER_SCHEMA, true, 'manager', 'value']],
  ['extension unqualified', { name: 'department' }, [ENTERPRISE_USER_SCHEMA, true, 'department']],
  ['unknown', { name: 'nope' }, undefined],
  ['unknown sub', { name: 'name', sub: 'nope' }, undefined],
  ['sub of simple', { name: 'userName', sub: 'x' }, undefined],
  ['wrong URN', { uri: GROUP_SCHEMA, name: 'userName' }, undefined],
  ['extension attr under core URN', { uri: USER_SCHEMA, name: 'department' }, undefined],
  ['core attr under extension URN', { uri: ENTERPRISE_USER_SCHEMA, name: 'userName' }, undefined],
  ['unknown URN', { uri: 'urn:example:x', name: 'userName' }, undefined],
  ['prototype key', { name: '__proto__' }, undefined],
  ['constructor', { name: 'constructor' }, undefined],
];

test('User resolution table', () => {
  for (const [label, path, expected] of rows) {
    const r = users.resolve(path);
    if (expected === undefined) {
      assert.equal(r, undefined, label);
      continue;
    }
    assert.ok(r, label);
    assert.deepEqual([r.schemaUrn, r.extension, r.attribute.name, r.sub?.name], [expected[0], expected[1], expected[2], expected[3]], label);
  }
});

test('Group resolution', () => {
  assert.equal(groups.resolve({ name: 'members', sub: 'value' })?.sub?.name, 'value');
  assert.equal(groups.resolve({ name: 'id' })?.attribute.name, 'id');
  assert.equal(groups.resolve({ uri: GROUP_SCHEMA, name: 'displayname' })?.attribute.name, 'displayName');
  assert.equal(groups.resolve({ name: 'userName' }), undefined);
  assert.equal(groups.resolve({ name: 'employeeNumber' }), undefined);
});

test('registry lookups', () => {
  assert.equal(defaultRegistry.resourceSchema('user'), users);
  assert.equal(defaultRegistry.resourceSchemaByEndpoint('/Groups'), groups);
  assert.equal(defaultRegistry.findResourceSchema('Nope'), undefined);
  assert.deepEqual(defaultRegistry.schemas().map((s) => s.id), [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA]);
  assert.deepEqual(defaultRegistry.resourceTypes().map((t) => t.name), ['User', 'Group']);
  assert.equal(defaultRegistry.schema(ENTERPRISE_USER_SCHEMA.toUpperCase())?.name, 'EnterpriseUser');
  assert.throws(() => defaultRegistry.resourceSchema('Nope'), (e) => isScimError(e) && e.status === 404);
});

const custom: SchemaDefinition = {
  id: 'urn:example:params:scim:schemas:extension:acme:2.0:User',
  name: 'AcmeUser',
  description: 'Acme',
  attributes: [attribute('badge', 'integer', 'Badge number'), attribute('department', 'string', 'Clash with enterprise')],
};

test('an extension is data only', () => {
  const reg = createSchemaRegistry({ extensions: [{ resourceType: 'user', schema: custom }] });
  const rs = reg.resourceSchema('User');
  assert.deepEqual(rs.resourceType.schemaExtensions.map((e) => [e.schema, e.required]), [
    [ENTERPRISE_USER_SCHEMA, false],
    [custom.id, false],
  ]);
  assert.equal(rs.resolve({ name: 'badge' })?.schemaUrn, custom.id);
  // `department` is now defined by two extensions: unqualified it is ambiguous.
  assert.equal(rs.resolve({ name: 'department' }), undefined);
  assert.equal(rs.resolve({ uri: custom.id, name: 'department' })?.schemaUrn, custom.id);
  assert.ok(reg.schemas().some((s) => s.id === custom.id));
  // The default registry is untouched.
  assert.equal(users.resolve({ name: 'badge' }), undefined);
});

test('bad registrations are refused at start-up', () => {
  const dup: SchemaDefinition = { ...custom, attributes: [attribute('a', 'string', ''), attribute('A', 'string', '')] };
  assert.throws(() => createSchemaRegistry({ extensions: [{ resourceType: 'User', schema: dup }] }), isScimError);
  assert.throws(() => createSchemaRegistry({ extensions: [{ resourceType: 'Device', schema: custom }] }), isScimError);
});
