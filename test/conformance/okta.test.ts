// Okta's documented traffic, replayed. Documents:
// [SPEC] okta/okta-developer-docs …/standards/SCIM/SCIMFiles/Okta-SCIM-20-SPEC-Test.json ("Okta SCIM 2.0 SPEC Test")
// [REF]  okta/okta-developer-docs …/docs/reference/scim/scim-20/scim-index.md ("SCIM 2.0 Protocol Reference")
// [DELINEA] docs.delinea.com okta-scim-endpoint-reference (test connection `GET /Users?startIndex=1&count=2`)
import assert from 'node:assert/strict';
import { ERROR_URN, GROUP, USER, assertList, assertOk, assertScimError, patchOp, replay } from './replay.ts';
import type { ReplayStep, State } from './replay.ts';

// [SPEC] GET steps send these headers (a Content-Type on a GET with no body).
const SPEC_GET = {
  'accept-charset': 'utf-8',
  'content-type': 'application/scim+json; charset=utf-8',
  accept: 'application/scim+json',
  'user-agent': 'OKTA SCIM Integration',
};
// [SPEC] create steps send plain JSON.
const SPEC_POST = { 'content-type': 'application/json', accept: 'application/scim+json; charset=utf-8' };
const REAL = { 'user-agent': 'Okta SCIM Client 1.0.0' };

const oktaUser = {
  schemas: [USER],
  userName: 'test.user@okta.local',
  name: { givenName: 'Test', familyName: 'User' },
  emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
  displayName: 'Test User',
  locale: 'en-US',
  externalId: '00ujl29u0le5T6Aj10h7',
  groups: [],
  password: '1mz050nq',
  active: true,
};

