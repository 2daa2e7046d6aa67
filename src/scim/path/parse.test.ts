import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ScimError } from '../errors.ts';
import type { PatchPath } from '../filter/ast.ts';
import { formatAttrPath, formatFilter } from '../filter/format.ts';
import { attrPathArb, valFilterArb } from '../filter/arbitraries.test.ts';
import { parseAttrPath, parsePath } from './parse.ts';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ID = '2819c223-7f76-453a-919d-413861904646';
const eq = (name: string, value: string) => ({ kind: 'compare', path: { name }, op: 'eq', value }) as const;

// Every path form printed in RFC 7644 §3.5.2 and its subsections, plus extension paths.
const VALID: Array<[string, PatchPath]> = [
  ['members', { attr: { name: 'members' } }],
  ['name.familyName', { attr: { name: 'name', sub: 'familyName' } }],
  ['addresses[type eq "work"]', { attr: { name: 'addresses' }, valueFilter: eq('type', 'work') }],
  [`members[value eq "${ID}"]`, { attr: { name: 'members' }, valueFilter: eq('value', ID) }],
  [`members[value eq "${ID}"].displayName`, { attr: { name: 'members' }, valueFilter: eq('value', ID), subAttr: 'displayName' }],
  [`members[value eq"${ID}"]`, { attr: { name: 'members' }, valueFilter: eq('value', ID) }], // §3.5.2.2 as printed
  [
    'emails[type eq "work" and value ew "example.com"]',
    {
      attr: { name: 'emails' },
      valueFilter: { kind: 'and', left: eq('type', 'work'), right: { kind: 'compare', path: { name: 'value' }, op: 'ew', value: 'example.com' } },
    },
  ],
  ['addresses[type eq "work"].streetAddress', { attr: { name: 'addresses' }, valueFilter: eq('type', 'work'), subAttr: 'streetAddress' }],
  ['emails[type eq "work"].value', { attr: { name: 'emails' }, valueFilter: eq('type', 'work'), subAttr: 'value' }],
  [`${ENT}:employeeNumber`, { attr: { uri: ENT, name: 'employeeNumber' } }],
  [`${ENT}:manager.value`, { attr: { uri: ENT, name: 'manager', sub: 'value' } }],
  [`${ENT}:manager`, { attr: { uri: ENT, name: 'manager' } }],
  [`${CORE}:name.givenName`, { attr: { uri: CORE, name: 'name', sub: 'givenName' } }],
  [`${CORE}:emails[type eq "work"].value`, { attr: { uri: CORE, name: 'emails' }, valueFilter: eq('type', 'work'), subAttr: 'value' }],
  ['members.$ref', { attr: { name: 'members', sub: '$ref' } }],
  // Names such as constructor/prototype are ordinary names; the schema will not resolve them.
  ['constructor.prototype', { attr: { name: 'constructor', sub: 'prototype' } }],
  [`members[value eq "x"].constructor`, { attr: { name: 'members' }, valueFilter: eq('value', 'x'), subAttr: 'constructor' }],
  ['  members  ', { attr: { name: 'members' } }],
];

describe('parsePath: RFC 7644 §3.5.2 path forms', () => {
  for (const [text, expected] of VALID) {
    test(text, () => {
      const path = parsePath(text);
      assert.deepEqual(path, expected);
      assert.ok(Object.isFrozen(path) && Object.isFrozen(path.attr));
    });
  }
});

const INVALID: Array<[string, number]> = [
  ['', 0],
  ['   ', 3],
  ['__proto__', 0], // ATTRNAME = ALPHA *(nameChar) (RFC 7643 §2.1)
  ['__proto__.polluted', 0],
  ['members[value eq "x"].__proto__', 22],
  ['a.b.c', 3],
  [Array(1000).fill('a').join('.'), 1024],
  [Array(100).fill('a').join('.'), 3],
  ['name.', 5],
  ['.name', 0],
  ['1name', 0],
  ['name givenName', 5],
  ['members[value eq "x"', 20],
  ['members[value eq "x"]]', 21],
  ['members[value eq "x"]x', 21],
  ['members[value eq "x"].', 22],
  ['members[value eq "x"].a.b', 22],
  [`members[value eq "x"].${ENT}:x`, 22],
  ['members[value eq x]', 17], // errors inside the value filter are invalidPath too
  ['members[value pr', 16],
  ['members[]', 8],
  ['members[a[b pr]]', 9],
  ['name.givenName[a pr]', 14],
  ['members[type eq "x"][value eq "y"]', 20],
  ['members(value eq "x")', 7],
  ['emails[type eq "work"] or x pr', 23],
  [`urn:x:${'a'.repeat(1100)}`, 1024],
];

