import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compareCodePoints } from './compare.ts';
import { dateTimeKey } from './datetime.ts';

describe('compareCodePoints', () => {
  const CASES: Array<[string, string, number]> = [
    ['', '', 0],
    ['a', 'a', 0],
    ['a', 'b', -1],
    ['b', 'a', 1],
    ['a', 'ab', -1],
    ['B', 'a', -1],
    ['\uff61', '\u{1f600}', -1], // UTF-16 units say the opposite
    ['\u{1f600}', '\ue000', 1],
    ['\u{1f600}', '\u{1f601}', -1],
    ['é', 'z', 1],
  ];
  for (const [a, b, expected] of CASES) {
    test(`${JSON.stringify(a)} vs ${JSON.stringify(b)}`, () => assert.equal(compareCodePoints(a, b), expected));
  }
  test('agrees with UTF-8 byte order (what SQL BINARY / "C" collations compare)', () => {
    const str = fc.string({ unit: fc.oneof(fc.constantFrom('a', 'Z', '\ue000', '\uffff', '\uff61', '😀', '\u{10ffff}', 'é'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 6 });
    fc.assert(
      fc.property(str, str, (a, b) => {
        assert.equal(compareCodePoints(a, b), Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('dateTimeKey', () => {
  const VALID: Array<[string, string]> = [
    ['2011-05-13T04:42:34Z', '2011-05-13T04:42:34.000000000Z'],
    ['2011-05-13t04:42:34z', '2011-05-13T04:42:34.000000000Z'],
    ['2011-05-13T04:42:34', '2011-05-13T04:42:34.000000000Z'], // no zone: read as UTC
    ['2011-05-13T04:42:34.5Z', '2011-05-13T04:42:34.500000000Z'],
    ['2011-05-13T04:42:34.123456789Z', '2011-05-13T04:42:34.123456789Z'],
    ['2011-05-13T06:42:34+02:00', '2011-05-13T04:42:34.000000000Z'],
    ['2011-05-13T00:30:00+01:00', '2011-05-12T23:30:00.000000000Z'],
    ['2011-12-31T23:30:00-01:00', '2012-01-01T00:30:00.000000000Z'],
    ['2020-02-29T12:00:00+14:00', '2020-02-28T22:00:00.000000000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000000000Z'],
    ['0050-06-01T00:00:00Z', '0050-06-01T00:00:00.000000000Z'], // not 1950
    ['9999-12-31T23:59:59.999999999Z', '9999-12-31T23:59:59.999999999Z'],
  ];
  for (const [text, key] of VALID) test(`valid ${text}`, () => assert.equal(dateTimeKey(text), key));
  const INVALID = [
    '', '2011-05-13', '2011-05-13 04:42:34Z', '2011-5-13T04:42:34Z', '2011-02-29T00:00:00Z', '2011-13-01T00:00:00Z',
    '2011-00-01T00:00:00Z', '2011-05-13T24:00:00Z', '2011-05-13T04:60:00Z', '2011-05-13T04:42:60Z',
    '2011-05-13T04:42:34.Z', '2011-05-13T04:42:34.1234567890Z', '2011-05-13T04:42:34+2:00', '2011-05-13T04:42:34+15:00',
    '2011-05-13T04:42:34+02:60', '2011-05-13T04:42:34ZZ', '2011-05-13T04:42:34+0200', '0000-01-01T00:00:00Z',
    '0001-01-01T00:00:00+01:00', '9999-12-31T23:59:59-01:00', '+2011-05-13T04:42:34Z', 'yesterday', '２０１１-05-13T04:42:34Z',
  ];
  for (const text of INVALID) test(`invalid ${JSON.stringify(text)}`, () => assert.equal(dateTimeKey(text), undefined));
  test('key order is instant order', () => {
    const instant = fc.date({ min: new Date('0100-01-01T00:00:00Z'), max: new Date('9900-01-01T00:00:00Z'), noInvalidDate: true });
    fc.assert(
      fc.property(instant, instant, fc.integer({ min: -14 * 60, max: 14 * 60 }), (a, b, off) => {
        const withOffset = (d: Date): string => {
          const local = new Date(d.getTime() + off * 60_000).toISOString().slice(0, 23);
          const sign = off < 0 ? '-' : '+';
          const abs = Math.abs(off);
          return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        };
        const ka = dateTimeKey(withOffset(a)) as string;
        const kb = dateTimeKey(b.toISOString()) as string;
        assert.equal(Math.sign(ka < kb ? -1 : ka > kb ? 1 : 0), Math.sign(a.getTime() - b.getTime()));
      }),
      { numRuns: 2000 },
    );
  });
});
