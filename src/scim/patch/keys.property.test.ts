/**
 * The comparison keys of keys.ts agree with the pairwise definitions of values.ts
 * (`valueEqual`, `valueMatches`, RFC 7643 §2.2 case rules) on random values: the
 * linear matching changes no answer of the quadratic one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { defaultRegistry } from '../schema/registry.ts';
import type { AttributeDefinition } from '../schema/types.ts';
import { dedupeValues, ElementIndex, PatternSet, valueKey } from './keys.ts';
import { valueEqual, valueMatches } from './values.ts';

const users = defaultRegistry.resourceSchema('User');
const attr = (name: string): AttributeDefinition => {
  const r = users.resolve({ name });
  if (r === undefined) throw new Error(name);
  return r.attribute;
};
const emails = attr('emails');
const x509 = attr('x509Certificates');

// Few distinct letters and case variants, so equal values are frequent.
const text = fc.constantFrom('a', 'A', 'b', 'ß', 'SS', 'ss', 'Ａ', '1');
const email = fc.record(
  { value: text, type: fc.constantFrom('work', 'WORK', 'home'), primary: fc.boolean(), display: text },
  { requiredKeys: [] },
);
const runs = { numRuns: 2000 };

describe('keys agree with valueEqual / valueMatches', () => {
  it('valueKey equality ⟺ valueEqual (complex, caseExact false)', () => {
    fc.assert(fc.property(email, email, (a, b) => (valueKey(emails, a) === valueKey(emails, b)) === valueEqual(emails, a, b)), runs);
  });

  it('dedupeValues keeps the first of each class of equal values', () => {
    fc.assert(
      fc.property(fc.array(email, { maxLength: 12 }), (list) => {
        const expected: unknown[] = [];
        for (const v of list) if (!expected.some((o) => valueEqual(emails, o, v))) expected.push(v);
        assert.deepEqual(dedupeValues(emails, list), expected);
      }),
      runs,
    );
  });

  it('PatternSet and ElementIndex ⟺ some valueMatches', () => {
    fc.assert(
      fc.property(fc.array(email, { maxLength: 6 }), fc.array(email, { maxLength: 6 }), (patterns, elements) => {
        const set = new PatternSet(emails, patterns);
        const index = new ElementIndex(emails, elements);
        for (const e of elements) assert.equal(set.matches(e), patterns.some((p) => valueMatches(emails, p, e)));
        for (const p of patterns) assert.equal(index.has(p), elements.some((e) => valueMatches(emails, p, e)));
      }),
      runs,
    );
  });

  it('binary values compare exactly', () => {
    const a = { value: 'QUJD' };
    const b = { value: 'qujd' };
    assert.equal(valueEqual(x509, a, b), false);
    assert.notEqual(valueKey(x509, a), valueKey(x509, b));
  });
});
