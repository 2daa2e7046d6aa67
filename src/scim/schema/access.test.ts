import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readAttribute, removeAttribute, writeAttribute } from './access.ts';
import { defaultRegistry } from './registry.ts';
import { enterpriseUser, fullUser } from './rfc-examples.test-support.ts';
import { ENTERPRISE_USER_SCHEMA as ENT, USER_SCHEMA } from './types.ts';

const users = defaultRegistry.resourceSchema('User');
const r = (name: string, sub?: string, uri?: string) => {
  const res = users.resolve({ name, ...(sub ? { sub } : {}), ...(uri ? { uri } : {}) });
  assert.ok(res, name);
  return res;
};

test('readAttribute', () => {
  assert.equal(readAttribute(fullUser, r('userName')), 'bjensen@example.com');
  assert.equal(readAttribute(fullUser, r('name', 'givenName')), 'Barbara');
  assert.deepEqual(readAttribute(fullUser, r('emails', 'value')), ['bjensen@example.com', 'babs@jensen.org']);
  assert.deepEqual(readAttribute(fullUser, r('emails', 'primary')), [true]);
  assert.equal(readAttribute(fullUser, r('meta', 'resourceType')), 'User');
  assert.equal(readAttribute(enterpriseUser, r('manager', 'value')), '26118915-6090-4610-87e4-49d8ca9f808d');
  assert.equal(readAttribute(enterpriseUser, r('employeeNumber', undefined, ENT)), '701984');
  assert.equal(readAttribute(fullUser, r('employeeNumber')), undefined);
  assert.equal(readAttribute(fullUser, r('nickName', undefined)), 'Babs');
  assert.equal(readAttribute({ schemas: [USER_SCHEMA] }, r('name', 'givenName')), undefined);
  assert.equal(readAttribute({ userName: null }, r('userName')), undefined);
  assert.equal(readAttribute({ emails: [{ type: 'work' }] }, r('emails', 'value')), undefined);
});

test('writeAttribute / removeAttribute are pure', () => {
  const base = structuredClone(fullUser);
  const a = writeAttribute(base, r('name', 'givenName'), 'Babs');
  assert.deepEqual(base, fullUser);
  assert.equal((a['name'] as Record<string, unknown>)['givenName'], 'Babs');
  assert.equal((a['name'] as Record<string, unknown>)['familyName'], 'Jensen');

  const b = writeAttribute({ schemas: [USER_SCHEMA], userName: 'x' }, r('manager', 'value'), 'm1');
  assert.deepEqual(b, { schemas: [USER_SCHEMA, ENT], userName: 'x', [ENT]: { manager: { value: 'm1' } } });
  const c = removeAttribute(b, r('manager', 'value'));
  assert.deepEqual(c, { schemas: [USER_SCHEMA], userName: 'x' });

  const d = writeAttribute(fullUser, r('emails', 'type'), 'other');
  assert.deepEqual(readAttribute(d, r('emails', 'type')), ['other', 'other']);
  const e = removeAttribute(fullUser, r('emails'));
  assert.equal(e['emails'], undefined);
  assert.ok(!Object.hasOwn(e, 'emails'));
  assert.deepEqual(removeAttribute({ schemas: [USER_SCHEMA] }, r('nickName')), { schemas: [USER_SCHEMA] });
  assert.deepEqual(writeAttribute({ userName: 'a' }, r('nickName'), null), { userName: 'a' });
});

test('hostile containers are read as absent', () => {
  const hostile = JSON.parse('{"__proto__":{"userName":"evil"},"name":"not-an-object"}') as Record<string, unknown>;
  assert.equal(readAttribute(hostile, r('userName')), undefined);
  assert.equal(readAttribute(hostile, r('name', 'givenName')), undefined);
  const inherited = Object.create({ userName: 'inherited' }) as Record<string, unknown>;
  assert.equal(readAttribute(inherited, r('userName')), undefined);
});