describe('parsePath: invalid paths → invalidPath with offset', () => {
  for (const [text, offset] of INVALID) {
    test(JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text), () => {
      assert.throws(
        () => parsePath(text),
        (e: unknown) => {
          assert.ok(e instanceof ScimError);
          assert.equal(e.scimType, 'invalidPath');
          assert.equal(e.status, 400);
          assert.equal(e.offset, offset, e.detail);
          return true;
        },
      );
    });
  }
});

describe('parseAttrPath', () => {
  test('valid', () => {
    assert.deepEqual(parseAttrPath('userName'), { name: 'userName' });
    assert.deepEqual(parseAttrPath(' name.givenName '), { name: 'name', sub: 'givenName' });
    assert.deepEqual(parseAttrPath(`${ENT}:manager.displayName`), { uri: ENT, name: 'manager', sub: 'displayName' });
    assert.deepEqual(parseAttrPath('meta.lastModified'), { name: 'meta', sub: 'lastModified' });
  });
  for (const text of ['', 'emails[type eq "work"]', 'a.b.c', 'a b', '"a"', 'a,b', '__proto__']) {
    test(`invalid ${JSON.stringify(text)}`, () => {
      assert.throws(() => parseAttrPath(text), (e: unknown) => e instanceof ScimError && e.scimType === 'invalidPath');
    });
  }
});

describe('parsePath properties', () => {
  const outcome = (text: string): string => {
    try {
      parsePath(text);
      return 'ok';
    } catch (e) {
      if (e instanceof ScimError && e.scimType === 'invalidPath' && e.offset !== undefined) return 'invalidPath';
      throw e;
    }
  };

  test('formatted paths parse back to the same PatchPath', () => {
    const pathArb = fc.record({
      attr: attrPathArb,
      vf: fc.option(valFilterArb, { nil: undefined }),
      subAttr: fc.option(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,6}$/), { nil: undefined }),
    });
    fc.assert(
      fc.property(pathArb, ({ attr, vf, subAttr }) => {
        if (vf === undefined) {
          assert.deepEqual(parsePath(formatAttrPath(attr)), { attr });
          return;
        }
        const base = { name: attr.name, ...(attr.uri !== undefined ? { uri: attr.uri } : {}) };
        const text = `${formatAttrPath(base)}[${formatFilter(vf)}]${subAttr !== undefined ? `.${subAttr}` : ''}`;
        if (text.length > 1024) return;
        const expected = { attr: base, valueFilter: vf, ...(subAttr !== undefined ? { subAttr } : {}) };
        assert.deepEqual(parsePath(text), expected, text);
      }),
      { numRuns: 2000 },
    );
  });

  test('random strings and mutations: a path or invalidPath, nothing else', () => {
    const alphabet = fc.constantFrom(...'abXY09 []().":\\$-_'.split(''), 'eq', 'pr', 'and', 'not', '__proto__', 'constructor', '😀', '\u0000');
    const seeds = [`members[value eq "${ID}"].displayName`, `${ENT}:manager.value`, 'emails[type eq "work" and value ew "x"]'];
    const mutated = fc
      .record({ seed: fc.constantFrom(...seeds), at: fc.nat(), del: fc.nat({ max: 3 }), ins: fc.string({ unit: alphabet, maxLength: 3 }) })
      .map(({ seed, at, del, ins }) => {
        const i = at % (seed.length + 1);
        return seed.slice(0, i) + ins + seed.slice(i + del);
      });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: alphabet, maxLength: 20 }), mutated), (s) => {
        outcome(s);
      }),
      { numRuns: 50_000 },
    );
  });

  test('adversarial: deep nesting, long dotted paths, 50 KB of quotes', () => {
    assert.equal(outcome(`members[${'('.repeat(1000)}value pr${')'.repeat(1000)}]`), 'invalidPath');
    assert.equal(outcome(`members[${'('.repeat(100)}value pr${')'.repeat(100)}]`), 'invalidPath');
    assert.equal(outcome(Array(8000).fill('a').join('.')), 'invalidPath');
    assert.equal(outcome('"'.repeat(50_000)), 'invalidPath');
    assert.equal(outcome(' '.repeat(50_000)), 'invalidPath');
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});
