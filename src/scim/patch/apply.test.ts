import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isScimError } from '../errors.ts';
import type { ScimType } from '../errors.ts';
import { attribute, deepFreeze } from '../schema/define.ts';
import { createSchemaRegistry, defaultRegistry } from '../schema/registry.ts';
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from '../schema/types.ts';
import { applyPatch } from './apply.ts';
import { parsePatchRequest } from './parse.ts';
import type { ApplyPatchOptions, PatchResult } from './types.ts';

const URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const EXT = ENTERPRISE_USER_SCHEMA;
const users = defaultRegistry.resourceSchema('User');

type Json = Record<string, unknown>;

function patch(resource: Json, ops: unknown[], opts?: ApplyPatchOptions, rs = users): PatchResult {
  const snapshot = structuredClone(resource);
  const frozen = deepFreeze(structuredClone(resource));
  const result = applyPatch(rs, frozen, parsePatchRequest({ schemas: [URN], Operations: ops }), opts);
  assert.deepEqual(frozen, snapshot, 'the input resource is never mutated');
  return result;
}

function scimTypeOf(resource: Json, ops: unknown[], opts?: ApplyPatchOptions, rs = users): ScimType | string {
  try {
    patch(resource, ops, opts, rs);
    return 'no error';
  } catch (e) {
    if (!isScimError(e)) throw e;
    assert.equal(e.status, 400);
    return e.scimType ?? 'no scimType';
  }
}

