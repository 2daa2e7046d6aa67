import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { defaultRegistry } from './registry.ts';
import { enterpriseUser, fullUser } from './rfc-examples.test-support.ts';
import { compareCodePoints, compareSortValues, sortValue } from './sort.ts';
import type { SortValue } from './sort.ts';
import { ENTERPRISE_USER_SCHEMA as ENT } from './types.ts';

const users = defaultRegistry.resourceSchema('User');

test('sortValue', () => {
  const table: Array<[Record<string, unknown>, { uri?: string; name: string; sub?: string }, SortValue]> = [
    [fullUser, { name: 'userName' }, 'bjensen@example.com'],
    [{ userName: 'ÅLICE' }, { name: 'userName' }, 'ålice'], // caseExact=false → foldCase
    [{ userName: 'ＡＢ' }, { name: 'userName' }, 'ab'], // fullwidth folded (NFKC)
    [{ externalId: 'ABC' }, { name: 'externalId' }, 'ABC'], // caseExact=true kept
    [fullUser, { name: 'name', sub: 'familyName' }, 'jensen'],
    [fullUser, { name: 'emails', sub: 'value' }, 'bjensen@example.com'],
    [{ emails: [{ value: 'B' }, { value: 'a', primary: true }] }, { name: 'emails', sub: 'value' }, 'a'], // primary wins
    [{ emails: [{ value: 'B' }, { value: 'a' }] }, { name: 'emails', sub: 'value' }, 'b'], // else first
    [{ emails: [{ value: 'B' }, { value: 'a', primary: true }] }, { name: 'emails' }, 'a'], // no sub → value
    [fullUser, { name: 'name' }, null], // single complex needs a sub
    [fullUser, { name: 'active' }, true],
    [fullUser, { name: 'meta', sub: 'created' }, Date.parse('2010-01-23T04:56:22Z')],
    [enterpriseUser, { uri: ENT, name: 'employeeNumber' }, '701984'],
    [enterpriseUser, { name: 'manager', sub: 'value' }, '26118915-6090-4610-87e4-49d8ca9f808d'],
    [{}, { name: 'userName' }, null],
    [{ emails: [] }, { name: 'emails', sub: 'value' }, null],
    [fullUser, { name: 'nope' }, null],
  ];
  for (const [res, path, expected] of table) assert.equal(sortValue(users, res, path), expected, JSON.stringify(path));
});

test('compareSortValues: nulls last ascending, first descending', () => {
  const values: SortValue[] = ['b', null, 'a', 'B'];
  assert.deepEqual([...values].sort((x, y) => compareSortValues(x, y, 'ascending')), ['B', 'a', 'b', null]);
  assert.deepEqual([...values].sort((x, y) => compareSortValues(x, y, 'descending')), [null, 'b', 'a', 'B']);
  assert.deepEqual([3, null, 1, 2].sort((x, y) => compareSortValues(x, y)), [1, 2, 3, null]);
  assert.deepEqual([true, false].sort((x, y) => compareSortValues(x, y)), [false, true]);
  assert.equal(compareSortValues(null, null, 'descending') === 0, true);
});

test('compareCodePoints is code point (UTF-8 byte) order', () => {
  // U+FF5E (BMP, above the surrogates) sorts before U+1F600 (astral): UTF-16 `<` gets this wrong.
  assert.equal(compareCodePoints('\uff5e', '\u{1f600}'), -1);
  assert.ok('\uff5e' > '\u{1f600}');
  assert.equal(compareCodePoints('a', 'ab'), -1);
  assert.equal(compareCodePoints('ab', 'ab'), 0);
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
      const bytes = Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
      assert.equal(compareCodePoints(a, b), bytes);
    }),
  );
});
