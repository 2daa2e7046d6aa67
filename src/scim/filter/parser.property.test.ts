import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ScimError } from '../errors.ts';
import { filterArb } from './arbitraries.test.ts';
import { formatFilter } from './format.ts';
import { parseFilter } from './parser.ts';

/** parseFilter either returns a filter or throws invalidFilter with an offset inside the text. */
function parsesOrInvalidFilter(text: string): void {
  try {
    parseFilter(text);
  } catch (e) {
    if (!(e instanceof ScimError) || e.scimType !== 'invalidFilter') throw e;
    assert.ok(e.offset !== undefined && e.offset >= 0 && e.offset <= Math.max(text.length, 16384), `offset ${e.offset}`);
  }
}

const SEEDS = [
  'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
  'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x\\u00e9\\ud83d\\ude00"',
  'not (meta.lastModified gt "2011-05-13T04:42:34Z") and n le -1.5e3 and active eq true',
];
const NOISE = ['(', ')', '[', ']', '"', '\\', ' ', '.', ':', '-', 'e', '0', 'u', 'not', ' and ', ' or ', 'pr', '\u0000', '😀', '\ud800'];

describe('parseFilter properties (docs/reliability.md IN-1)', () => {
  test('formatFilter output parses back to the identical AST', () => {
    fc.assert(
      fc.property(filterArb, (ast) => {
        const text = formatFilter(ast);
        assert.deepEqual(parseFilter(text), ast, text);
      }),
      { numRuns: 3000 },
    );
  });

  test('100,000 random strings: a filter or invalidFilter, nothing else', () => {
    const alphabet = fc.constantFrom(...'abcXYZ019 ()[]."\\:$-_+eE'.split(''), 'eq', 'pr', 'and', 'or', 'not', 'true', 'null', 'é', '😀', '\t', '\u0000');
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: alphabet, maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 20 })), (s) =>
        parsesOrInvalidFilter(s),
      ),
      { numRuns: 100_000 },
    );
  });

  test('character-level mutations of valid filters', () => {
    const mutation = fc.record({
      seed: fc.oneof(fc.constantFrom(...SEEDS), filterArb.map(formatFilter)),
      edits: fc.array(fc.record({ at: fc.nat(), del: fc.nat({ max: 3 }), ins: fc.constantFrom('', ...NOISE) }), { minLength: 1, maxLength: 4 }),
    });
    fc.assert(
      fc.property(mutation, ({ seed, edits }) => {
        let s = seed;
        for (const { at, del, ins } of edits) {
          const i = at % (s.length + 1);
          s = s.slice(0, i) + ins + s.slice(i + del);
        }
        parsesOrInvalidFilter(s);
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('parseFilter: adversarial inputs fail cleanly (docs/reliability.md RL-2, RL-3)', () => {
  const outcome = (text: string, limits?: { maxLength?: number; maxDepth?: number }): string => {
    try {
      parseFilter(text, limits);
      return 'ok';
    } catch (e) {
      if (e instanceof ScimError) return e.scimType ?? 'ScimError';
      throw e; // a RangeError (stack overflow) fails the test
    }
  };
  const big = { maxLength: 1_000_000, maxDepth: 32 };

  test('1,000-deep parentheses', () => {
    assert.equal(outcome(`${'('.repeat(1000)}a pr${')'.repeat(1000)}`), 'invalidFilter');
    assert.equal(outcome(`${'('.repeat(1000)}a pr${')'.repeat(1000)}`, big), 'invalidFilter');
    assert.equal(outcome('('.repeat(100_000), big), 'invalidFilter');
  });
  test('not(not(...)) chains', () => {
    assert.equal(outcome(`${'not('.repeat(1000)}a pr${')'.repeat(1000)}`, big), 'invalidFilter');
    assert.equal(outcome(`${'not ('.repeat(20)}a pr${')'.repeat(20)}`), 'ok');
  });
  test('10,000 or terms: refused by the length cap, parsed without recursion when allowed', () => {
    const terms = Array.from({ length: 10_000 }, (_, i) => `a${i} eq "${i}"`).join(' or ');
    assert.equal(outcome(terms), 'invalidFilter');
    assert.equal(outcome(terms, big), 'ok');
    const f = parseFilter(terms, big);
    assert.equal(f.kind, 'or');
    assert.equal(formatFilter(f), terms);
    assert.equal(outcome(Array(50_000).fill('a pr').join(' and '), { maxLength: 1_000_000 }), 'ok');
  });
  test('8,000-segment dotted paths', () => {
    assert.equal(outcome(`${Array(8000).fill('a').join('.')} pr`), 'invalidFilter');
    assert.equal(outcome(`urn:${Array(8000).fill('x').join(':')} pr`, big), 'ok');
  });
  test('50 KB of spaces and quotes', () => {
    for (const s of [' '.repeat(50_000), '"'.repeat(50_000), '\\"'.repeat(25_000), `a eq "${'\\'.repeat(50_000)}`, `a eq "${' '.repeat(50_000)}`]) {
      assert.equal(outcome(s), 'invalidFilter');
      assert.equal(outcome(s, big), 'invalidFilter');
    }
    assert.equal(outcome(`a eq "${'\\"'.repeat(25_000)}"`, big), 'ok');
  });
  test('Object.prototype is never touched', () => {
    parseFilter('constructor.prototype eq "x" or prototype.polluted pr');
    // ATTRNAME starts with ALPHA (RFC 7643 §2.1), so `__proto__` is not a name at all.
    assert.equal(outcome('__proto__.polluted eq "x"'), 'invalidFilter');
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});