const bjensen = (): Json => ({
  schemas: [USER_SCHEMA],
  userName: 'bjensen',
  name: { familyName: 'Jensen', givenName: 'Barbara' },
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  addresses: [{ type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood', region: 'CA', postalCode: '91608', country: 'USA', primary: true }],
  active: true,
});

describe('RFC 7644 §3.5.2 examples on Users', () => {
  it('§3.5.2.1 add without a path: emails gains a value, nickname is set', () => {
    const r = patch(bjensen(), [{ op: 'add', value: { emails: [{ value: 'babs@jensen.org', type: 'home' }, { value: 'b@jensen.org', type: 'other' }], nickname: 'Babs' } }]);
    assert.equal(r.changed, true);
    assert.equal(r.resource['nickName'], 'Babs');
    assert.deepEqual(r.resource['emails'], [...(bjensen()['emails'] as unknown[]), { value: 'b@jensen.org', type: 'other' }]);
  });

  it('§3.5.2.2 remove values of a complex multi-valued attribute through a filter', () => {
    const r = patch(bjensen(), [{ op: 'remove', path: 'emails[type eq "work" and value ew "example.com"]' }]);
    assert.deepEqual(r.resource['emails'], [{ value: 'babs@jensen.org', type: 'home' }]);
  });

  it('§3.5.2.3 replace the work address', () => {
    const value = {
      type: 'work',
      streetAddress: '911 Universal City Plaza',
      locality: 'Hollywood',
      region: 'CA',
      postalCode: '91608',
      country: 'US',
      formatted: '911 Universal City Plaza\nHollywood, CA 91608 US',
      primary: true,
    };
    const r = patch(bjensen(), [{ op: 'replace', path: 'addresses[type eq "work"]', value }]);
    assert.deepEqual(r.resource['addresses'], [value]);
  });

  it('§3.5.2.3 replace a sub-attribute of the work address', () => {
    const r = patch(bjensen(), [{ op: 'replace', path: 'addresses[type eq "work"].streetAddress', value: '1010 Broadway Ave' }]);
    const [addr] = r.resource['addresses'] as Json[];
    assert.equal(addr?.['streetAddress'], '1010 Broadway Ave');
    assert.equal(addr?.['locality'], 'Hollywood');
  });

  it('§3.5.2.3 replace without a path: emails replaced as a whole, nickname set', () => {
    const emails = [
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ];
    const r = patch({ schemas: [USER_SCHEMA], userName: 'bjensen', emails: [{ value: 'old@x.org', type: 'other' }] }, [
      { op: 'replace', value: { emails, nickname: 'Babs' } },
    ]);
    assert.deepEqual(r.resource['emails'], emails);
    assert.equal(r.resource['nickName'], 'Babs');
  });

  it('§3.5.2.3 replace emails[type eq "work"].value', () => {
    const r = patch(bjensen(), [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'new@example.com' }]);
    assert.deepEqual((r.resource['emails'] as Json[])[0], { value: 'new@example.com', type: 'work', primary: true });
  });
});

describe('add', () => {
  it('a present value changes nothing (§3.5.2.1 SHOULD NOT change, case rules applied)', () => {
    const r = patch(bjensen(), [{ op: 'add', path: 'emails', value: [{ value: 'BABS@jensen.org', type: 'HOME' }] }]);
    assert.equal(r.changed, false);
  });
  it('a value contained in an existing element is already present', () => {
    const r = patch(bjensen(), [{ op: 'add', path: 'emails', value: [{ value: 'bjensen@example.com', type: 'work' }, { value: 'babs@jensen.org' }] }]);
    assert.equal(r.changed, false);
  });
  it('a single object for a multi-valued attribute is taken as one value', () => {
    const r = patch(bjensen(), [{ op: 'add', path: 'emails', value: { value: 'x@y.org', type: 'other' } }]);
    assert.equal((r.resource['emails'] as unknown[]).length, 3);
  });
  it('a new primary value demotes the old one (RFC 7644 §3.5.2)', () => {
    const r = patch(bjensen(), [{ op: 'add', path: 'emails', value: [{ value: 'x@y.org', type: 'other', primary: true }] }]);
    const emails = r.resource['emails'] as Json[];
    assert.deepEqual(emails.map((e) => e['primary']), [false, undefined, true]);
  });
  it('a complex single value merges its sub-attributes', () => {
    const r = patch(bjensen(), [{ op: 'add', path: 'name', value: { middleName: 'J' } }]);
    assert.deepEqual(r.resource['name'], { familyName: 'Jensen', givenName: 'Barbara', middleName: 'J' });
  });
  it('a single-valued attribute is replaced; names are case-insensitive', () => {
    const r = patch(bjensen(), [{ op: 'add', path: 'DISPLAYNAME', value: 'Babs' }]);
    assert.equal(r.resource['displayName'], 'Babs');
  });
  it('through a filter sets the sub-attribute on matching values', () => {
    const r = patch(bjensen(), [{ op: 'add', path: 'emails[type eq "home"].display', value: 'Home' }]);
    assert.equal((r.resource['emails'] as Json[])[1]?.['display'], 'Home');
  });
  it('through a filter that matches nothing: noTarget (core), created with upsertOnNoMatch', () => {
    const ops = [{ op: 'add', path: 'phoneNumbers[type eq "work"].value', value: '+1 555 0100' }];
    assert.equal(scimTypeOf(bjensen(), ops), 'noTarget');
    const r = patch(bjensen(), ops, { upsertOnNoMatch: true });
    assert.deepEqual(r.resource['phoneNumbers'], [{ type: 'work', value: '+1 555 0100' }]);
  });
  it('through a filter without a sub-attribute merges into matching values', () => {
    const r = patch(bjensen(), [{ op: 'add', path: 'emails[type eq "home"]', value: { display: 'Home' } }]);
    assert.deepEqual((r.resource['emails'] as Json[])[1], { value: 'babs@jensen.org', type: 'home', display: 'Home' });
  });
  it('null adds nothing', () => {
    assert.equal(patch(bjensen(), [{ op: 'add', path: 'nickName', value: null }]).changed, false);
  });
});

describe('replace', () => {
  it('a complex attribute keeps sub-attributes not given (§3.5.2.3)', () => {
    const r = patch(bjensen(), [{ op: 'replace', path: 'name', value: { givenName: 'Babs' } }]);
    assert.deepEqual(r.resource['name'], { familyName: 'Jensen', givenName: 'Babs' });
  });
  it('an absent single-valued attribute is set', () => {
    assert.equal(patch(bjensen(), [{ op: 'replace', path: 'title', value: 'CEO' }]).resource['title'], 'CEO');
  });
  it('null unassigns (RFC 7643 §2.5)', () => {
    assert.equal(Object.hasOwn(patch(bjensen(), [{ op: 'replace', path: 'active', value: null }]).resource, 'active'), false);
  });
  it('matching values replaced with null are removed', () => {
    const r = patch(bjensen(), [{ op: 'replace', path: 'emails[type eq "home"]', value: null }]);
    assert.deepEqual(r.resource['emails'], [{ value: 'bjensen@example.com', type: 'work', primary: true }]);
  });
  it('a sub-attribute path without filter on an empty multi-valued attribute adds a value (§3.5.2.3 "treat as add")', () => {
    const r = patch(bjensen(), [{ op: 'replace', path: 'phoneNumbers.value', value: '555' }]);
    assert.deepEqual(r.resource['phoneNumbers'], [{ value: '555' }]);
  });
  it('an unmatched filter is noTarget (§3.5.2.3)', () => {
    assert.equal(scimTypeOf(bjensen(), [{ op: 'replace', path: 'emails[type eq "other"].value', value: 'o@x.org' }]), 'noTarget');
  });
  it('upsertOnNoMatch creates the element from the eq conditions (Entra)', () => {
    const r = patch(bjensen(), [{ op: 'replace', path: 'emails[type eq "other"].value', value: 'o@x.org' }], { upsertOnNoMatch: true });
    assert.deepEqual((r.resource['emails'] as Json[])[2], { type: 'other', value: 'o@x.org' });
    const addr = patch({ schemas: [USER_SCHEMA], userName: 'u' }, [{ op: 'replace', path: 'addresses[type eq "work"].locality', value: 'Paris' }], { upsertOnNoMatch: true });
    assert.deepEqual(addr.resource['addresses'], [{ type: 'work', locality: 'Paris' }]);
  });
  it('upsert needs a pure "eq … and eq" filter', () => {
    const ops = [{ op: 'replace', path: 'emails[type eq "a" or type eq "b"].value', value: 'o@x.org' }];
    assert.equal(scimTypeOf(bjensen(), ops, { upsertOnNoMatch: true }), 'noTarget');
  });
  it('setting primary through a filter demotes the other primary', () => {
    const r = patch(bjensen(), [{ op: 'replace', path: 'emails[type eq "home"].primary', value: true }]);
    assert.deepEqual((r.resource['emails'] as Json[]).map((e) => e['primary']), [false, true]);
  });
  it('two primary values in one replace: invalidValue', () => {
    const value = [{ value: 'a@x.org', primary: true }, { value: 'b@x.org', primary: true }];
    assert.equal(scimTypeOf(bjensen(), [{ op: 'replace', path: 'emails', value }]), 'invalidValue');
  });
  it('the same values again changes nothing', () => {
    const r = patch(bjensen(), [
      { op: 'replace', path: 'userName', value: 'bjensen' },
      { op: 'replace', value: { active: true, name: { givenName: 'Barbara' } } },
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'bjensen@example.com' },
    ]);
    assert.equal(r.changed, false);
  });
});