const steps: ReplayStep[] = [
  {
    name: '[SPEC] precondition: /Users must hold a user (seeded like an Okta admin would)',
    method: 'POST',
    path: '/Users',
    body: { schemas: [USER], userName: 'seed@example.com', name: { givenName: 'Seed', familyName: 'User' }, emails: [{ value: 'seed@example.com', type: 'work', primary: true }], active: true },
    save: { seed: (r) => r.body?.id },
    expect: (r) => assertOk(r, 201),
  },
  {
    name: '[SPEC] Required Test: Test Users endpoint (GET /Users?count=1&startIndex=1)',
    method: 'GET',
    path: '/Users?count=1&startIndex=1',
    headers: SPEC_GET,
    expect: (r) => {
      assertList(r);
      for (const k of ['itemsPerPage', 'startIndex', 'totalResults']) assert.equal(typeof r.body[k], 'number', k);
      const u = r.body.Resources[0];
      assert.ok(u.id && u.name.familyName && u.name.givenName && u.userName && u.active !== undefined && u.emails[0].value);
    },
  },
  {
    name: '[SPEC] Required Test: Get Users/{{id}}',
    method: 'GET',
    path: '/Users/{seed}',
    headers: SPEC_GET,
    expect: (r, s) => {
      assert.equal(r.status, 200);
      assert.equal(r.body.id, s['seed']);
    },
  },
  {
    name: '[SPEC] Required Test: Test invalid User by username → 200, totalResults 0',
    method: 'GET',
    path: `/Users?filter=${encodeURIComponent('userName eq "invalid-user-ff3a@example.com"')}`,
    headers: SPEC_GET,
    expect: (r) => assertList(r, 0),
  },
  {
    name: '[SPEC] Required Test: Test invalid User by ID → 404 with detail',
    method: 'GET',
    path: '/Users/00919288221112222',
    headers: SPEC_GET,
    expect: (r) => {
      assertScimError(r, 404);
      assert.ok(r.body.detail);
    },
  },
  {
    name: '[DELINEA] test connection: GET /Users?startIndex=1&count=2',
    method: 'GET',
    path: '/Users?startIndex=1&count=2',
    headers: REAL,
    expect: (r) => assertList(r),
  },
  {
    name: '[REF] "Determine if the User already exists": userName eq lookup with startIndex/count',
    method: 'GET',
    path: '/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100',
    headers: REAL,
    expect: (r) => assertList(r, 0),
  },
  {
    name: '[REF] "Create the User" (password placeholder, groups: []) in application/json',
    method: 'POST',
    path: '/Users',
    body: oktaUser,
    headers: { ...SPEC_POST, ...REAL },
    save: { user: (r) => r.body?.id },
    expect: (r) => {
      assertOk(r, 201);
      assert.equal(r.body.active, true);
      assert.equal(r.body.userName, 'test.user@okta.local');
      assert.equal(r.body.password, undefined, 'never returned');
    },
  },
  {
    name: '[SPEC] Required Test: Expect failure when recreating user with same values → 409',
    method: 'POST',
    path: '/Users',
    body: oktaUser,
    headers: SPEC_POST,
    expect: (r) => assertScimError(r, 409),
    generic: { status: 409 },
  },
  {
    name: '[SPEC] Required Test: Username Case Sensitivity Check → 200 and found',
    method: 'GET',
    path: `/Users?filter=${encodeURIComponent('userName eq "TEST.USER@OKTA.LOCAL"')}`,
    headers: SPEC_GET,
    expect: (r) => assertList(r, 1),
  },
  {
    name: '[SPEC] Required Test: Check status 401 (Authorization: non-token)',
    method: 'GET',
    path: `/Users?filter=${encodeURIComponent('userName eq "x"')}`,
    headers: { ...SPEC_GET, authorization: 'non-token' },
    expect: (r) => {
      assert.equal(r.status, 401);
      assert.ok(r.body.detail);
      assert.equal(r.body.status, '401');
      assert.ok(r.body.schemas.includes(ERROR_URN));
    },
    generic: { status: 401 },
  },
  {
    name: '[REF] "Update a specific User (PUT)": GET, edit, PUT back with id, meta and groups',
    method: 'PUT',
    path: '/Users/{user}',
    body: (s: State) => ({
      schemas: [USER],
      id: s['user'],
      userName: 'test.user@okta.local',
      name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work', display: 'test.user@okta.local' }],
      active: true,
      groups: [],
      meta: { resourceType: 'User' },
    }),
    headers: REAL,
    expect: (r) => {
      assertOk(r, 200);
      assert.equal(r.body.name.middleName, 'Excited');
    },
  },
  {
    name: '[REF] "Update a specific User (PATCH)": deactivate, path-less {"active": false}',
    method: 'PATCH',
    path: '/Users/{user}',
    body: patchOp({ op: 'replace', value: { active: false } }),
    headers: REAL,
    expect: (r) => assertOk(r),
  },
  {
    name: '[REF] deactivated users stay readable (GET shows active false)',
    method: 'GET',
    path: '/Users/{user}',
    expect: (r) => assert.equal(r.body.active, false),
  },
  {
    name: '[REF] reactivate, path-less {"active": true}',
    method: 'PATCH',
    path: '/Users/{user}',
    body: patchOp({ op: 'replace', value: { active: true } }),
    expect: (r) => assertOk(r),
  },
  {
    name: '[SPEC] Optional Test: Verify Groups endpoint',
    method: 'GET',
    path: '/Groups',
    headers: SPEC_GET,
    expect: (r) => assertList(r),
  },
  {
    name: '[REF] group push links by name first: displayName eq',
    method: 'GET',
    path: `/Groups?filter=${encodeURIComponent('displayName eq "Test SCIMv2"')}`,
    expect: (r) => assertList(r, 0),
  },
  {
    name: '[REF] "Create Groups" with members: []',
    method: 'POST',
    path: '/Groups',
    body: { schemas: [GROUP], displayName: 'Test SCIMv2', members: [] },
    save: { group: (r) => r.body?.id },
    expect: (r) => assertOk(r, 201),
  },
  {
    name: '[REF] "Update a specific Group name": path-less replace carrying the read-only id',
    method: 'PATCH',
    path: '/Groups/{group}',
    body: (s: State) => patchOp({ op: 'replace', value: { id: s['group'], displayName: 'Test SCIMv20' } }),
    expect: (r) => assertOk(r),
  },
  {
    name: '[REF] membership: add the seeded user',
    method: 'PATCH',
    path: '/Groups/{group}',
    body: (s: State) => patchOp({ op: 'add', path: 'members', value: [{ value: s['seed'], display: 'seed@example.com' }] }),
    expect: (r) => assertOk(r),
  },
  {
    name: '[REF] "Update specific Group membership": remove members[value eq] + add, one request',
    method: 'PATCH',
    path: '/Groups/{group}',
    body: (s: State) => patchOp({ op: 'remove', path: `members[value eq "${s['seed']}"]` }, { op: 'add', path: 'members', value: [{ value: s['user'], display: 'test.user@okta.local' }] }),
    expect: (r) => assertOk(r),
  },
  {
    name: '[REF] the group now holds exactly the added user, renamed',
    method: 'GET',
    path: '/Groups/{group}',
    expect: (r, s) => {
      assert.equal(r.body.displayName, 'Test SCIMv20');
      assert.deepEqual((r.body.members ?? []).map((m: { value: string }) => m.value), [s['user']]);
    },
  },
  {
    name: '[REF] batched push naming a user deleted since (stale id): the others are added, the stale id is skipped',
    method: 'PATCH',
    path: '/Groups/{group}',
    body: (s: State) => patchOp({ op: 'add', path: 'members', value: [{ value: s['seed'], display: 'a' }, { value: '00000000-0000-4000-8000-00000000dead', display: 'gone' }] }),
    expect: (r) => assertOk(r),
    generic: { status: 400, scimType: 'invalidValue' },
  },
  {
    name: '[REF] … the resolvable member was added',
    method: 'GET',
    path: '/Groups/{group}',
    expect: (r, s) => assert.deepEqual((r.body.members ?? []).map((m: { value: string }) => m.value).sort(), [s['user'], s['seed']].sort()),
  },
  {
    name: '[REF] full push: replace members with the whole list',
    method: 'PATCH',
    path: '/Groups/{group}',
    body: (s: State) => patchOp({ op: 'replace', path: 'members', value: [{ value: s['user'], display: 'a' }, { value: s['seed'], display: 'b' }] }),
    expect: (r) => assertOk(r),
  },
  {
    name: '[REF] empty push: replace members [] (SCIM-SDK#757) empties the group',
    method: 'PATCH',
    path: '/Groups/{group}',
    body: patchOp({ op: 'replace', path: 'members', value: [] }),
    expect: (r) => assertOk(r),
  },
  {
    name: '[REF] AIW apps PUT the group with the full member list',
    method: 'PUT',
    path: '/Groups/{group}',
    body: (s: State) => ({ schemas: [GROUP], displayName: 'Test SCIMv2', members: [{ value: s['user'], display: 'test.user@okta.local' }] }),
    expect: (r, s) => {
      assertOk(r, 200);
      assert.deepEqual((r.body.members ?? []).map((m: { value: string }) => m.value), [s['user']]);
    },
  },
  {
    name: '[REF] "Delete a specific Group" (unlink, delete in target app) → 204',
    method: 'DELETE',
    path: '/Groups/{group}',
    expect: (r) => assertOk(r, 204),
  },
  {
    name: '[REF] the group is gone → 404',
    method: 'GET',
    path: '/Groups/{group}',
    expect: (r) => assertScimError(r, 404),
    generic: { status: 404 },
  },
];

replay('Okta (SCIM 2.0 SPEC Test and Protocol Reference)', 'okta', steps);
