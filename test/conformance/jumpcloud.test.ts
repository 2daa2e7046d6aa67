// JumpCloud's documented traffic, replayed. Documents:
// [FIX] Paul-E/scim-v2-rust src/test_data/jumpcloud_create_user.json, jumpcloud_put_user_full.json,
//       jumpcloud_put_user_minimal.json (commit cdf46ea, captured from a live tenant; shapes as summarised in
//       docs/identity-providers.md — the earlier, non-captured PATCH fixtures are deliberately not used)
// [SUP] jumpcloud.com "Identity Management using a Custom SCIM Integration" (test connection / activate,
//       group management notes)
// [KB]  app.uni-moni.com "SSO setup: JumpCloud" (third-party claim: member removal as path "members" + value list)
import assert from 'node:assert/strict';
import { ENT, GROUP, USER, assertList, assertOk, assertScimError, patchOp, replay } from './replay.ts';
import type { ReplayStep, State } from './replay.ts';

const jcUser = (s: State, extra: Record<string, unknown> = {}): unknown => ({
  schemas: [ENT, USER], // [FIX] extension URN listed first
  ...(s['user'] !== undefined ? { id: s['user'] } : {}),
  externalId: '65f1e2d3c4b5a69788796a5b', // [FIX] JumpCloud's 24-hex object id
  userName: 'jdoe',
  displayName: 'Jane Doe',
  name: { givenName: 'Jane', familyName: 'Doe' },
  title: 'Engineer',
  active: true,
  emails: [{ value: 'jdoe@example.com', type: 'work', primary: true }],
  phoneNumbers: [{ value: 'tel:+1-555-555-0100', type: 'work' }], // [FIX] tel: form, stored as sent
  addresses: [{ type: 'work', locality: 'Boulder', region: 'CO', country: 'US' }],
  [ENT]: { department: 'Engineering', employeeNumber: '42' },
  ...extra,
});

const steps: ReplayStep[] = [
  {
    name: '[SUP] Test Connection: GET /Users',
    method: 'GET',
    path: '/Users',
    expect: (r) => assertList(r),
  },
  {
    name: '[SUP] Activate: creates a test user…',
    method: 'POST',
    path: '/Users',
    body: { schemas: [USER], userName: 'jc-test-user', emails: [{ value: 'jc-test@example.com', type: 'work', primary: true }], active: true },
    save: { probe: (r) => r.body?.id },
    expect: (r) => assertOk(r, 201),
  },
  {
    name: '[SUP] … and a test group …',
    method: 'POST',
    path: '/Groups',
    body: (s: State) => ({ schemas: [GROUP], displayName: 'jc-test-group', members: [{ value: s['probe'] }] }),
    save: { probeGroup: (r) => r.body?.id },
    expect: (r) => assertOk(r, 201),
  },
  {
    name: '[SUP] … then deletes both',
    method: 'DELETE',
    path: '/Groups/{probeGroup}',
    expect: (r) => assertOk(r, 204),
  },
  {
    name: '[SUP] … (user deleted too)',
    method: 'DELETE',
    path: '/Users/{probe}',
    expect: (r) => assertOk(r, 204),
  },
  {
    name: '[FIX] jumpcloud_create_user: lookup by userName, then create',
    method: 'POST',
    path: '/Users',
    body: (s: State) => jcUser(s),
    save: { user: (r) => r.body?.id },
    expect: (r) => {
      assertOk(r, 201);
      assert.equal(r.body.phoneNumbers[0].value, 'tel:+1-555-555-0100');
      assert.equal(r.body[ENT].department, 'Engineering');
    },
  },
  {
    name: '[FIX] jumpcloud_put_user_full: full PUT with the SP id, emails null and addresses [] clear them',
    method: 'PUT',
    path: '/Users/{user}',
    body: (s: State) => jcUser(s, { title: 'Staff Engineer', emails: null, addresses: [] }),
    expect: (r) => {
      assertOk(r, 200);
      assert.equal(r.body.title, 'Staff Engineer');
      assert.equal(r.body.emails, undefined);
      assert.equal(r.body.addresses, undefined);
      assert.equal(r.body.phoneNumbers[0].value, 'tel:+1-555-555-0100');
    },
  },
  {
    name: '[FIX] jumpcloud_put_user_minimal: deactivation is a PUT with active false',
    method: 'PUT',
    path: '/Users/{user}',
    body: (s: State) => ({ schemas: [ENT, USER], id: s['user'], userName: 'jdoe', active: false }),
    expect: (r) => {
      assertOk(r, 200);
      assert.equal(r.body.active, false);
    },
  },
  {
    name: '[FIX] reactivation: PUT with active true',
    method: 'PUT',
    path: '/Users/{user}',
    body: (s: State) => jcUser(s),
    expect: (r) => assert.equal(r.body.active, true),
  },
  {
    name: '[SUP] a second user for membership changes',
    method: 'POST',
    path: '/Users',
    body: { schemas: [USER], userName: 'jsmith', active: true },
    save: { user2: (r) => r.body?.id },
    expect: (r) => assertOk(r, 201),
  },
  {
    name: '[SUP] existing SP groups are taken over by name: displayName eq',
    method: 'GET',
    path: `/Groups?filter=${encodeURIComponent('displayName eq "Engineering"')}`,
    expect: (r) => assertList(r, 0),
  },
  {
    name: '[SUP] groups are created with their members (never empty)',
    method: 'POST',
    path: '/Groups',
    body: (s: State) => ({ schemas: [GROUP], displayName: 'Engineering', members: [{ value: s['user'] }] }),
    save: { group: (r) => r.body?.id },
    expect: (r, s) => {
      assertOk(r, 201);
      assert.deepEqual(r.body.members.map((m: { value: string }) => m.value), [s['user']]);
    },
  },
  {
    name: '[KB] member add: members carry only value',
    method: 'PATCH',
    path: '/Groups/{group}',
    body: (s: State) => patchOp({ op: 'add', path: 'members', value: [{ value: s['user2'] }] }),
    expect: (r) => assertOk(r),
  },
  {
    name: '[KB] member removal: path "members" + value list removes only those',
    method: 'PATCH',
    path: '/Groups/{group}',
    body: (s: State) => patchOp({ op: 'remove', path: 'members', value: [{ value: s['user'] }] }),
    expect: (r) => assertOk(r),
  },
  {
    name: '[KB] … the other member stays (the group is never emptied)',
    method: 'GET',
    path: '/Groups/{group}',
    expect: (r, s) => assert.deepEqual(r.body.members.map((m: { value: string }) => m.value), [s['user2']]),
  },
  {
    name: '[SUP] group rename',
    method: 'PATCH',
    path: '/Groups/{group}',
    body: patchOp({ op: 'replace', path: 'displayName', value: 'Engineering Team' }),
    expect: (r) => assertOk(r),
  },
  {
    name: '[SUP] managed group deletion deletes in the SP',
    method: 'DELETE',
    path: '/Groups/{group}',
    expect: (r) => assertOk(r, 204),
  },
  {
    name: '[SUP] user deletion',
    method: 'DELETE',
    path: '/Users/{user}',
    expect: (r) => assertOk(r, 204),
  },
  {
    name: '[SUP] the user is gone → 404',
    method: 'GET',
    path: '/Users/{user}',
    expect: (r) => assertScimError(r, 404),
    generic: { status: 404 },
  },
];

replay('JumpCloud (captured fixtures, connector docs)', 'jumpcloud', steps);