describe('remove', () => {
  it('a single-valued attribute, a sub-attribute, an emptied complex value', () => {
    assert.equal(Object.hasOwn(patch(bjensen(), [{ op: 'remove', path: 'active' }]).resource, 'active'), false);
    assert.deepEqual(patch(bjensen(), [{ op: 'remove', path: 'name.givenName' }]).resource['name'], { familyName: 'Jensen' });
    const r = patch(bjensen(), [{ op: 'remove', path: 'name.givenName' }, { op: 'remove', path: 'name.familyName' }]);
    assert.equal(Object.hasOwn(r.resource, 'name'), false);
  });
  it('a multi-valued attribute without filter: all values', () => {
    assert.equal(Object.hasOwn(patch(bjensen(), [{ op: 'remove', path: 'emails' }]).resource, 'emails'), false);
  });
  it('a sub-attribute of matching values', () => {
    const r = patch(bjensen(), [{ op: 'remove', path: 'emails[type eq "work"].primary' }]);
    assert.deepEqual((r.resource['emails'] as Json[])[0], { value: 'bjensen@example.com', type: 'work' });
  });
  it('absent things: a successful no-op (replays, docs/reliability.md CC-8)', () => {
    for (const path of ['nickName', 'phoneNumbers', 'emails[type eq "other"]', 'name.middleName', `${EXT}:manager`]) {
      assert.equal(patch(bjensen(), [{ op: 'remove', path }]).changed, false, path);
    }
  });
  it('with a value list on a multi-valued attribute: only the listed values', () => {
    const r = patch(bjensen(), [{ op: 'remove', path: 'emails', value: [{ value: 'BABS@jensen.org' }] }]);
    assert.deepEqual(r.resource['emails'], [{ value: 'bjensen@example.com', type: 'work', primary: true }]);
  });
});

