import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ScimError } from '../errors.ts';
import type { AttrPath, CompareOp, CompValue, Filter } from './ast.ts';
import { formatFilter } from './format.ts';
import { parseFilter } from './parser.ts';

const p = (name: string, sub?: string, uri?: string): AttrPath => ({
  name,
  ...(sub !== undefined ? { sub } : {}),
  ...(uri !== undefined ? { uri } : {}),
});
const cmp = (path: AttrPath | string, op: CompareOp, value: CompValue): Filter => ({
  kind: 'compare',
  path: typeof path === 'string' ? p(path) : path,
  op,
  value,
});
const pr = (path: AttrPath | string): Filter => ({ kind: 'present', path: typeof path === 'string' ? p(path) : path });
const and = (left: Filter, right: Filter): Filter => ({ kind: 'and', left, right });
const or = (left: Filter, right: Filter): Filter => ({ kind: 'or', left, right });
const not = (filter: Filter): Filter => ({ kind: 'not', filter });
const vp = (path: string, filter: Filter): Filter => ({ kind: 'valuePath', path: p(path), filter });

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const LM = p('meta', 'lastModified');
const EMAILS_OR = or(cmp('emails', 'co', 'example.com'), cmp(p('emails', 'value'), 'co', 'example.org'));

// Every filter example of RFC 7644 §3.4.2.2, plus §3.4.3's, reproduced as printed.
const RFC_EXAMPLES: Array<[string, Filter]> = [
  ['userName eq "bjensen"', cmp('userName', 'eq', 'bjensen')],
  ['name.familyName co "O\'Malley"', cmp(p('name', 'familyName'), 'co', "O'Malley")],
  ['userName sw "J"', cmp('userName', 'sw', 'J')],
  [`${CORE}:userName sw "J"`, cmp(p('userName', undefined, CORE), 'sw', 'J')],
  ['title pr', pr('title')],
  ['meta.lastModified gt "2011-05-13T04:42:34Z"', cmp(LM, 'gt', '2011-05-13T04:42:34Z')],
  ['meta.lastModified ge "2011-05-13T04:42:34Z"', cmp(LM, 'ge', '2011-05-13T04:42:34Z')],
  ['meta.lastModified lt "2011-05-13T04:42:34Z"', cmp(LM, 'lt', '2011-05-13T04:42:34Z')],
  ['meta.lastModified le "2011-05-13T04:42:34Z"', cmp(LM, 'le', '2011-05-13T04:42:34Z')],
  ['title pr and userType eq "Employee"', and(pr('title'), cmp('userType', 'eq', 'Employee'))],
  ['title pr or userType eq "Intern"', or(pr('title'), cmp('userType', 'eq', 'Intern'))],
  [`schemas eq "${ENT}"`, cmp('schemas', 'eq', ENT)],
  [
    'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
    and(cmp('userType', 'eq', 'Employee'), EMAILS_OR),
  ],
  [
    'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
    and(cmp('userType', 'ne', 'Employee'), not(EMAILS_OR)),
  ],
  ['userType eq "Employee" and (emails.type eq "work")', and(cmp('userType', 'eq', 'Employee'), cmp(p('emails', 'type'), 'eq', 'work'))],
  [
    'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
    and(cmp('userType', 'eq', 'Employee'), vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com')))),
  ],
  [
    'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
    or(
      vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com'))),
      vp('ims', and(cmp('type', 'eq', 'xmpp'), cmp('value', 'co', '@foo.com'))),
    ),
  ],
  [`${CORE}:name.familyName co "O'Malley"`, cmp(p('name', 'familyName', CORE), 'co', "O'Malley")],
  ['displayName sw "smith"', cmp('displayName', 'sw', 'smith')],
];

describe('parseFilter: RFC 7644 §3.4.2.2 examples', () => {
  for (const [text, expected] of RFC_EXAMPLES) {
    test(text, () => {
      const f = parseFilter(text);
      assert.deepEqual(f, expected);
      assert.deepEqual(parseFilter(formatFilter(f)), f);
    });
  }
});

const VALID: Array<[string, Filter]> = [
  // Operators, literals and keywords are case-insensitive.
  ['userName EQ "x"', cmp('userName', 'eq', 'x')],
  ['title PR AND active Eq TRUE', and(pr('title'), cmp('active', 'eq', true))],
  ['a eq False or b eq NULL', or(cmp('a', 'eq', false), cmp('b', 'eq', null))],
  ['NOT (a pr)', not(pr('a'))],
  ['not(a pr)', not(pr('a'))],
  // RFC 7644 §3.5.2.2 prints `value eq"2819c223..."`: accepted.
  ['members[value eq"2819c223"]', vp('members', cmp('value', 'eq', '2819c223'))],
  ['  a   eq   "x"   and   b  pr  ', and(cmp('a', 'eq', 'x'), pr('b'))],
  ['(a pr)and(b pr)', and(pr('a'), pr('b'))],
  // Precedence: and binds tighter than or; chains are left-associative.
  ['a pr or b pr and c pr', or(pr('a'), and(pr('b'), pr('c')))],
  ['a pr and b pr or c pr', or(and(pr('a'), pr('b')), pr('c'))],
  ['a pr or b pr or c pr', or(or(pr('a'), pr('b')), pr('c'))],
  ['a pr or (b pr or c pr)', or(pr('a'), or(pr('b'), pr('c')))],
  ['((a pr))', pr('a')],
  ['not (a pr) and b pr', and(not(pr('a')), pr('b'))],
  // Numbers are JSON numbers.
  ['n gt -1.5e3', cmp('n', 'gt', -1500)],
  ['n eq 0', cmp('n', 'eq', 0)],
  ['n eq -0', cmp('n', 'eq', 0)],
  ['n le 1E+2', cmp('n', 'le', 100)],
  // Strings take every JSON escape, including surrogate pairs.
  ['a eq "\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00"', cmp('a', 'eq', '"\\/\b\f\n\r\té😀')],
  ['a eq "😀 ü %_\'"', cmp('a', 'eq', "😀 ü %_'")],
  ['a eq ""', cmp('a', 'eq', '')],
  // Extension URNs: the URI is everything up to the last colon.
  [`${ENT}:employeeNumber eq "701984"`, cmp(p('employeeNumber', undefined, ENT), 'eq', '701984')],
  [`${ENT}:manager.value eq "26118915"`, cmp(p('manager', 'value', ENT), 'eq', '26118915')],
  ['members.$ref pr', pr(p('members', '$ref'))],
  ['x-y_1 pr', pr('x-y_1')],
  // Attribute names that look like keywords, and names like __proto__ parse as names.
  ['not eq "x"', cmp('not', 'eq', 'x')],
  ['and pr', pr('and')],
  ['constructor pr and prototype eq "x"', and(pr('constructor'), cmp('prototype', 'eq', 'x'))],
  [
    'emails[type eq "work" or (type eq "home" and not (value ew "@example.com"))]',
    vp('emails', or(cmp('type', 'eq', 'work'), and(cmp('type', 'eq', 'home'), not(cmp('value', 'ew', '@example.com'))))),
  ],
];

describe('parseFilter: valid filters', () => {
  for (const [text, expected] of VALID) {
    test(text, () => {
      const f = parseFilter(text);
      assert.deepEqual(f, expected);
      assert.ok(Object.isFrozen(f));
      assert.deepEqual(parseFilter(formatFilter(f)), f);
    });
  }
});

const INVALID: Array<[string, number]> = [
  ['', 0],
  ['   ', 3],
  ['userName', 8],
  ['userName eq', 11],
  ['userName eq jyoung', 12], // unquoted values are refused in the core
  ['userName eq 2819c223-7f76', 12],
  ['userName equals "x"', 9],
  ['userName eq "x" "y"', 16],
  ['userName eq "x" and', 19],
  ['userName eq "x" nand b pr', 16],
  ['userName eq "unterminated', 12],
  ['userName eq "bad \\x escape"', 17],
  ['userName eq "\\u12"', 13],
  ['userName eq "\\ud83d"', 13], // unpaired surrogate
  ['userName eq "\\ude00"', 13],
  ['userName eq "\\u0000"', 13],
  ['userName eq "tab\there"', 16], // raw control character
  ['not a pr', 4], // RFC 7644 §3.4.2.2: not (valFilter)
  ['not not (a pr)', 4],
  ['(a pr', 5],
  ['a pr)', 4],
  ['()', 1],
  ['a pr and ()', 10],
  ['a.b.c pr', 3],
  ['a. pr', 2],
  ['.a pr', 0],
  [':a pr', 0],
  ['urn:x: pr', 6],
  ['1a pr', 0],
  ['a eq 01', 5],
  ['a eq 1.', 7],
  ['a eq 1e', 7],
  ['a eq +1', 5],
  ['a eq 1e999', 5],
  ['a eq 1abc', 5],
  ['a gt true', 5], // ordering needs string or number
  ['a lt null', 5],
  ['a co 1', 5], // substring ops need strings
  ['a sw true', 5],
  ['a ew null', 5],
  ['a pr "x"', 5],
  ['emails[type eq "work"', 21],
  ['emails[type eq "work"]]', 22],
  ['emails[]', 7],
  ['emails[a[b pr]]', 8], // no nested value paths (RFC 7644 errata 4690)
  ['emails[emails.type eq "work"]', 7], // inner paths are sub-attribute names
  [`emails[${ENT}:x pr]`, 7],
  ['name.givenName[a pr]', 14],
  ['emails[type eq "work"].value eq "x"', 22],
  ['a eq "x" @', 9],
  ['a eq \'x\'', 5],
  ['a = "x"', 2],
];

describe('parseFilter: invalid filters → invalidFilter with offset', () => {
  for (const [text, offset] of INVALID) {
    test(JSON.stringify(text), () => {
      assert.throws(
        () => parseFilter(text),
        (e: unknown) => {
          assert.ok(e instanceof ScimError);
          assert.equal(e.scimType, 'invalidFilter');
          assert.equal(e.status, 400);
          assert.equal(e.offset, offset, e.detail);
          return true;
        },
      );
    });
  }
});

describe('parseFilter: caps', () => {
  const code = (fn: () => unknown): unknown => {
    try {
      fn();
      return 'ok';
    } catch (e) {
      return e instanceof ScimError ? `${e.scimType}@${e.offset}` : e;
    }
  };
  test('length is checked before scanning', () => {
    assert.equal(code(() => parseFilter(`a eq "${'x'.repeat(20_000)}"`)), 'invalidFilter@16384');
    assert.equal(code(() => parseFilter('a pr', { maxLength: 3 })), 'invalidFilter@3');
    assert.equal(code(() => parseFilter(`a eq "${'x'.repeat(20_000)}"`, { maxLength: 30_000 })), 'ok');
  });
  test('nesting depth counts (, not ( and [', () => {
    const nested = (n: number): string => `${'('.repeat(n)}a pr${')'.repeat(n)}`;
    assert.equal(code(() => parseFilter(nested(32))), 'ok');
    assert.equal(code(() => parseFilter(nested(33))), 'invalidFilter@32');
    assert.equal(code(() => parseFilter(`${'not ('.repeat(33)}a pr${')'.repeat(33)}`)), 'invalidFilter@164');
    assert.equal(code(() => parseFilter('emails[(type pr)]', { maxDepth: 1 })), 'invalidFilter@7');
  });
  test('non-string input', () => {
    assert.equal(code(() => parseFilter(42 as unknown as string)), 'invalidFilter@0');
  });
});
