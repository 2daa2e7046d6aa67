import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultRegistry } from '../scim/schema/registry.ts';
import { ENTERPRISE_USER_SCHEMA } from '../scim/schema/types.ts';
import { collectBulkRefs, mapBulkRefs } from './bulk-refs.ts';

const TYPES = ['User', 'Group'];
const users = defaultRegistry.resourceSchema('User');
const groups = defaultRegistry.resourceSchema('Group');
const ids = new Map([['u1', 'id-1'], ['g1', 'id-g']]);
const resolve = (ref: string, original: string): string => ids.get(ref) ?? original;

test('the id segment of the path, and nothing else of it', () => {
  assert.equal(mapBulkRefs({ method: 'DELETE', path: '/Users/bulkId:u1' }, users, TYPES, resolve).path, '/Users/id-1');
  assert.equal(mapBulkRefs({ method: 'DELETE', path: '/Users/bulkId%3Au1/' }, users, TYPES, resolve).path, '/Users/id-1');
  assert.equal(mapBulkRefs({ method: 'DELETE', path: '/Users/x/bulkId:u1' }, users, TYPES, resolve).path, '/Users/x/bulkId:u1');
  assert.deepEqual([...collectBulkRefs({ method: 'POST', path: '/Users?x=bulkId:u1' }, users, TYPES)], []);
});

test('reference positions by schema: members.value, members.$ref, groups.value, case-insensitive names; not display or type', () => {
  const data = { Members: [{ VALUE: 'bulkId:u1', $ref: 'bulkId:g1', display: 'bulkId:u1', type: 'bulkId:u1' }], displayName: 'bulkId:g1', externalId: 'bulkId:u1' };
  assert.deepEqual(mapBulkRefs({ method: 'PUT', path: '/Groups/x', data }, groups, TYPES, resolve).data, {
    Members: [{ VALUE: 'id-1', $ref: 'id-g', display: 'bulkId:u1', type: 'bulkId:u1' }], displayName: 'bulkId:g1', externalId: 'bulkId:u1',
  });
  assert.deepEqual([...collectBulkRefs({ method: 'POST', path: '/Users', data: { groups: [{ value: 'bulkId:g1' }], profileUrl: 'bulkId:u1' } }, users, TYPES)], ['g1']);
});

test('manager: in the extension block, as a bare string, and through a URN-qualified key', () => {
  const data = { [ENTERPRISE_USER_SCHEMA]: { manager: 'bulkId:u1', costCenter: 'bulkId:u1' } };
  assert.deepEqual(mapBulkRefs({ method: 'POST', path: '/Users', data }, users, TYPES, resolve).data, { [ENTERPRISE_USER_SCHEMA]: { manager: 'id-1', costCenter: 'bulkId:u1' } });
  const key = `${ENTERPRISE_USER_SCHEMA}:manager.value`;
  assert.deepEqual(mapBulkRefs({ method: 'POST', path: '/Users', data: { [key]: 'bulkId:u1' } }, users, TYPES, resolve).data, { [key]: 'id-1' });
});

test('PATCH: value filters are rewritten only when a reference changed; bad paths are left to the engine', () => {
  const op = (path: string, value?: unknown): unknown => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'remove', path, ...(value !== undefined ? { value } : {}) }] });
  const out = (data: unknown): unknown => (mapBulkRefs({ method: 'PATCH', path: '/Groups/x', data }, groups, TYPES, resolve).data as { Operations: { path: string }[] }).Operations[0]?.path;
  assert.equal(out(op('members[value eq "bulkId:u1" and not (type eq "bulkId:u1")]')), 'members[value eq "id-1" and not (type eq "bulkId:u1")]');
  assert.equal(out(op('members[display eq "bulkId:u1"]')), 'members[display eq "bulkId:u1"]');
  assert.equal(out(op('members[value eq "bulkId:zz"]')), 'members[value eq "bulkId:zz"]');
  assert.equal(out(op('members[value eq "bulkId:u1"')), 'members[value eq "bulkId:u1"');
  const same = op('displayName', 'bulkId:u1');
  assert.equal(mapBulkRefs({ method: 'PATCH', path: '/Groups/x', data: same }, groups, TYPES, resolve).data, same, 'unchanged data is the same object');
});

test('nesting past the bound is left alone instead of overflowing', () => {
  let deep: unknown = 'bulkId:u1';
  for (let i = 0; i < 10_000; i++) deep = [deep];
  assert.doesNotThrow(() => collectBulkRefs({ method: 'POST', path: '/Groups', data: { members: deep } }, groups, TYPES));
});
