import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { boundDetail, clipEcho, invalidFilter, MAX_DETAIL, MAX_ECHO } from './errors.ts';

test('a short detail is kept as it is', () => {
  assert.equal(boundDetail('unknown attribute \'nope\''), 'unknown attribute \'nope\'');
  assert.equal(invalidFilter('bad', 3).detail, 'bad (at offset 3)');
});

test('a long run without spaces is clipped to MAX_ECHO characters and "…"', () => {
  const e = invalidFilter(`unknown attribute '${'x'.repeat(20000)}'`, 0);
  assert.equal(e.detail, `unknown attribute '${'x'.repeat(MAX_ECHO - 1)}… (at offset 0)`);
  assert.equal(e.message, e.detail);
});

test('a long detail keeps its head and its tail (the offset)', () => {
  const d = boundDetail(`"${'a b '.repeat(5000)}": expected ']' (at offset 20001)`);
  assert.ok(d.length <= MAX_DETAIL);
  assert.ok(d.startsWith('"a b a b'));
  assert.ok(d.endsWith(': expected \']\' (at offset 20001)'));
  assert.ok(d.includes('…'));
});

test('clipEcho never splits a surrogate pair', () => {
  assert.equal(clipEcho(`${'a'.repeat(MAX_ECHO - 1)}😀😀`), `${'a'.repeat(MAX_ECHO - 1)}…`);
});

test('property: every bounded detail is at most MAX_DETAIL characters and well-formed', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 2000 }), (s) => {
      const d = boundDetail(s);
      return d.length <= MAX_DETAIL && !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(d) && (s.length > MAX_ECHO || d === s);
    }),
  );
});