describe('errors', () => {
  const cases: { name: string; ops: unknown[]; scimType: ScimType }[] = [
    { name: 'remove a required attribute (§3.5.2.2)', ops: [{ op: 'remove', path: 'userName' }], scimType: 'mutability' },
    { name: 'replace a required attribute with null', ops: [{ op: 'replace', path: 'userName', value: null }], scimType: 'mutability' },
    { name: 'replace id', ops: [{ op: 'replace', path: 'id', value: 'x' }], scimType: 'mutability' },
    { name: 'replace meta.lastModified', ops: [{ op: 'replace', path: 'meta.lastModified', value: '2020-01-01T00:00:00Z' }], scimType: 'mutability' },
    { name: 'remove meta', ops: [{ op: 'remove', path: 'meta' }], scimType: 'mutability' },
    { name: 'add groups', ops: [{ op: 'add', path: 'groups', value: [{ value: 'g1' }] }], scimType: 'mutability' },
    { name: 'replace manager.displayName', ops: [{ op: 'replace', path: `${EXT}:manager.displayName`, value: 'Boss' }], scimType: 'mutability' },
    { name: 'unknown attribute', ops: [{ op: 'replace', path: 'favouriteColour', value: 'red' }], scimType: 'invalidValue' },
    { name: 'unknown sub-attribute', ops: [{ op: 'replace', path: 'name.nickname', value: 'x' }], scimType: 'invalidValue' },
    { name: 'unknown sub-attribute after a filter', ops: [{ op: 'replace', path: 'emails[type eq "work"].colour', value: 'x' }], scimType: 'invalidValue' },
    { name: 'unknown attribute in a filter', ops: [{ op: 'remove', path: 'emails[colour eq "red"]' }], scimType: 'invalidPath' },
    { name: 'filter on a single-valued attribute', ops: [{ op: 'remove', path: 'name[givenName eq "x"]' }], scimType: 'invalidPath' },
    { name: 'filter comparison the evaluator refuses', ops: [{ op: 'remove', path: 'emails[primary gt "x"]' }], scimType: 'invalidPath' },
    { name: 'unknown extension attribute', ops: [{ op: 'add', path: `${EXT}:shoeSize`, value: '42' }], scimType: 'invalidValue' },
    { name: '__proto__ path', ops: [{ op: 'add', path: '__proto__', value: { polluted: true } }], scimType: 'invalidPath' },
    { name: 'constructor.prototype path', ops: [{ op: 'add', path: 'constructor.prototype', value: { polluted: true } }], scimType: 'invalidValue' },
    { name: '__proto__ after a filter', ops: [{ op: 'add', path: 'emails[type eq "work"].__proto__', value: { polluted: true } }], scimType: 'invalidPath' },
    { name: 'wrong type', ops: [{ op: 'replace', path: 'active', value: 'yes' }], scimType: 'invalidValue' },
    { name: 'Entra string boolean reaches the strict core', ops: [{ op: 'replace', path: 'active', value: 'False' }], scimType: 'invalidValue' },
    { name: 'string for a complex attribute', ops: [{ op: 'add', path: 'emails', value: 'a@b.c' }], scimType: 'invalidValue' },
    { name: 'path-less value not an object', ops: [{ op: 'replace', value: 'x' }], scimType: 'invalidValue' },
    { name: 'path-less value with a wrong type', ops: [{ op: 'replace', value: { active: 'no' } }], scimType: 'invalidValue' },
    { name: 'several values for a filtered element', ops: [{ op: 'replace', path: 'emails[type eq "work"]', value: [{ value: 'a@b.c' }, { value: 'd@e.f' }] }], scimType: 'invalidValue' },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.scimType}`, () => assert.equal(scimTypeOf(bjensen(), c.ops), c.scimType));
  }
  it('a path-less key naming no attribute → invalidValue, as the same name by path or in a body (docs/schema.md)', () => {
    for (const key of ['favourite', `${EXT}:shoeSize`, 'name.nick', 'emails[type eq']) {
      assert.equal(scimTypeOf(bjensen(), [{ op: 'replace', value: { [key]: 1 } }]), 'invalidValue', key);
    }
    assert.equal(scimTypeOf(bjensen(), [{ op: 'replace', value: { name: { nick: 'x' } } }]), 'invalidValue');
  });
  it('path-less values ignore readOnly and prototype keys (RFC 7643 §7)', () => {
    const value = JSON.parse('{"id":"x","meta":{"version":"1"},"groups":[],"schemas":["x"],"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"manager.displayName":"B","nickName":"Babs"}') as Json;
    const r = patch(bjensen(), [{ op: 'replace', value }]);
    assert.deepEqual(r.resource, { ...bjensen(), nickName: 'Babs' });
    assert.equal(({} as Json)['polluted'], undefined);
  });
});

describe('extension attributes (enterprise User)', () => {
  it('add, replace and remove manager by URN path', () => {
    const added = patch(bjensen(), [{ op: 'add', path: `${EXT}:manager`, value: { value: 'm1', displayName: 'ignored (readOnly)' } }]);
    assert.deepEqual(added.resource[EXT], { manager: { value: 'm1' } });
    assert.deepEqual(added.resource['schemas'], [USER_SCHEMA, EXT]);
    const replaced = patch(added.resource, [{ op: 'replace', path: `${EXT}:manager.value`, value: 'm2' }]);
    assert.deepEqual(replaced.resource[EXT], { manager: { value: 'm2' } });
    const removed = patch(replaced.resource, [{ op: 'remove', path: `${EXT}:manager` }]);
    assert.deepEqual(removed.resource, bjensen());
  });
  it('employeeNumber by URN path, also when the URN is written in another case', () => {
    const r = patch(bjensen(), [{ op: 'add', path: `${EXT.toUpperCase().replace('URN', 'urn')}:employeeNumber`, value: '701984' }]);
    assert.deepEqual(r.resource[EXT], { employeeNumber: '701984' });
  });
  it('a path that is the extension URN targets the whole block', () => {
    const r = patch(bjensen(), [{ op: 'add', path: EXT, value: { department: 'Tour', costCenter: '4130' } }]);
    assert.deepEqual(r.resource[EXT], { department: 'Tour', costCenter: '4130' });
    const gone = patch(r.resource, [{ op: 'remove', path: EXT }]);
    assert.deepEqual(gone.resource, bjensen());
  });
  it('a path-less value with an extension block merges into it', () => {
    const start = { ...bjensen(), schemas: [USER_SCHEMA, EXT], [EXT]: { department: 'Tour' } };
    const r = patch(start, [{ op: 'add', value: { [EXT]: { employeeNumber: '1', manager: { value: 'm' } } } }]);
    assert.deepEqual(r.resource[EXT], { department: 'Tour', employeeNumber: '1', manager: { value: 'm' } });
  });
});

describe('provider traffic', () => {
  it('Entra (aadOptscim062020): path-less replace with dotted and URN-qualified keys', () => {
    const r = patch(bjensen(), [
      { op: 'replace', value: { 'name.givenName': 'Babs', 'name.familyName': 'J', [`${EXT}:employeeNumber`]: '42', [`${EXT}:manager.value`]: 'boss', displayName: 'Babs J' } },
    ]);
    assert.deepEqual(r.resource['name'], { familyName: 'J', givenName: 'Babs' });
    assert.deepEqual(r.resource[EXT], { employeeNumber: '42', manager: { value: 'boss' } });
    assert.equal(r.resource['displayName'], 'Babs J');
    assert.deepEqual(Object.keys(r.resource).filter((k) => k.includes('.') && k !== EXT), []);
  });
  it('Okta deactivation: path-less replace {active:false}', () => {
    const r = patch(bjensen(), [{ op: 'replace', value: { active: false } }]);
    assert.equal(r.resource['active'], false);
    assert.equal(r.changed, true);
  });
  it('a repeated deactivation is a no-op', () => {
    const r = patch({ ...bjensen(), active: false }, [{ op: 'replace', value: { active: false } }]);
    assert.equal(r.changed, false);
  });
});

describe('immutable attributes (RFC 7644 §3.5.2: add only when unset)', () => {
  const ext = deepFreeze({
    id: 'urn:example:params:scim:schemas:extension:badge:2.0:User',
    name: 'Badge',
    description: 'Badge',
    attributes: [attribute('badgeId', 'string', 'Badge number', { mutability: 'immutable' })],
  });
  const rs = createSchemaRegistry({ extensions: [{ resourceType: 'User', schema: ext }] }).resourceSchema('User');
  const path = `${ext.id}:badgeId`;
  const withBadge = (): Json => ({ schemas: [USER_SCHEMA, ext.id], userName: 'u', [ext.id]: { badgeId: 'B1' } });
  it('add when unset is allowed', () => {
    const r = patch({ schemas: [USER_SCHEMA], userName: 'u' }, [{ op: 'add', path, value: 'B1' }], {}, rs);
    assert.deepEqual(r.resource, withBadge());
  });
  it('replace or remove once set is mutability; the same value again is a no-op', () => {
    assert.equal(scimTypeOf(withBadge(), [{ op: 'replace', path, value: 'B2' }], {}, rs), 'mutability');
    assert.equal(scimTypeOf(withBadge(), [{ op: 'add', path, value: 'B2' }], {}, rs), 'mutability');
    assert.equal(scimTypeOf(withBadge(), [{ op: 'remove', path }], {}, rs), 'mutability');
    assert.equal(patch(withBadge(), [{ op: 'replace', path, value: 'B1' }], {}, rs).changed, false);
  });
});

describe('atomicity (RFC 7644 §3.5.2)', () => {
  it('a failing third operation throws and leaves the input untouched', () => {
    const input = deepFreeze(bjensen());
    const before = structuredClone(input);
    const ops = parsePatchRequest({
      schemas: [URN],
      Operations: [
        { op: 'replace', path: 'nickName', value: 'Babs' },
        { op: 'remove', path: 'emails' },
        { op: 'replace', path: 'addresses[type eq "home"].locality', value: 'x' },
      ],
    });
    assert.throws(() => applyPatch(users, input, ops), (e: unknown) => isScimError(e) && e.scimType === 'noTarget');
    assert.deepEqual(input, before);
  });
  it('the result shares nothing with the input', () => {
    const input = bjensen();
    const r = patch(input, [{ op: 'replace', path: 'nickName', value: 'B' }]);
    (r.resource['emails'] as Json[]).push({ value: 'z' });
    assert.equal((input['emails'] as unknown[]).length, 2);
  });
});
