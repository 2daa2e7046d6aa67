import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ScimError } from '../errors.ts';
import type { Filter } from './ast.ts';
import { formatFilter } from './format.ts';
import { parseFilter } from './parser.ts';

const pr = (name: string): Filter => ({ kind: 'present', path: { name } });
const a = pr('a');
const b = pr('b');
const c = pr('c');

describe('formatFilter', () => {
  const CASES: Array<[Filter, string]> = [
    [{ kind: 'or', left: { kind: 'or', left: a, right: b }, right: c }, 'a pr or b pr or c pr'],
    [{ kind: 'or', left: a, right: { kind: 'or', left: b, right: c } }, 'a pr or (b pr or c pr)'],
    [{ kind: 'and', left: { kind: 'or', left: a, right: b }, right: c }, '(a pr or b pr) and c pr'],
    [{ kind: 'or', left: { kind: 'and', left: a, right: b }, right: c }, 'a pr and b pr or c pr'],
    [{ kind: 'or', left: a, right: { kind: 'and', left: b, right: c } }, 'a pr or b pr and c pr'],
    [{ kind: 'and', left: a, right: { kind: 'and', left: b, right: c } }, 'a pr and (b pr and c pr)'],
    [{ kind: 'not', filter: { kind: 'or', left: a, right: b } }, 'not (a pr or b pr)'],
    [
      { kind: 'valuePath', path: { name: 'emails', uri: 'urn:x:User' }, filter: { kind: 'compare', path: { name: 'type' }, op: 'eq', value: 'w"o\\rk' } },
      'urn:x:User:emails[type eq "w\\"o\\\\rk"]',
    ],
    [{ kind: 'compare', path: { name: 'n', sub: 's' }, op: 'ge', value: -1.5e-7 }, 'n.s ge -1.5e-7'],
    [{ kind: 'compare', path: { name: 'n' }, op: 'lt', value: 1e21 }, 'n lt 1e+21'],
    [{ kind: 'compare', path: { name: 'n' }, op: 'eq', value: null }, 'n eq null'],
    [{ kind: 'compare', path: { name: 'n' }, op: 'ne', value: false }, 'n ne false'],
    [{ kind: 'compare', path: { name: 'n' }, op: 'eq', value: '\u0001\u2028😀' }, 'n eq "\\u0001\u2028😀"'],
  ];
  for (const [ast, text] of CASES) {
    test(text, () => {
      assert.equal(formatFilter(ast), text);
      assert.deepEqual(parseFilter(text), ast);
    });
  }
  test('non-finite numbers cannot be formatted', () => {
    assert.throws(() => formatFilter({ kind: 'compare', path: { name: 'n' }, op: 'eq', value: Number.NaN }), ScimError);
  });
});
