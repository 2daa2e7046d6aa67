import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { findDuplicateKey } from './json-keys.ts';

const cases: [string, string | undefined][] = [
  ['{"a":1,"b":2}', undefined],
  ['{"a":1,"a":2}', 'a'],
  ['{"a":{"x":1},"b":{"x":2}}', undefined],
  ['{"a":[{"x":1,"x":2}]}', 'x'],
  ['[{"a":1},{"a":1}]', undefined],
  ['{"a":"a","b":"a"}', undefined],
  ['{"a\\u0062":1,"ab":2}', 'ab'],
  ['{"q\\"":1,"q\\"":2}', 'q"'],
  ['{"userName":"x","username":"y"}', undefined],
  ['{"__proto__":{"polluted":1}}', '__proto__'],
  ['{"a":{},"b":[],"a":null}', 'a'],
  ['{"s":"}{,[","s2":"\\\\"}', undefined],
];
for (const [text, expected] of cases) {
  test(`findDuplicateKey ${text}`, () => assert.equal(findDuplicateKey(text), expected));
}

test('property: JSON.stringify output never has duplicates', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      const text = JSON.stringify(v);
      const dup = findDuplicateKey(text);
      return dup === undefined || dup === '__proto__';
    }),
  );
});
