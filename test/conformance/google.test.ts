// Google Workspace: Google provisions outbound only to apps in its catalog and publishes
// no request bodies for a generic SCIM client, so this replays the RFC 7644 lifecycle
// (the `google` profile adds only the shared tolerances). Documents:
// [RFC] RFC 7644 §3.3 (create), §3.4.1/§3.4.2 (read, query), §3.5.1/§3.5.2 (replace, modify), §3.6 (delete)
// [3P]  third-party guide: the wiring probe is `GET /Users?count=1` (unverified; docs/identity-providers.md, Google Workspace)
import assert from 'node:assert/strict';
import { GROUP, USER, assertList, assertOk, assertScimError, patchOp, replay } from './replay.ts';
import type { ReplayStep, State } from './replay.ts';

const steps: ReplayStep[] = [
  { name: '[3P] connection probe: GET /Users?count=1', method: 'GET', path: '/Users?count=1', expect: (r) => assertList(r) },
  { name: '[RFC] §4 discovery: /ServiceProviderConfig', method: 'GET', path: '/ServiceProviderConfig', expect: (r) => assert.equal(r.status, 200) },
  { name: '[RFC] §3.4.2 lookup by userName', method: 'GET', path: `/Users?filter=${encodeURIComponent('userName eq "g.user@example.com"')}`, expect: (r) => assertList(r, 0) },
  {
    name: '[RFC] §3.3 create user',
    method: 'POST',
    path: '/Users',
    body: { schemas: [USER], userName: 'g.user@example.com', name: { givenName: 'G', familyName: 'User' }, emails: [{ value: 'g.user@example.com', type: 'work', primary: true }], active: true },
    save: { user: (r) => r.body?.id },
    expect: (r) => assertOk(r, 201),
  },
  { name: '[RFC] §3.5.2.3 profile update', method: 'PATCH', path: '/Users/{user}', body: patchOp({ op: 'replace', path: 'name.givenName', value: 'Gee' }), expect: (r) => assertOk(r) },
  { name: '[RFC] §3.5.2.3 deactivate', method: 'PATCH', path: '/Users/{user}', body: patchOp({ op: 'replace', path: 'active', value: false }), expect: (r) => assertOk(r) },
  { name: '[RFC] §3.5.2.3 reactivate', method: 'PATCH', path: '/Users/{user}', body: patchOp({ op: 'replace', path: 'active', value: true }), expect: (r) => assertOk(r) },
  {
    name: '[RFC] §3.3 create group',
    method: 'POST',
    path: '/Groups',
    body: { schemas: [GROUP], displayName: 'Google Group' },
    save: { group: (r) => r.body?.id },
    expect: (r) => assertOk(r, 201),
  },
  { name: '[RFC] §3.5.2.1 add member', method: 'PATCH', path: '/Groups/{group}', body: (s: State) => patchOp({ op: 'add', path: 'members', value: [{ value: s['user'] }] }), expect: (r) => assertOk(r) },
  { name: '[RFC] §3.5.2.2 remove member', method: 'PATCH', path: '/Groups/{group}', body: (s: State) => patchOp({ op: 'remove', path: `members[value eq "${s['user']}"]` }), expect: (r) => assertOk(r) },
  { name: '[RFC] §3.5.2.3 rename', method: 'PATCH', path: '/Groups/{group}', body: patchOp({ op: 'replace', path: 'displayName', value: 'Google Group 2' }), expect: (r) => assertOk(r) },
  { name: '[RFC] §3.6 delete group', method: 'DELETE', path: '/Groups/{group}', expect: (r) => assertOk(r, 204) },
  { name: '[RFC] §3.6 delete user', method: 'DELETE', path: '/Users/{user}', expect: (r) => assertOk(r, 204) },
  { name: '[RFC] §3.6 deleted → 404', method: 'GET', path: '/Users/{user}', expect: (r) => assertScimError(r, 404), generic: { status: 404 } },
];

replay('Google Workspace (RFC lifecycle; no published request bodies)', 'google', steps);
