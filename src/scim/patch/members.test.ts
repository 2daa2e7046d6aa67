import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isScimError } from '../errors.ts';
import type { ScimType } from '../errors.ts';
import { deepFreeze } from '../schema/define.ts';
import { defaultRegistry } from '../schema/registry.ts';
import { GROUP_SCHEMA } from '../schema/types.ts';
import { applyPatch, patchNeedsMembers } from './apply.ts';
import { parsePatchRequest } from './parse.ts';
import type { ApplyPatchOptions, PatchMember, PatchOperation, PatchResult } from './types.ts';

const URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const groups = defaultRegistry.resourceSchema('Group');
const BABS = '2819c223-7f76-453a-919d-413861904646';
const JAMES = '08e1d05d-121c-4561-8b96-473d93df9210';
const babs = { display: 'Babs Jensen', $ref: `https://example.com/v2/Users/${BABS}`, value: BABS };
const james = { display: 'James Smith', $ref: `https://example.com/v2/Users/${JAMES}`, value: JAMES };
const group = (): Record<string, unknown> => ({ schemas: [GROUP_SCHEMA], displayName: 'Tour Guides' });
const ops = (...o: unknown[]): PatchOperation[] => parsePatchRequest({ schemas: [URN], Operations: o });

function patch(o: unknown[], opts?: ApplyPatchOptions): PatchResult {
  const input = deepFreeze(group());
  const r = applyPatch(groups, input, ops(...o), opts);
  assert.deepEqual(input, group());
  assert.equal(Object.hasOwn(r.resource, 'members'), false, 'members never enter the stored body');
  return r;
}

function scimTypeOf(o: unknown[], opts?: ApplyPatchOptions): ScimType | string {
  try {
    patch(o, opts);
    return 'no error';
  } catch (e) {
    if (!isScimError(e)) throw e;
    return e.scimType ?? `status ${e.status}`;
  }
}

describe('RFC 7644 §3.5.2 examples on Groups', () => {
  it('§3.5.2.1 add a member', () => {
    const r = patch([{ op: 'add', path: 'members', value: [babs] }]);
    assert.equal(r.changed, true);
    assert.deepEqual(r.membership, { add: [{ value: BABS, type: 'User', display: 'Babs Jensen' }], remove: [] });
    assert.deepEqual(r.resource, group());
  });
  it('§3.5.2.2 remove one member by filter', () => {
    const r = patch([{ op: 'remove', path: `members[value eq "${BABS}"]` }]);
    assert.deepEqual(r.membership, { add: [], remove: [BABS] });
  });
  it('§3.5.2.2 remove all members', () => {
    assert.deepEqual(patch([{ op: 'remove', path: 'members' }]).membership, { replace: [], add: [], remove: [] });
  });
  it('§3.5.2.2 remove a member and add another (filter written without a space)', () => {
    const r = patch([
      { op: 'remove', path: `members[value eq"${BABS}"]` },
      { op: 'add', path: 'members', value: [james] },
    ]);
    assert.deepEqual(r.membership, { add: [{ value: JAMES, type: 'User', display: 'James Smith' }], remove: [BABS] });
  });
  it('§3.5.2.2 remove all members, then add two', () => {
    const r = patch([{ op: 'remove', path: 'members' }, { op: 'add', path: 'members', value: [babs, james] }]);
    assert.deepEqual(r.membership?.replace?.map((m) => m.value), [BABS, JAMES]);
  });
  it('§3.5.2.3 replace all members', () => {
    const r = patch([{ op: 'replace', path: 'members', value: [babs, james] }]);
    assert.deepEqual(r.membership, {
      replace: [
        { value: BABS, type: 'User', display: 'Babs Jensen' },
        { value: JAMES, type: 'User', display: 'James Smith' },
      ],
      add: [],
      remove: [],
    });
  });
});

describe('membership deltas', () => {
  it('Okta: replace members [] empties the group', () => {
    assert.deepEqual(patch([{ op: 'replace', path: 'members', value: [] }]).membership, { replace: [], add: [], remove: [] });
  });
  it('Entra/JumpCloud: remove members with a value list removes only those', () => {
    const r = patch([{ op: 'remove', path: 'members', value: [{ value: BABS }, { value: JAMES }] }]);
    assert.deepEqual(r.membership, { add: [], remove: [BABS, JAMES] });
  });
  it('remove members with an empty value list does nothing', () => {
    const r = patch([{ op: 'remove', path: 'members', value: [] }]);
    assert.equal(r.membership, undefined);
    assert.equal(r.changed, false);
  });
  it('or of value eq terms', () => {
    const r = patch([{ op: 'remove', path: `members[value eq "${BABS}" or value eq "${JAMES}"]` }]);
    assert.deepEqual(r.membership, { add: [], remove: [BABS, JAMES] });
  });
  it('Okta group push: rename with the read-only id, remove by filter, add without type', () => {
    const r = patch([
      { op: 'replace', value: { id: 'abf4dd94-a4c0-4f67-89c9-76b03340cb9b', displayName: 'Renamed' } },
      { op: 'remove', path: `members[value eq "${BABS}"]` },
      { op: 'add', path: 'members', value: [{ value: JAMES, display: 'james@example.com' }] },
    ]);
    assert.deepEqual(r.resource, { schemas: [GROUP_SCHEMA], displayName: 'Renamed' });
    assert.deepEqual(r.membership, { add: [{ value: JAMES, type: 'User', display: 'james@example.com' }], remove: [BABS] });
  });
  it('path-less add/replace with a members key', () => {
    assert.deepEqual(patch([{ op: 'add', value: { members: [{ value: BABS }] } }]).membership, {
      add: [{ value: BABS, type: 'User' }],
      remove: [],
    });
    assert.deepEqual(patch([{ op: 'replace', value: { members: [{ value: BABS, type: 'group' }] } }]).membership, {
      replace: [{ value: BABS, type: 'Group' }],
      add: [],
      remove: [],
    });
  });
  it('operations combine in order: add then remove → remove; remove then add → add', () => {
    assert.deepEqual(patch([{ op: 'add', path: 'members', value: [{ value: 'x' }] }, { op: 'remove', path: 'members[value eq "x"]' }]).membership, { add: [], remove: ['x'] });
    assert.deepEqual(patch([{ op: 'remove', path: 'members[value eq "x"]' }, { op: 'add', path: 'members', value: [{ value: 'x' }] }]).membership, { add: [{ value: 'x', type: 'User' }], remove: [] });
  });
  it('duplicates in one add are merged', () => {
    const r = patch([{ op: 'add', path: 'members', value: [{ value: 'x' }, { value: 'x' }] }]);
    assert.deepEqual(r.membership, { add: [{ value: 'x', type: 'User' }], remove: [] });
  });
});

