import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ScimError } from '../errors.ts';
import { attribute, complex } from '../schema/define.ts';
import { createSchemaRegistry, defaultRegistry } from '../schema/registry.ts';
import type { SchemaDefinition, ScimResource } from '../schema/types.ts';
import { checkFilter, compileFilterPredicate, evaluateFilter } from './evaluate.ts';
import { parseFilter } from './parser.ts';

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const TEST = 'urn:example:params:scim:schemas:extension:test:1.0:User';

// An extension with the types the RFC 7643 User schema lacks (integer, decimal, dateTime, …).
const testSchema: SchemaDefinition = {
  id: TEST,
  name: 'Test',
  description: 'Types for evaluator tests',
  attributes: [
    attribute('count', 'integer', 'n'),
    attribute('ratio', 'decimal', 'r'),
    attribute('tags', 'string', 't', { multiValued: true }),
    attribute('code', 'string', 'c', { caseExact: true }),
    attribute('when', 'dateTime', 'w'),
    attribute('blob', 'binary', 'b', { caseExact: true }),
    attribute('secret', 'string', 's', { returned: 'never', mutability: 'writeOnly' }),
    complex('pair', 'p', [attribute('left', 'string', 'l'), attribute('hidden', 'string', 'h', { returned: 'never' })]),
  ],
};
const registry = createSchemaRegistry({ extensions: [{ resourceType: 'User', schema: testSchema }] });
const users = registry.resourceSchema('User');

