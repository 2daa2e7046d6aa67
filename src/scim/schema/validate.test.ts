import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isScimError } from '../errors.ts';
import type { ScimType } from '../errors.ts';
import { projectResource } from './project.ts';
import { defaultRegistry } from './registry.ts';
import { enterpriseUser, fullUser, group, minimalUser } from './rfc-examples.test-support.ts';
import { ENTERPRISE_USER_SCHEMA as ENT, GROUP_SCHEMA, USER_SCHEMA } from './types.ts';
import type { ScimResource } from './types.ts';
import { coerceAttributeValue, isDateTime, validateResource } from './validate.ts';

const users = defaultRegistry.resourceSchema('User');
const groups = defaultRegistry.resourceSchema('Group');
const u = (extra: Record<string, unknown>) => ({ schemas: [USER_SCHEMA], userName: 'bjensen', ...extra });

function scimTypeOf(fn: () => unknown): ScimType | 'none' | 'other' {
  try {
    fn();
    return 'none';
  } catch (e) {
    return isScimError(e) ? (e.scimType ?? 'other') : 'other';
  }
}

const without = (r: ScimResource, ...keys: string[]): ScimResource =>
  Object.fromEntries(Object.entries(r).filter(([k]) => !keys.includes(k)));

test('RFC 7643 §8 examples validate and round-trip', () => {
  // §8.1: id and meta are readOnly and dropped.
  assert.deepEqual(validateResource(users, minimalUser, 'create'), { schemas: [USER_SCHEMA], userName: 'bjensen@example.com' });
  // §8.2: everything but id, meta, groups (readOnly) is kept, password included (writeOnly).
  const full = validateResource(users, fullUser, 'create');
  assert.deepEqual(full, without(fullUser, 'id', 'meta', 'groups'));
  assert.deepEqual(Object.keys(full).slice(0, 3), ['schemas', 'externalId', 'userName']);
  // Rendered with server values it is the RFC example minus the password.
  const rendered = projectResource(users, { ...full, id: fullUser['id'], meta: fullUser['meta'], groups: fullUser['groups'] });
  assert.deepEqual(rendered, without(fullUser, 'password'));
  // §8.3: manager.displayName is readOnly.
  const ent = validateResource(users, enterpriseUser, 'create');
  const block = enterpriseUser[ENT] as Record<string, unknown>;
  const { displayName: _d, ...manager } = block['manager'] as Record<string, unknown>;
  assert.deepEqual(ent, { ...without(enterpriseUser, 'id', 'meta'), [ENT]: { ...block, manager } });
  // §8.4 group.
  assert.deepEqual(validateResource(groups, group, 'create'), without(group, 'id', 'meta'));
  assert.deepEqual(projectResource(groups, { ...validateResource(groups, group, 'create'), id: group['id'], meta: group['meta'] }), group);
});