describe('membership with the current member list (opts.members)', () => {
  const members: PatchMember[] = [
    { value: 'u1', type: 'User', display: 'Ann' },
    { value: 'g1', type: 'Group', display: 'Admins' },
  ];
  it('adding a present member or removing a non-member changes nothing (§3.5.2.1)', () => {
    const r = patch([{ op: 'add', path: 'members', value: [{ value: 'u1' }] }, { op: 'remove', path: 'members[value eq "nobody"]' }], { members });
    assert.equal(r.membership, undefined);
    assert.equal(r.changed, false);
  });
  it('add x then remove x of a non-member nets nothing', () => {
    const r = patch([{ op: 'add', path: 'members', value: [{ value: 'x' }] }, { op: 'remove', path: 'members[value eq "x"]' }], { members });
    assert.equal(r.changed, false);
  });
  it('a replace becomes the rows that differ', () => {
    const r = patch([{ op: 'replace', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }] }], { members });
    assert.deepEqual(r.membership, { add: [{ value: 'u2', type: 'User' }], remove: ['g1'] });
  });
  it('a filter other than value eq is evaluated on the members', () => {
    const o = ops({ op: 'remove', path: 'members[type eq "Group"]' });
    assert.equal(patchNeedsMembers(o), true);
    assert.deepEqual(applyPatch(groups, group(), o, { members }).membership, { add: [], remove: ['g1'] });
    const byDisplay = ops({ op: 'remove', path: 'members[display co "ann"]' });
    assert.deepEqual(applyPatch(groups, group(), byDisplay, { members }).membership, { add: [], remove: ['u1'] });
  });
  it('filters see earlier operations of the same request', () => {
    const o = ops({ op: 'add', path: 'members', value: [{ value: 'g2', type: 'Group' }] }, { op: 'remove', path: 'members[type eq "Group"]' });
    assert.deepEqual(applyPatch(groups, group(), o, { members }).membership, { add: [], remove: ['g1'] });
  });
  it('without opts.members such a filter is a caller bug (500), and patchNeedsMembers says so', () => {
    const o = ops({ op: 'remove', path: 'members[type eq "Group"]' });
    assert.throws(() => applyPatch(groups, group(), o), (e: unknown) => isScimError(e) && e.status === 500);
    assert.equal(patchNeedsMembers(ops({ op: 'remove', path: 'members[value eq "a" or value eq "b"]' })), false);
    assert.equal(patchNeedsMembers(ops({ op: 'add', path: 'members', value: [] }, { op: 'remove', path: 'members' })), false);
  });
});

describe('member errors', () => {
  const cases: { name: string; ops: unknown[]; scimType: ScimType }[] = [
    { name: 'empty member value', ops: [{ op: 'add', path: 'members', value: [{ value: '' }] }], scimType: 'invalidValue' },
    { name: 'member without value', ops: [{ op: 'add', path: 'members', value: [{ display: 'x' }] }], scimType: 'invalidValue' },
    { name: 'member value not a string', ops: [{ op: 'add', path: 'members', value: [{ value: 7 }] }], scimType: 'invalidValue' },
    { name: 'member not an object', ops: [{ op: 'add', path: 'members', value: ['u1'] }], scimType: 'invalidValue' },
    { name: 'unknown member type', ops: [{ op: 'add', path: 'members', value: [{ value: 'u1', type: 'Robot' }] }], scimType: 'invalidValue' },
    { name: 'edit a member in place (immutable, RFC 7643 §8.7.1)', ops: [{ op: 'replace', path: 'members[value eq "u1"].display', value: 'x' }], scimType: 'mutability' },
    { name: 'members.value', ops: [{ op: 'replace', path: 'members.value', value: 'x' }], scimType: 'mutability' },
    { name: 'add through a members filter', ops: [{ op: 'add', path: 'members[value eq "u1"]', value: { value: 'u2' } }], scimType: 'mutability' },
    { name: 'remove the required displayName', ops: [{ op: 'remove', path: 'displayName' }], scimType: 'mutability' },
    { name: '__proto__ after a members filter (docs/reliability.md IN-4)', ops: [{ op: 'remove', path: 'members[value eq "x"].__proto__' }], scimType: 'invalidPath' },
    { name: 'unknown Group attribute', ops: [{ op: 'replace', path: 'userName', value: 'x' }], scimType: 'invalidValue' },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.scimType}`, () => assert.equal(scimTypeOf(c.ops), c.scimType));
  }
});
