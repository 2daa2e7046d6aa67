// OneLogin's documented traffic, replayed. Documents:
// [LOG] goauthentik/authentik#11249 (nginx log of "SCIM Provisioner with SAML (SCIM v2 Enterprise)":
//       legacy URNs, stray trailing `&`/`?`, updates by PUT, group membership by PATCH)
// [TPL] livingsecurity.com "Configuring SCIM for OneLogin" (SCIM v2 Enterprise JSON template),
//       doc.keepnetlabs.com "Onelogin SCIM Integration" (`"active": "{$user.active}"`)
// [CORE] scim.dev guide "OneLogin" (Core Schema template, `urn:scim:schemas:core:1.0`)
// [DJ]  15five/django-scim2 src/django_scim/adapters.py (emails sent as a single object)
import assert from 'node:assert/strict';
import { ENT, GROUP, assertList, assertOk, assertScimError, patchOp, replay } from './replay.ts';
import type { ReplayStep, State } from './replay.ts';

// [TPL] rendered for a user whose title, userType, timezone, city… are empty.
const rendered = (s: State, extra: Record<string, unknown> = {}): unknown => ({
  schemas: ['urn:scim:schemas:core:2.0', 'urn:scim:schemas:extension:enterprise:2.0'], // [LOG]
  userName: 'user01@example.com',
  name: { familyName: ' User 01', givenName: 'Test' }, // [LOG] untrimmed
  title: '',
  userType: '',
  timezone: '',
  active: 'true',
  emails: [{ value: 'user01@example.com', type: 'work', primary: true }],
  addresses: [{ locality: '', region: '', country: '' }],
  'urn:scim:schemas:extension:enterprise:2.0': { organization: '', division: '', department: 'Sales', manager: { value: '', displayName: ' ' } },
  ...(s['user'] !== undefined ? { id: s['user'] } : {}),
  ...extra,
});

const steps: ReplayStep[] = [
  {
    name: '[LOG] connection check: userName lookup with a stray trailing &',
    method: 'GET',
    path: `/Users?filter=${encodeURIComponent('userName eq "user01@example.com"')}&`,
    expect: (r) => assertList(r, 0),
  },
  {
    name: '[TPL]+[LOG] create from the v2 Enterprise template: legacy URNs, "" for empty parameters, "true" as a string',
    method: 'POST',
    path: '/Users',
    body: (s: State) => rendered(s),
    save: { user: (r) => r.body?.id },
    expect: (r) => {
      assertOk(r, 201);
      assert.equal(r.body.active, true);
      assert.equal(r.body.title, undefined);
      assert.equal(r.body.name.familyName, ' User 01', 'stored as sent, not trimmed');
      assert.equal(r.body[ENT].department, 'Sales');
    },
    generic: { status: 400, scimType: 'invalidValue' },
  },
  {
    name: '[LOG] GET /Users/{id}? with a stray trailing ?',
    method: 'GET',
    path: '/Users/{user}?',
    expect: (r, s) => {
      assert.equal(r.status, 200);
      assert.equal(r.body.id, s['user']);
    },
  },
  {
    name: '[CORE] create from the Core Schema template (urn:scim:schemas:core:1.0)',
    method: 'POST',
    path: '/Users',
    body: { schemas: ['urn:scim:schemas:core:1.0'], userName: 'core01@example.com', name: { givenName: 'Core', familyName: 'User', formatted: 'Core User' } },
    save: { core: (r) => r.body?.id },
    expect: (r) => assertOk(r, 201),
    generic: { status: 400, scimType: 'invalidValue' },
  },
  {
    name: '[DJ]+[LOG] update by PUT with emails as a single object',
    method: 'PUT',
    path: '/Users/{user}',
    body: (s: State) => rendered(s, { title: 'Manager', emails: { value: 'user01@example.org', type: 'work', primary: 'true' } }),
    expect: (r) => {
      assertOk(r, 200);
      assert.equal(r.body.title, 'Manager');
      assert.deepEqual(r.body.emails, [{ value: 'user01@example.org', type: 'work', primary: true }]);
    },
  },
  {
    name: '[TPL] deactivate: PUT with "active": "false"',
    method: 'PUT',
    path: '/Users/{user}',
    body: (s: State) => rendered(s, { active: 'false' }),
    expect: (r) => {
      assertOk(r, 200);
      assert.equal(r.body.active, false);
    },
  },
  {
    name: '[TPL] reactivate: PUT with "active": "true"',
    method: 'PUT',
    path: '/Users/{user}',
    body: (s: State) => rendered(s),
    expect: (r) => assert.equal(r.body?.active, true),
  },
  {
    name: '[LOG] group create',
    method: 'POST',
    path: '/Groups',
    body: { schemas: [GROUP], displayName: 'OneLogin Role' },
    save: { group: (r) => r.body?.id },
    expect: (r) => assertOk(r, 201),
  },
  {
    name: '[LOG] membership by PATCH on /Groups: add',
    method: 'PATCH',
    path: '/Groups/{group}',
    body: (s: State) => patchOp({ op: 'add', path: 'members', value: [{ value: s['user'] }, { value: s['core'] }] }),
    expect: (r) => assertOk(r),
  },
  {
    name: '[LOG] membership by PATCH on /Groups: remove one',
    method: 'PATCH',
    path: '/Groups/{group}',
    body: (s: State) => patchOp({ op: 'remove', path: `members[value eq "${s['core']}"]` }),
    expect: (r) => assertOk(r),
  },
  {
    name: '[LOG] rename',
    method: 'PATCH',
    path: '/Groups/{group}',
    body: patchOp({ op: 'replace', path: 'displayName', value: 'OneLogin Role 2' }),
    expect: (r) => assertOk(r),
  },
  {
    name: '[LOG] … one member left, renamed',
    method: 'GET',
    path: '/Groups/{group}',
    expect: (r, s) => {
      assert.equal(r.body.displayName, 'OneLogin Role 2');
      assert.deepEqual(r.body.members.map((m: { value: string }) => m.value), [s['user']]);
    },
  },
  {
    name: '[LOG] group delete',
    method: 'DELETE',
    path: '/Groups/{group}',
    expect: (r) => assertOk(r, 204),
  },
  {
    name: '[LOG] user delete (when the app is set to delete)',
    method: 'DELETE',
    path: '/Users/{user}',
    expect: (r) => assertOk(r, 204),
  },
  {
    name: '[LOG] the user is gone → 404',
    method: 'GET',
    path: '/Users/{user}',
    expect: (r) => assertScimError(r, 404),
    generic: { status: 404 },
  },
];

replay('OneLogin (SCIM Provisioner with SAML templates)', 'onelogin', steps);