const errors: Array<[string, unknown, ScimType | 'none']> = [
  ['not an object', [], 'invalidSyntax'],
  ['string body', 'x', 'invalidSyntax'],
  ['null body', null, 'invalidSyntax'],
  ['no schemas', { userName: 'a' }, 'invalidSyntax'],
  ['schemas not array', { schemas: USER_SCHEMA, userName: 'a' }, 'invalidSyntax'],
  ['schemas with number', { schemas: [USER_SCHEMA, 1], userName: 'a' }, 'invalidSyntax'],
  ['schemas twice', { schemas: [USER_SCHEMA], SCHEMAS: [USER_SCHEMA], userName: 'a' }, 'invalidSyntax'],
  ['schemas without core', { schemas: [ENT], userName: 'a' }, 'invalidValue'],
  ['Group URN on a User', { schemas: [USER_SCHEMA, GROUP_SCHEMA], userName: 'a' }, 'invalidValue'],
  ['unknown URN', u({ schemas: [USER_SCHEMA, 'urn:example:unknown'] }), 'invalidValue'],
  ['legacy URN', { schemas: ['urn:scim:schemas:core:1.0'], userName: 'a' }, 'invalidValue'],
  ['URN any case', { schemas: [USER_SCHEMA.toUpperCase()], userName: 'a' }, 'none'],
  ['missing userName', { schemas: [USER_SCHEMA] }, 'invalidValue'],
  ['null userName', { schemas: [USER_SCHEMA], userName: null }, 'invalidValue'],
  ['empty userName', { schemas: [USER_SCHEMA], userName: '' }, 'invalidValue'],
  ['number userName', { schemas: [USER_SCHEMA], userName: 5 }, 'invalidValue'],
  ['userName given twice', u({ USERNAME: 'x' }), 'invalidSyntax'],
  ['userName twice via URN', u({ [`${USER_SCHEMA}:userName`]: 'x' }), 'invalidSyntax'],
  ['active "True"', u({ active: 'True' }), 'invalidValue'],
  ['active 1', u({ active: 1 }), 'invalidValue'],
  ['active false', u({ active: false }), 'none'],
  ['name not object', u({ name: 'Babs' }), 'invalidValue'],
  ['name.givenName number', u({ name: { givenName: 1 } }), 'invalidValue'],
  ['name sub twice', u({ name: { givenName: 'a', GivenName: 'b' } }), 'invalidSyntax'],
  ['emails single object', u({ emails: { value: 'a@b' } }), 'invalidValue'],
  ['emails string element', u({ emails: ['a@b'] }), 'invalidValue'],
  ['emails null element', u({ emails: [null] }), 'invalidValue'],
  ['two primaries', u({ emails: [{ value: 'a', primary: true }, { value: 'b', primary: true }] }), 'invalidValue'],
  ['one primary', u({ emails: [{ value: 'a', primary: true }, { value: 'b', primary: false }] }), 'none'],
  ['primary "True"', u({ emails: [{ value: 'a', primary: 'True' }] }), 'invalidValue'],
  ['lone high surrogate', u({ displayName: 'a\ud800b' }), 'invalidValue'],
  ['lone low surrogate at end', u({ nickName: 'a\udc00' }), 'invalidValue'],
  ['surrogate pair is fine', u({ nickName: 'a\ud83d\ude00' }), 'none'],
  ['x509 not base64', u({ x509Certificates: [{ value: 'not base64!' }] }), 'invalidValue'],
  ['profileUrl number', u({ profileUrl: 3 }), 'invalidValue'],
  ['extension block not object', u({ schemas: [USER_SCHEMA, ENT], [ENT]: 'x' }), 'invalidValue'],
  ['extension type error', u({ [ENT]: { employeeNumber: 7 } }), 'invalidValue'],
  ['extension manager wrong type', u({ [ENT]: { manager: 'boss' } }), 'invalidValue'],
  ['extension block twice', u({ [ENT]: { division: 'a' }, [ENT.toLowerCase()]: { division: 'b' } }), 'invalidSyntax'],
  ['group without displayName', { schemas: [GROUP_SCHEMA] }, 'invalidValue'],
  ['member without value', { schemas: [GROUP_SCHEMA], displayName: 'g', members: [{ display: 'x' }] }, 'invalidValue'],
  ['members not array', { schemas: [GROUP_SCHEMA], displayName: 'g', members: { value: 'x' } }, 'invalidValue'],
];

test('validation errors carry the exact scimType', () => {
  for (const [label, input, expected] of errors) {
    const rs = Array.isArray((input as { schemas?: unknown })?.schemas) && (input as { schemas: string[] }).schemas[0] === GROUP_SCHEMA ? groups : users;
    assert.equal(scimTypeOf(() => validateResource(rs, input, 'create')), expected, label);
  }
});

test('error details name the attribute path', () => {
  try {
    validateResource(users, u({ emails: [{ value: 'a' }, { value: 3 }] }), 'create');
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(isScimError(e));
    assert.equal(e.status, 400);
    assert.match(e.detail, /emails\[1\]\.value/);
  }
});

