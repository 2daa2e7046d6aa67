import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { API_KEY_PREFIX, crc32, digestSecret, generateApiKey, isExpired, maskApiKey, parseApiKey, randomString } from './api-keys.ts';

test('a generated key has the prefix, parses back, and its record holds only a digest and last4', () => {
  const { plaintext, record } = generateApiKey('t1', new Date('2025-01-01T00:00:00Z'));
  assert.match(plaintext, /^roster_[0-9A-Za-z]{16}_[0-9A-Za-z]{49}$/);
  const parsed = parseApiKey(plaintext);
  assert.ok(parsed);
  assert.equal(parsed.id, record.id);
  assert.equal(record.digest, digestSecret(parsed.secret));
  assert.equal(record.last4, plaintext.slice(-4));
  assert.equal(record.expiresAt, null);
  assert.ok(!JSON.stringify(record).includes(parsed.secret));
  assert.equal(maskApiKey(record), `${API_KEY_PREFIX}${record.id}_…${record.last4}`);
});

test('keys are unique and the secret carries 256 bits (43 base62 characters)', () => {
  const keys = new Set(Array.from({ length: 200 }, () => generateApiKey('t').plaintext));
  assert.equal(keys.size, 200);
  assert.ok(43 * Math.log2(62) >= 256);
});

test('crc32 matches the IEEE check value', () => {
  assert.equal(crc32('123456789'), 0xcbf43926);
});

test('malformed keys are rejected without a lookup', () => {
  const key = generateApiKey('t').plaintext;
  const last = key.at(-1) === 'a' ? 'b' : 'a';
  for (const bad of ['', 'roster_', key.slice(0, -1), `${key}x`, key.slice(0, -1) + last, key.replace('roster_', 'rostex_'), ` ${key}`, key.toUpperCase()]) {
    assert.equal(parseApiKey(bad), undefined, bad);
  }
});

test('property: any single-character change breaks the checksum or the shape', () => {
  const key = generateApiKey('t').plaintext;
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_';
  fc.assert(
    fc.property(fc.integer({ min: 0, max: key.length - 1 }), fc.constantFrom(...alphabet), (i, ch) => {
      fc.pre(key[i] !== ch);
      const changed = key.slice(0, i) + ch + key.slice(i + 1);
      const parsed = parseApiKey(changed);
      // A changed secret/id that still passes the CRC would need a CRC collision on one character: impossible for CRC32.
      return parsed === undefined;
    }),
  );
});

test('randomString draws from the alphabet', () => {
  const s = randomString(1000, 'ab');
  assert.match(s, /^[ab]{1000}$/);
  assert.ok(s.includes('a') && s.includes('b'));
});

test('expiry: expiresAt <= now is expired', () => {
  const now = new Date('2025-01-01T00:00:00.000Z');
  assert.equal(isExpired({ expiresAt: null }, now), false);
  assert.equal(isExpired({ expiresAt: '2025-01-01T00:00:00.000Z' }, now), true);
  assert.equal(isExpired({ expiresAt: '2025-01-01T00:00:00.001Z' }, now), false);
});
