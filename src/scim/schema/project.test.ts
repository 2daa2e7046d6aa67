import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isScimError } from '../errors.ts';
import { compileProjection, MAX_ATTRIBUTE_NAMES, parseAttributeList, projectResource } from './project.ts';
import { defaultRegistry } from './registry.ts';
import { enterpriseUser, fullUser, group } from './rfc-examples.test-support.ts';
import { ENTERPRISE_USER_SCHEMA as ENT, USER_SCHEMA } from './types.ts';

const users = defaultRegistry.resourceSchema('User');
const groups = defaultRegistry.resourceSchema('Group');
const p = (attributes?: string, excludedAttributes?: string) => ({
  attributes: parseAttributeList(attributes),
  excludedAttributes: parseAttributeList(excludedAttributes),
});
const keys = (o: Record<string, unknown>) => Object.keys(o);

test('parseAttributeList', () => {
  assert.deepEqual(parseAttributeList(undefined), []);
  assert.deepEqual(parseAttributeList(null), []);
  assert.deepEqual(parseAttributeList(' '), []);
  assert.deepEqual(parseAttributeList('userName, name.givenName ,,emails'), [
    { name: 'userName' },
    { name: 'name', sub: 'givenName' },
    { name: 'emails' },
  ]);
  assert.deepEqual(parseAttributeList(`${ENT}:manager.value`), [{ uri: ENT, name: 'manager', sub: 'value' }]);
  for (const bad of ['a b', 'name.given.x', '1abc', 'emails[type eq "work"]']) {
    assert.throws(() => parseAttributeList(bad), (e) => isScimError(e) && e.scimType === 'invalidValue', bad);
  }
});

test('default projection drops returned:never and keeps everything else', () => {
  const out = projectResource(users, fullUser);
  assert.equal(out['password'], undefined);
  assert.deepEqual(keys(out).sort(), keys(fullUser).filter((k) => k !== 'password').sort());
});

const table: Array<[string, string | undefined, string | undefined, Record<string, unknown>]> = [
  ['attributes=userName (id always)', 'userName', undefined, { schemas: [USER_SCHEMA], id: fullUser['id'], userName: 'bjensen@example.com' }],
  ['sub-attribute', 'name.givenName', undefined, { schemas: [USER_SCHEMA], id: fullUser['id'], name: { givenName: 'Barbara' } }],
  [
    'multi-valued sub-attribute',
    'emails.value',
    undefined,
    { schemas: [USER_SCHEMA], id: fullUser['id'], emails: [{ value: 'bjensen@example.com' }, { value: 'babs@jensen.org' }] },
  ],
  ['password on request is still never', 'password,userName', undefined, { schemas: [USER_SCHEMA], id: fullUser['id'], userName: 'bjensen@example.com' }],
  ['id cannot be excluded', undefined, 'id,userName,name,emails,addresses,phoneNumbers,ims,photos,groups,x509Certificates,meta,externalId,displayName,nickName,profileUrl,userType,title,preferredLanguage,locale,timezone,active', { schemas: [USER_SCHEMA], id: fullUser['id'] }],
  ['case-insensitive and URN-qualified', `${USER_SCHEMA}:USERNAME,META.created`, undefined, { schemas: [USER_SCHEMA], id: fullUser['id'], userName: 'bjensen@example.com', meta: { created: '2010-01-23T04:56:22Z' } }],
  ['unknown names select nothing', 'nope,name.nope', undefined, { schemas: [USER_SCHEMA], id: fullUser['id'] }],
];

test('projection table', () => {
  for (const [label, attributes, excluded, expected] of table) {
    assert.deepEqual(projectResource(users, fullUser, p(attributes, excluded)), expected, label);
  }
});

test('excludedAttributes at sub-attribute granularity', () => {
  const out = projectResource(users, fullUser, p(undefined, 'name.formatted,emails.type,meta'));
  assert.deepEqual(out['name'], { familyName: 'Jensen', givenName: 'Barbara', middleName: 'Jane', honorificPrefix: 'Ms.', honorificSuffix: 'III' });
  assert.deepEqual(out['emails'], [{ value: 'bjensen@example.com', primary: true }, { value: 'babs@jensen.org' }]);
  assert.equal(out['meta'], undefined);
  assert.equal(out['userName'], 'bjensen@example.com');
});

