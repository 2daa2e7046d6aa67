import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_LISTED, diffResource, membersChange, redactedPath } from './change.ts';
import { MEMBER_BATCH, directoryEvents } from './events.ts';

const secret = new Set(['password']);

test('simple and sub-attribute changes carry their path, before and after', () => {
  const d = diffResource(
    { userName: 'a', name: { givenName: 'A', familyName: 'X' }, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: '1' } },
    { userName: 'b', name: { givenName: 'A' }, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: '2' } },
    secret,
  );
  assert.deepEqual(d, [
    { path: 'name.familyName', before: 'X' },
    { path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber', before: '1', after: '2' },
    { path: 'userName', before: 'a', after: 'b' },
  ]);
});

test('multi-valued attributes compare as values, not positions', () => {
  const a = { value: 'a@x', type: 'work' };
  const b = { value: 'b@x', type: 'home' };
  assert.deepEqual(diffResource({ emails: [a, b] }, { emails: [b, a] }, secret), []);
  assert.deepEqual(diffResource({ emails: [a] }, { emails: [{ type: 'home', value: 'b@x' }, a] }, secret), [
    { path: 'emails', added: [{ type: 'home', value: 'b@x' }], removed: [], addedCount: 1, removedCount: 0 },
  ]);
});

test('password and writeOnly attributes never appear, at any depth', () => {
  const d = diffResource({ userName: 'a' }, { userName: 'a', password: 'S3cret!', x: { password: 'S3cret!', y: 1 } }, secret);
  assert.ok(!JSON.stringify(d).includes('S3cret'));
  assert.deepEqual(d, [{ path: 'x', after: { y: 1 } }]);
});

test('multi-valued lists and member lists are bounded, with full counts', () => {
  const ids = Array.from({ length: 250 }, (_, i) => `u${i}`);
  const m = membersChange(ids, []);
  assert.equal(m?.added.length, MAX_LISTED);
  assert.equal(m?.addedCount, 250);
  assert.equal(membersChange([], []), undefined);
  const d = diffResource({ emails: [] }, { emails: ids.map((value) => ({ value })) }, secret);
  assert.equal(d[0]?.added?.length, MAX_LISTED);
  assert.equal(d[0]?.addedCount, 250);
});

test('the filter value is redacted from the path', () => {
  assert.equal(redactedPath('/Users', new URLSearchParams('filter=userName eq "bob"&count=2')), '/Users?filter=%E2%80%A6&count=2');
  assert.equal(redactedPath('/Users/1?filter=x'), '/Users/1?filter=%E2%80%A6');
  assert.equal(redactedPath('/Users/1'), '/Users/1');
});

test('events: user activation flips and member batches', () => {
  const ev = directoryEvents('User', 'u1', 'patch', { userName: 'a', active: false }, [{ path: 'active', before: true, after: false }, { path: 'title', after: 'x' }]);
  assert.deepEqual(ev.map((e) => e.type), ['user.updated', 'user.deactivated']);
  assert.deepEqual(ev[0]?.payload['attributes'], ['title']);
  const only = directoryEvents('User', 'u1', 'patch', {}, [{ path: 'active', before: false, after: true }]);
  assert.deepEqual(only.map((e) => e.type), ['user.reactivated']);
  const ids = Array.from({ length: 2 * MEMBER_BATCH + 1 }, (_, i) => `m${i}`);
  const g = directoryEvents('Group', 'g', 'patch', { displayName: 'G' }, [], ids, ['r']);
  assert.deepEqual(g.map((e) => e.type), ['role.member_added', 'role.member_added', 'role.member_added', 'role.member_removed']);
  assert.deepEqual(g.flatMap((e) => (e.type === 'role.member_added' ? (e.payload['members'] as string[]) : [])), ids);
  assert.ok(g.every((e) => (e.payload['members'] as string[]).length <= MEMBER_BATCH));
});