test('a name the type does not have → invalidValue, wherever it is (docs/schema.md; provider tenants drop it first)', () => {
  const unknown: Record<string, unknown>[] = [
    { customField: 'x' },
    { name: { givenName: 'B', nick: 'x' } },
    { emails: [{ value: 'a@b', kind: 'x' }] },
    { 'name.familyName': 'dotted keys are not paths in a body' },
    { [`${USER_SCHEMA}:nope`]: 1 },
    { 'urn:example:other:attr': 1 },
    { [ENT]: { shoeSize: 42 } },
    { ['__proto__']: { polluted: true } }, // computed key: an own property, like JSON.parse makes
    { constructor: 'x' },
  ];
  for (const extra of unknown) assert.equal(scimTypeOf(() => validateResource(users, u(extra), 'create')), 'invalidValue', JSON.stringify(extra));
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  // Entra sends an empty roles array: a known attribute, unset.
  assert.deepEqual(validateResource(users, u({ roles: [] }), 'create'), { schemas: [USER_SCHEMA], userName: 'bjensen' });
});

test('JSON.parse-made __proto__ keys are refused, never followed', () => {
  const input = JSON.parse(`{"schemas":["${USER_SCHEMA}"],"userName":"a","name":{"__proto__":{"y":1}}}`) as unknown;
  assert.equal(scimTypeOf(() => validateResource(users, input, 'create')), 'invalidValue');
  const top = JSON.parse(`{"schemas":["${USER_SCHEMA}"],"userName":"a","__proto__":{"x":1}}`) as unknown;
  assert.equal(scimTypeOf(() => validateResource(users, top, 'create')), 'invalidValue');
  assert.equal(({} as Record<string, unknown>)['y'], undefined);
});

test('readOnly attributes are ignored, never an error (Okta/Entra echo them)', () => {
  const out = validateResource(
    users,
    u({
      id: 'client-id',
      meta: { resourceType: 'User', created: 'garbage' },
      groups: [{ value: 'g1' }],
      [ENT]: { manager: { value: 'm1', displayName: 'Boss' } },
    }),
    'create',
  );
  assert.deepEqual(out, { schemas: [USER_SCHEMA, ENT], userName: 'bjensen', [ENT]: { manager: { value: 'm1' } } });
});

test('null and [] mean unset; empty complex values disappear', () => {
  const out = validateResource(
    users,
    u({ displayName: null, emails: [], name: { givenName: null }, phoneNumbers: [{}], [ENT]: null }),
    'create',
  );
  assert.deepEqual(out, { schemas: [USER_SCHEMA], userName: 'bjensen' });
});

test('strings are kept exactly as sent', () => {
  const out = validateResource(users, u({ name: { familyName: ' User 01' }, phoneNumbers: [{ value: 'tel:+1-201-555-0123' }], displayName: '' }), 'create');
  assert.deepEqual(out['name'], { familyName: ' User 01' });
  assert.deepEqual(out['phoneNumbers'], [{ value: 'tel:+1-201-555-0123' }]);
  assert.equal(out['displayName'], '');
});

test('names are case-insensitive on input, canonical on output; schemas follows blocks', () => {
  const out = validateResource(
    users,
    {
      SCHEMAS: [ENT.toLowerCase(), USER_SCHEMA.toLowerCase()],
      USERNAME: 'a',
      Name: { GIVENNAME: 'b' },
      'URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER': { EMPLOYEENUMBER: '1' },
      ExternalID: 'x',
    },
    'create',
  );
  assert.deepEqual(out, { schemas: [USER_SCHEMA, ENT], externalId: 'x', userName: 'a', name: { givenName: 'b' }, [ENT]: { employeeNumber: '1' } });
});

test('extension listed in schemas without a block is fine and not echoed', () => {
  assert.deepEqual(validateResource(users, u({ schemas: [USER_SCHEMA, ENT] }), 'create'), { schemas: [USER_SCHEMA], userName: 'bjensen' });
});

test('a block not listed in schemas still counts (its URN is added)', () => {
  assert.deepEqual(validateResource(users, u({ [ENT]: { department: 'd' } }), 'create')['schemas'], [USER_SCHEMA, ENT]);
});

test('URN-qualified top-level keys are the attributes they name', () => {
  const out = validateResource(
    users,
    { schemas: [USER_SCHEMA], [`${USER_SCHEMA}:userName`]: 'a', [`${ENT}:department`]: 'Ops' },
    'create',
  );
  assert.deepEqual(out, { schemas: [USER_SCHEMA, ENT], userName: 'a', [ENT]: { department: 'Ops' } });
});