const user: ScimResource = {
  schemas: [CORE, ENT, TEST],
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: 'bjensen-ext',
  userName: 'Bjensen@Example.com',
  name: { familyName: "O'Malley", givenName: 'Barbara' },
  displayName: 'Ünïcode Straße',
  title: '',
  userType: 'Employee',
  active: true,
  password: 'secret',
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  phoneNumbers: [],
  addresses: [{ type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood' }],
  x509Certificates: [{ value: 'MIIDQzCCAqygAwIBAgICEAAwDQYJ' }],
  groups: [{ value: 'g1', display: 'Admins' }],
  meta: {
    resourceType: 'User',
    created: '2010-01-23T04:56:22Z',
    lastModified: '2011-05-13T04:42:34Z',
    version: 'W/"3"',
  },
  [ENT]: { employeeNumber: '701984', manager: { value: '26118915', displayName: 'John Smith' } },
  [TEST]: { count: 42, ratio: 1.5, tags: ['Alpha', 'beta', '😀'], code: 'AbC', when: '2020-02-29T12:00:00+02:00', blob: 'AAEC', secret: 's' },
};

const CASES: Array<[string, boolean]> = [
  // eq / case: caseExact=false folds both sides (foldCase: NFKC + lower case).
  ['userName eq "bjensen@example.com"', true],
  ['userName eq "BJENSEN@EXAMPLE.COM"', true],
  ['userName eq "ＢＪＥＮＳＥＮ@example.com"', true], // full-width letters fold by NFKC
  ['userName eq "bjensen"', false],
  ['displayName eq "ünïcode straße"', true],
  ['id eq "2819c223-7f76-453a-919d-413861904646"', true],
  ['id eq "2819C223-7F76-453A-919D-413861904646"', false], // id is caseExact
  ['externalId eq "BJENSEN-EXT"', false],
  [`${TEST}:code eq "AbC"`, true],
  ['code eq "abc"', false],
  ['code co "bC"', true],
  ['code co "bc"', false],
  ['code sw "Ab"', true],
  ['code ew "C"', true],
  // co / sw / ew
  ['userName sw "bj"', true],
  ['userName ew ".COM"', true],
  ['userName co "@EXAMPLE"', true],
  ['userName co ""', true],
  ['name.familyName co "\'mal"', true],
  ['userName sw "example"', false],
  // gt / ge / lt / le on strings (code point order of folded keys)
  ['userName gt "bj"', true],
  ['userName gt "BJENSEN@EXAMPLE.COM"', false],
  ['userName ge "BJENSEN@EXAMPLE.COM"', true],
  ['userName lt "c"', true],
  ['userName le "a"', false],
  ['tags gt "😀"', false],
  ['tags ge "😀"', true],
  ['tags gt "\uff61"', true], // U+1F600 > U+FF61 by code point (not by UTF-16 unit)
  // pr: empty string, empty array and missing are not present
  ['userType pr', true],
  ['title pr', false],
  ['nickName pr', false],
  ['phoneNumbers pr', false],
  ['emails pr', true],
  ['name pr', true],
  ['meta pr', true],
  ['groups pr', true],
  // eq null ≡ not present; ne null ≡ present
  ['title eq null', true],
  ['nickName eq null', true],
  ['userType eq null', false],
  ['userType ne null', true],
  ['name eq null', false],
  ['phoneNumbers eq null', true],
  // ne ≡ NOT eq: true for a missing attribute, false when ANY value equals
  ['userType ne "employee"', false],
  ['userType ne "Intern"', true],
  ['nickName ne "x"', true],
  ['emails.type ne "work"', false],
  ['emails.type ne "other"', true],
  // multi-valued: any value; a multi-valued complex attribute compares its `value`
  ['emails co "example.com"', true],
  ['emails eq "BABS@jensen.org"', true],
  ['emails.value co "example.org"', false],
  ['emails.type eq "home"', true],
  ['tags eq "ALPHA"', true],
  ['tags eq "gamma"', false],
  ['x509Certificates eq "MIIDQzCCAqygAwIBAgICEAAwDQYJ"', true],
  ['blob eq "AAEC"', true],
  ['blob eq "aaec"', false], // binary with caseExact true
  // value paths: the inner filter must hold for ONE element
  ['emails[type eq "work" and value ew "@example.com"]', true],
  ['emails[type eq "home" and value ew "@example.com"]', false],
  ['emails[type eq "home"] and emails[value ew "@example.com"]', true],
  ['emails[not (type eq "work")]', true],
  ['emails[primary eq true]', true],
  ['emails[primary eq false]', false],
  ['emails[type eq "work" or (type eq "home" and value sw "x")]', true],
  ['emails[primary pr and type ne "work"]', false],
  ['phoneNumbers[type pr]', false],
  ['addresses[locality pr]', true],
  ['name[givenName sw "bar"]', true], // single-valued complex: the one value
  ['groups[display eq "admins"]', true],
  [`${ENT}:manager[value eq "26118915"]`, true],
  // dateTime: instants
  ['meta.lastModified gt "2011-05-13T04:42:33Z"', true],
  ['meta.lastModified gt "2011-05-13T04:42:34Z"', false],
  ['meta.lastModified ge "2011-05-13T04:42:34Z"', true],
  ['meta.lastModified eq "2011-05-13T06:42:34+02:00"', true],
  ['meta.lastModified eq "2011-05-13T04:42:34.000Z"', true],
  ['meta.lastModified lt "2011-05-13T04:42:34.001Z"', true],
  ['meta.lastModified le "2011-05-13T04:42:33.999999999Z"', false],
  ['meta.lastModified ne "2011-05-13T04:42:34Z"', false],
  ['when eq "2020-02-29T10:00:00Z"', true],
  ['when lt "2020-02-29T11:00:00+01:00"', false],
  // booleans and numbers
  ['active eq true', true],
  ['active eq false', false],
  ['active ne false', true],
  ['count eq 42', true],
  ['count eq 42.0', true],
  ['count gt 41.5', true],
  ['count ge 42', true],
  ['count lt 42', false],
  ['count le 4.2e1', true],
  ['ratio eq 1.5', true],
  ['ratio lt 2', true],
  ['ratio gt 1.5', false],
  // schemas (no schema defines it; RFC 7644 §3.4.2.2 filters on it), URNs compare case-insensitively
  [`schemas eq "${ENT}"`, true],
  [`schemas eq "${ENT.toUpperCase()}"`, true],
  ['schemas eq "urn:ietf:params:scim:schemas:core:2.0:Group"', false],
  // URN-qualified and extension attributes
  [`${ENT}:employeeNumber eq "701984"`, true],
  ['employeeNumber eq "701984"', true],
  [`${ENT}:manager.value eq "26118915"`, true],
  [`${CORE}:userName sw "B"`, true],
  [`${CORE}:name.familyName co "O'Malley"`, true],
  ['meta.resourceType eq "User"', true],
  // logic
  ['title pr and userType eq "Employee"', false],
  ['title pr or userType eq "Employee"', true],
  ['userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")', true],
  ['userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")', false],
  ['not (userType eq "Employee")', false],
  ['not (not (userType eq "Employee"))', true],
  ['nickName pr or userName pr and title pr', false],
];

describe('evaluateFilter: operators × types × caseExact', () => {
  for (const [text, expected] of CASES) {
    test(`${text} → ${expected}`, () => {
      assert.equal(evaluateFilter(parseFilter(text), user, users), expected);
    });
  }
});

const REJECTED: string[] = [
  'foo eq "x"', // unknown attribute (docs/reliability.md IN-3)
  'name.foo pr',
  'urn:example:nope:userName eq "x"',
  'emails[foo eq "x"]',
  'password eq "secret"', // returned: never — a guessing oracle
  'password pr',
  'secret pr',
  'pair.hidden eq "x"',
  'pair[hidden pr]',
  'userName pr or foo eq "x"', // refused even when evaluation would short-circuit
  'name eq "x"', // single-valued complex has no value to compare
  'addresses eq "x"', // multi-valued complex without a `value` sub-attribute
  'name gt "x"',
  'userName[value pr]', // value filter on a simple attribute
  'name.givenName eq 1',
  'userName eq true',
  'active eq "true"',
  'active eq 1',
  'active gt 1', // RFC 7644 §3.4.2.2: ordering a boolean is invalidFilter
  'x509Certificates gt "A"', // ... and so is ordering binary
  'blob lt "A"',
  'count eq "42"',
  'count co "4"',
  'meta.lastModified gt "yesterday"',
  'meta.lastModified gt "2011-05-13"',
  'meta.lastModified eq 1305261754',
  'meta.lastModified co "2011"',
  'meta.lastModified eq "2011-02-30T00:00:00Z"',
];

describe('evaluateFilter: filters the schema refuses → invalidFilter', () => {
  for (const text of REJECTED) {
    test(text, () => {
      const f = parseFilter(text);
      for (const fn of [() => evaluateFilter(f, user, users), () => checkFilter(f, users), () => compileFilterPredicate(f, users)]) {
        assert.throws(fn, (e: unknown) => e instanceof ScimError && e.scimType === 'invalidFilter' && e.status === 400);
      }
    });
  }
});

describe('evaluateFilter: resources', () => {
  test('an empty resource: nothing is present, ne is true, eq is false', () => {
    const empty = {};
    assert.equal(evaluateFilter(parseFilter('userName pr'), empty, users), false);
    assert.equal(evaluateFilter(parseFilter('userName eq "x"'), empty, users), false);
    assert.equal(evaluateFilter(parseFilter('userName ne "x"'), empty, users), true);
    assert.equal(evaluateFilter(parseFilter('emails[type eq "work"]'), empty, users), false);
    assert.equal(evaluateFilter(parseFilter('not (emails[type eq "work"])'), empty, users), true);
    assert.equal(evaluateFilter(parseFilter(`${ENT}:employeeNumber eq null`), empty, users), true);
  });
  test('stored values of the wrong type never match', () => {
    const odd = { userName: 42, active: 'true', emails: ['x', null, { value: 7 }], meta: { lastModified: 'garbage' } };
    for (const text of ['userName eq "42"', 'active eq true', 'emails eq "x"', 'emails co "7"', 'meta.lastModified lt "2999-01-01T00:00:00Z"']) {
      assert.equal(evaluateFilter(parseFilter(text), odd, users), false, text);
    }
  });
  test('groups: members and the default registry', () => {
    const groups = defaultRegistry.resourceSchema('Group');
    const group = { displayName: 'Admins', members: [{ value: 'u1', type: 'User', display: 'Babs' }, { value: 'g2', type: 'Group' }] };
    assert.equal(evaluateFilter(parseFilter('displayName eq "admins"'), group, groups), true);
    assert.equal(evaluateFilter(parseFilter('members eq "u1"'), group, groups), true);
    assert.equal(evaluateFilter(parseFilter('members[value eq "g2" and type eq "group"]'), group, groups), true);
    assert.equal(evaluateFilter(parseFilter('members[value eq "g2" and type eq "User"]'), group, groups), false);
    assert.throws(() => evaluateFilter(parseFilter('userName pr'), group, groups), /unknown attribute/);
  });
  test('a compiled predicate filters many resources', () => {
    const pred = compileFilterPredicate(parseFilter('emails[type eq "work"] and active eq true'), users);
    const rs = [user, { ...user, active: false }, { emails: [{ type: 'Work' }], active: true }, {}];
    assert.deepEqual(rs.map(pred), [true, false, true, false]);
  });
  test('a 10,000-term or chain evaluates without recursion per term', () => {
    const text = Array.from({ length: 10_000 }, (_, i) => `externalId eq "e${i}"`).join(' or ');
    const f = parseFilter(text, { maxLength: 1_000_000 });
    assert.equal(evaluateFilter(f, { externalId: 'e9999' }, users), true);
    assert.equal(evaluateFilter(f, { externalId: 'nope' }, users), false);
  });
  test('hostile property names never reach Object.prototype', () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}, "userName": "x"}');
    for (const text of ['constructor pr', 'constructor.prototype pr', 'prototype eq "x"', 'emails[constructor pr]']) {
      assert.throws(() => evaluateFilter(parseFilter(text), hostile, users), (e: unknown) => e instanceof ScimError && e.scimType === 'invalidFilter');
    }
    assert.equal(evaluateFilter(parseFilter('userName eq "x"'), hostile, users), true);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});
