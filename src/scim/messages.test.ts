import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isScimError } from './errors.ts';
import type { ScimType } from './errors.ts';
import { LIST_RESPONSE_URN, listResponse, parsePaging, parseSearchRequest, SEARCH_REQUEST_URN } from './messages.ts';

const limits = { defaultCount: 100, maxCount: 1000 };

function scimTypeOf(fn: () => unknown): ScimType | 'none' | 'other' {
  try {
    fn();
    return 'none';
  } catch (e) {
    return isScimError(e) ? (e.scimType ?? 'other') : 'other';
  }
}

test('parsePaging (RFC 7644 §3.4.2.4)', () => {
  const table: Array<[Parameters<typeof parsePaging>[0], { startIndex: number; count: number }]> = [
    [{}, { startIndex: 1, count: 100 }],
    [{ startIndex: '1', count: '2' }, { startIndex: 1, count: 2 }], // Okta test connection
    [{ startIndex: '101', count: '100' }, { startIndex: 101, count: 100 }],
    [{ startIndex: '0' }, { startIndex: 1, count: 100 }],
    [{ startIndex: '-5' }, { startIndex: 1, count: 100 }],
    [{ count: '-1' }, { startIndex: 1, count: 0 }],
    [{ count: '0' }, { startIndex: 1, count: 0 }],
    [{ count: '5000' }, { startIndex: 1, count: 1000 }],
    [{ count: '99999999999999999999999' }, { startIndex: 1, count: 1000 }],
    [{ startIndex: '99999999999999999999999' }, { startIndex: Number.MAX_SAFE_INTEGER, count: 100 }],
    [{ startIndex: ' 3 ', count: '+4' }, { startIndex: 3, count: 4 }],
    [{ startIndex: '', count: null }, { startIndex: 1, count: 100 }],
    [{ startIndex: 7, count: 8 }, { startIndex: 7, count: 8 }],
  ];
  for (const [input, expected] of table) assert.deepEqual(parsePaging(input, limits), expected, JSON.stringify(input));
  for (const bad of [{ count: 'ten' }, { startIndex: '1.5' }, { count: '1e3' }, { startIndex: 2.5 }, { count: '0x10' }]) {
    assert.equal(scimTypeOf(() => parsePaging(bad, limits)), 'invalidValue', JSON.stringify(bad));
  }
});

test('listResponse shape', () => {
  const empty = listResponse([], { totalResults: 0, startIndex: 1 });
  assert.deepEqual(empty, { schemas: [LIST_RESPONSE_URN], totalResults: 0, itemsPerPage: 0, startIndex: 1, Resources: [] });
  assert.deepEqual(Object.keys(empty), ['schemas', 'totalResults', 'itemsPerPage', 'startIndex', 'Resources']);
  const page = listResponse([{ id: 'a' }, { id: 'b' }], { totalResults: 10, startIndex: 3 });
  assert.equal(page.itemsPerPage, 2);
  assert.ok(Number.isInteger(page.totalResults) && Number.isInteger(page.startIndex));
  const cursor = listResponse([{ id: 'a' }], { totalResults: 5, itemsPerPage: 1, nextCursor: 'n1', previousCursor: 'p0' });
  assert.deepEqual(cursor, { schemas: [LIST_RESPONSE_URN], totalResults: 5, itemsPerPage: 1, nextCursor: 'n1', previousCursor: 'p0', Resources: [{ id: 'a' }] });
  assert.equal('startIndex' in cursor, false);
});

test('parseSearchRequest (RFC 7644 §3.4.3)', () => {
  const body = {
    schemas: [SEARCH_REQUEST_URN],
    attributes: ['displayName', 'userName'],
    excludedAttributes: [],
    filter: 'displayName sw "smith"',
    sortBy: 'userName',
    sortOrder: 'Descending',
    startIndex: 1,
    count: 10,
    cursor: 'abc',
    unknown: 1,
  };
  assert.deepEqual(parseSearchRequest(body), {
    attributes: ['displayName', 'userName'],
    excludedAttributes: [],
    filter: 'displayName sw "smith"',
    sortBy: 'userName',
    sortOrder: 'descending',
    startIndex: 1,
    count: 10,
    cursor: 'abc',
  });
  assert.deepEqual(parseSearchRequest({ schemas: [SEARCH_REQUEST_URN], ATTRIBUTES: 'a, b', filter: null }), { attributes: ['a', 'b'] });
  const table: Array<[unknown, ScimType]> = [
    [null, 'invalidSyntax'],
    [[], 'invalidSyntax'],
    [{}, 'invalidSyntax'],
    [{ schemas: ['urn:x'] }, 'invalidSyntax'],
    [{ schemas: [SEARCH_REQUEST_URN], attributes: [1] }, 'invalidValue'],
    [{ schemas: [SEARCH_REQUEST_URN], filter: 5 }, 'invalidValue'],
    [{ schemas: [SEARCH_REQUEST_URN], sortOrder: 'up' }, 'invalidValue'],
    [{ schemas: [SEARCH_REQUEST_URN], count: '10' }, 'invalidValue'],
    [{ schemas: [SEARCH_REQUEST_URN], startIndex: 1.5 }, 'invalidValue'],
    [{ schemas: [SEARCH_REQUEST_URN], cursor: {} }, 'invalidValue'],
  ];
  for (const [input, expected] of table) assert.equal(scimTypeOf(() => parseSearchRequest(input)), expected, JSON.stringify(input));
});