test('types: integer, decimal, dateTime, binary via coerceAttributeValue', () => {
  const attr = (type: 'integer' | 'decimal' | 'dateTime' | 'binary') =>
    ({ name: 'x', type, multiValued: false, description: '', required: false, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'none' }) as const;
  const table: Array<[ReturnType<typeof attr>, unknown, boolean]> = [
    [attr('integer'), 3, true],
    [attr('integer'), 3.5, false],
    [attr('integer'), '3', false],
    [attr('integer'), 2 ** 60, false],
    [attr('decimal'), 3.5, true],
    [attr('decimal'), '3.5', false],
    [attr('dateTime'), '2010-01-23T04:56:22Z', true],
    [attr('dateTime'), '2010-01-23T04:56:22.123+05:30', true],
    [attr('dateTime'), '2010-01-23T04:56:22', true],
    [attr('dateTime'), '2010-02-30T04:56:22Z', false],
    [attr('dateTime'), '2010-01-23 04:56:22Z', false],
    [attr('dateTime'), 1264222582, false],
    [attr('binary'), 'TWFu', true],
    [attr('binary'), 'TWE=', true],
    [attr('binary'), 'TWE', false],
    [attr('binary'), 'TW E=', false],
  ];
  for (const [a, v, ok] of table) {
    assert.equal(scimTypeOf(() => coerceAttributeValue(a, v, 'x')), ok ? 'none' : 'invalidValue', `${a.type} ${String(v)}`);
  }
  assert.equal(isDateTime('2024-02-29T00:00:00Z'), true);
  assert.equal(isDateTime('2023-02-29T00:00:00Z'), false);
  assert.equal(isDateTime('2023-01-01T24:00:00Z'), true);
  assert.equal(isDateTime('2023-01-01T24:00:01Z'), false);
});

test('coerceAttributeValue for PATCH values', () => {
  const emails = users.resolve({ name: 'emails' })!.attribute;
  assert.deepEqual(coerceAttributeValue(emails, [{ VALUE: 'a', Type: 'work' }], 'emails'), [{ value: 'a', type: 'work' }]);
  assert.equal(scimTypeOf(() => coerceAttributeValue(emails, [{ value: 'a', x: 1 }], 'emails')), 'invalidValue');
  assert.equal(coerceAttributeValue(emails, null, 'emails'), undefined);
  assert.equal(coerceAttributeValue(emails, [], 'emails'), undefined);
  assert.equal(scimTypeOf(() => coerceAttributeValue(emails, { value: 'a' }, 'emails')), 'invalidValue');
  const manager = users.resolve({ name: 'manager' })!.attribute;
  assert.deepEqual(coerceAttributeValue(manager, { value: 'm', displayName: 'ignored' }, 'manager'), { value: 'm' });
});

test('replace: immutable values that are set must not change', () => {
  // Groups have immutable member sub-attributes, but members are replaced per element.
  const existing = validateResource(groups, group, 'create');
  const next = validateResource(groups, { schemas: [GROUP_SCHEMA], displayName: 'New', members: [{ value: 'x' }] }, 'replace', existing);
  assert.deepEqual(next['members'], [{ value: 'x' }]);
});

test('replace: immutable top-level and sub-attributes', async () => {
  const { createSchemaRegistry } = await import('./registry.ts');
  const { attribute, complex } = await import('./define.ts');
  const reg = createSchemaRegistry({
    extensions: [
      {
        resourceType: 'User',
        schema: {
          id: 'urn:example:ext',
          name: 'X',
          description: '',
          attributes: [
            attribute('badge', 'string', '', { mutability: 'immutable' }),
            complex('card', '', [attribute('serial', 'string', '', { mutability: 'immutable' }), attribute('color', 'string', '')]),
          ],
        },
      },
    ],
  });
  const rs = reg.resourceSchema('User');
  const existing = validateResource(rs, u({ 'urn:example:ext': { badge: 'b1', card: { serial: 's1', color: 'red' } } }), 'create');
  const put = (block: unknown) => () => validateResource(rs, u({ 'urn:example:ext': block }), 'replace', existing);
  assert.equal(scimTypeOf(put({ badge: 'b2' })), 'mutability');
  assert.equal(scimTypeOf(put({ badge: 'b1' })), 'none');
  assert.equal(scimTypeOf(put({ card: { serial: 's2' } })), 'mutability');
  assert.equal(scimTypeOf(put({ card: { serial: 's1', color: 'blue' } })), 'none');
  // Omitted immutable values are kept; create mode ignores existing.
  assert.deepEqual(put({ card: { color: 'blue' } })()['urn:example:ext'], { badge: 'b1', card: { color: 'blue', serial: 's1' } });
  assert.equal(scimTypeOf(() => validateResource(rs, u({ 'urn:example:ext': { badge: 'b2' } }), 'create', existing)), 'none');
});