test('extension blocks: by attribute, by whole URN, excluded', () => {
  assert.deepEqual(projectResource(users, enterpriseUser, p(`${ENT}:manager.value`)), {
    schemas: [USER_SCHEMA, ENT],
    id: enterpriseUser['id'],
    [ENT]: { manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d' } },
  });
  assert.deepEqual(projectResource(users, enterpriseUser, p(ENT.toLowerCase())), {
    schemas: [USER_SCHEMA, ENT],
    id: enterpriseUser['id'],
    [ENT]: enterpriseUser[ENT],
  });
  assert.deepEqual(projectResource(users, enterpriseUser, p('employeeNumber')), {
    schemas: [USER_SCHEMA, ENT],
    id: enterpriseUser['id'],
    [ENT]: { employeeNumber: '701984' },
  });
  const noExt = projectResource(users, enterpriseUser, p(undefined, ENT));
  assert.deepEqual(noExt['schemas'], [USER_SCHEMA]);
  assert.equal(noExt[ENT], undefined);
  assert.equal(noExt['userName'], 'bjensen@example.com');
  // Whole core URN: the core attributes, not the extension.
  const core = projectResource(users, enterpriseUser, p(USER_SCHEMA));
  assert.deepEqual(keys(core), ['schemas', 'id', 'externalId', 'meta', 'userName']);
});

test('excludedAttributes=members (Entra) and attributes + excludedAttributes together', () => {
  assert.deepEqual(keys(projectResource(groups, group, p(undefined, 'members'))), ['schemas', 'id', 'meta', 'displayName']);
  assert.deepEqual(projectResource(groups, group, p('displayName,members', 'members.display')), {
    schemas: group['schemas'],
    id: group['id'],
    displayName: 'Tour Guides',
    members: (group['members'] as Array<Record<string, unknown>>).map(({ value, $ref }) => ({ value, $ref })),
  });
});

test('request-returned attributes appear only when named', async () => {
  const { createSchemaRegistry } = await import('./registry.ts');
  const { attribute } = await import('./define.ts');
  const rs = createSchemaRegistry({
    extensions: [{ resourceType: 'User', schema: { id: 'urn:example:x', name: 'X', description: '', attributes: [attribute('secretish', 'string', '', { returned: 'request' }), attribute('plain', 'string', '')] } }],
  }).resourceSchema('User');
  const res = { schemas: [USER_SCHEMA, 'urn:example:x'], id: '1', userName: 'a', 'urn:example:x': { secretish: 's', plain: 'p' } };
  assert.deepEqual(projectResource(rs, res)['urn:example:x'], { plain: 'p' });
  assert.deepEqual(projectResource(rs, res, p('urn:example:x'))['urn:example:x'], { plain: 'p' });
  assert.deepEqual(projectResource(rs, res, p('secretish'))['urn:example:x'], { secretish: 's' });
});

test('projection never mutates and drops non-schema keys', () => {
  const input: Record<string, unknown> = { ...structuredClone(fullUser), internalHash: 'x' };
  const copy = structuredClone(input);
  const out = projectResource(users, input, p('emails'));
  assert.deepEqual(input, copy);
  assert.equal(out['internalHash'], undefined);
  (out['emails'] as unknown[]).pop();
  assert.equal((input['emails'] as unknown[]).length, 2);
});

test('parseAttributeList keeps a repeated name once (case-insensitively) and refuses more than the cap', () => {
  assert.deepEqual(parseAttributeList('userName,USERNAME, userName ,name.givenName,Name.GivenName'), [
    { name: 'userName' },
    { name: 'name', sub: 'givenName' },
  ]);
  // Duplicates count towards the cap: the cap bounds what the request makes the server read.
  const atCap = Array.from({ length: MAX_ATTRIBUTE_NAMES }, () => 'userName').join(',');
  assert.deepEqual(parseAttributeList(atCap), [{ name: 'userName' }]);
  for (const over of [`${atCap},userName`, Array.from({ length: 40_000 }, (_, i) => `a${i}`).join(',')]) {
    assert.throws(() => parseAttributeList(over), (e) => isScimError(e) && e.scimType === 'invalidValue' && /at most 200/.test(e.detail ?? ''));
  }
  assert.throws(() => parseAttributeList('a,b,c', 2), (e) => isScimError(e) && e.scimType === 'invalidValue');
});

test('a compiled projection gives what the lists give, for every resource it is applied to', () => {
  const cases: Array<[string | undefined, string | undefined]> = [
    ['userName,name.givenName', undefined],
    [undefined, 'emails,name.formatted'],
    [`${ENT}:manager.value,userName`, 'userName'],
    [ENT, undefined],
    ['userName,userName,USERNAME', 'meta,meta'],
  ];
  for (const [a, e] of cases) {
    const compiled = compileProjection(users, p(a, e));
    for (const r of [fullUser, enterpriseUser]) assert.deepEqual(projectResource(users, r, compiled), projectResource(users, r, p(a, e)), `${a} / ${e}`);
  }
  // Compiled for another resource type: resolved again for this one, never misapplied.
  const forGroups = compileProjection(groups, p('displayName'));
  assert.deepEqual(projectResource(users, fullUser, forGroups), projectResource(users, fullUser));
});

test('unassigned values (null, [], {}) are left out of every projection (RFC 7643 §2.5)', () => {
  const input = { ...structuredClone(fullUser), emails: [], phoneNumbers: null, name: {}, groups: [], [ENT]: { employeeNumber: '7', manager: {} } };
  const hasEmpty = (v: unknown): boolean =>
    Array.isArray(v) ? v.length === 0 || v.some(hasEmpty) : v !== null && typeof v === 'object' ? Object.keys(v).length === 0 || Object.values(v).some(hasEmpty) : false;
  for (const [a, e] of [[undefined, undefined], ['emails,name,groups,phoneNumbers', undefined], [undefined, 'userName'], [`${ENT}:manager`, undefined]] as const) {
    const out = projectResource(users, input, p(a, e));
    assert.equal(hasEmpty(out), false, `${a} / ${e}: ${JSON.stringify(out)}`);
    for (const k of ['emails', 'phoneNumbers', 'name', 'groups']) assert.equal(k in out, false, k);
  }
  assert.deepEqual(projectResource(users, input)[ENT], { employeeNumber: '7' });
  assert.deepEqual(projectResource(groups, { ...group, members: [] }, p('members')), { schemas: group['schemas'], id: group['id'] });
});
