/** The NUL-free stored form of strings on PostgreSQL (pg-text.ts): lossless and order-preserving. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeText, encodeText } from './pg-text.ts';

const chars = fc.constantFrom('\u0000', '\u0001', '\u0002', 'a', 'Z', '\u00e9', '\u{1F600}', '\uffff');
const str = fc.array(chars, { maxLength: 6 }).map((a) => a.join(''));
const cmp = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

describe('stored text on PostgreSQL', () => {
  it('holds no NUL, decodes back exactly, and keeps code point order', () => {
    fc.assert(fc.property(str, str, (a, b) => {
      assert.ok(!encodeText(a).includes('\u0000'));
      assert.equal(decodeText(encodeText(a)), a);
      assert.equal(Math.sign(cmp(encodeText(a), encodeText(b))), Math.sign(cmp(a, b)));
    }), { numRuns: 2000 });
  });
});