test('a required extension must be present', async () => {
  const { createSchemaRegistry } = await import('./registry.ts');
  const { attribute } = await import('./define.ts');
  const rs = createSchemaRegistry({
    extensions: [
      { resourceType: 'User', required: true, schema: { id: 'urn:example:req', name: 'R', description: '', attributes: [attribute('a', 'string', '', { required: true })] } },
    ],
  }).resourceSchema('User');
  assert.equal(scimTypeOf(() => validateResource(rs, u({}), 'create')), 'invalidValue');
  assert.equal(scimTypeOf(() => validateResource(rs, u({ 'urn:example:req': { b: 1 } }), 'create')), 'invalidValue');
  assert.equal(scimTypeOf(() => validateResource(rs, u({ 'urn:example:req': { a: 'x' } }), 'create')), 'none');
});

test('validation never mutates its input', () => {
  const input = structuredClone(fullUser);
  validateResource(users, input, 'create');
  assert.deepEqual(input, fullUser);
});

test('property: only ScimError is ever thrown, on any JSON value', () => {
  const keys = fc.constantFrom('schemas', 'userName', 'USERNAME', 'name', 'emails', 'active', 'groups', 'id', 'meta', ENT, 'members', 'displayName', 'x509Certificates', '__proto__', 'constructor', 'primary', 'value', 'givenName');
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.constant(null),
      fc.boolean(),
      fc.double(),
      fc.integer(),
      fc.string({ unit: 'binary' }),
      fc.constantFrom(USER_SCHEMA, GROUP_SCHEMA, ENT),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.oneof(keys, fc.string()), tie('value'), { maxKeys: 6 }),
    ),
  })).value;
  const withSchemas = fc.record({ schemas: fc.constantFrom([USER_SCHEMA], [USER_SCHEMA, ENT], [GROUP_SCHEMA]) }).chain((s) =>
    fc.dictionary(keys, json, { maxKeys: 8 }).map((d) => ({ ...d, ...s })),
  );
  fc.assert(
    fc.property(fc.oneof(json, withSchemas), fc.constantFrom(users, groups), (input, rs) => {
      try {
        const out = validateResource(rs, input, 'create');
        // Whatever is accepted validates again to itself.
        assert.deepEqual(validateResource(rs, out, 'replace', out), out);
      } catch (e) {
        if (!isScimError(e)) throw e;
        assert.equal(e.status, 400);
      }
    }),
    { numRuns: 2000 },
  );
});

test('maxMultiValued: more values than the cap → invalidValue naming the attribute; Group members are not capped', () => {
  const three = [{ value: 'a@x.org' }, { value: 'b@x.org' }, { value: 'c@x.org' }];
  const refusal = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      if (isScimError(e) && e.scimType === 'invalidValue') return e.detail;
      throw e;
    }
    return 'no error';
  };
  assert.match(refusal(() => validateResource(users, u({ emails: three }), 'create', undefined, { maxMultiValued: 2 })), /"emails" has 3 values; at most 2/);
  assert.equal((validateResource(users, u({ emails: three }), 'create', undefined, { maxMultiValued: 3 })['emails'] as unknown[]).length, 3);
  assert.match(refusal(() => validateResource(users, u({ emails: three }), 'replace', minimalUser, { maxMultiValued: 2 })), /at most 2/);
  assert.equal(refusal(() => validateResource(users, u({ emails: three }), 'create')), 'no error', 'no cap without the option');
  const members = [{ value: 'u1' }, { value: 'u2' }, { value: 'u3' }];
  const g = validateResource(groups, { schemas: [GROUP_SCHEMA], displayName: 'g', members }, 'create', undefined, { maxMultiValued: 2 });
  assert.equal((g['members'] as unknown[]).length, 3);
});
