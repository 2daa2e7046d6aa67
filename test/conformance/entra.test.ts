// Microsoft Entra ID's documented traffic, replayed. Documents:
// [TUT] MicrosoftDocs/entra-docs docs/identity/app-provisioning/use-scim-to-provision-users-and-groups.md
//       ("SCIM protocol requests and responses", Examples 1–6, "Getting started": Test Connection)
// [KI]  MicrosoftDocs/entra-docs docs/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility.md
//       (requests "Without feature flag" = default mode, "With feature flag" = aadOptscim062020)
// [ATTR] MicrosoftDocs/entra-docs docs/identity/app-provisioning/customize-application-attributes.md
//       ("Provisioning a custom extension attribute to a SCIM compliant application", "Provisioning a role to a SCIM app")
// [VAL] Microsoft SCIM Validator traffic (Paul-E/scim-v2-rust src/test_data/entra_user_creation_test.json;
//       pranems/SCIMServer docs/MANAGER_PATCH_STRING_COERCION.md)
import assert from 'node:assert/strict';
import { ENT, GROUP, USER, assertList, assertOk, assertScimError, patchOp, replay } from './replay.ts';
import type { ReplayStep, State } from './replay.ts';

const LEGACY_GROUP = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';
const q = (filter: string): string => encodeURIComponent(filter).replace(/%20/g, '+'); // Entra sends + for spaces
const membersOf = (r: { body: { members?: { value: string }[] } }): string[] => (r.body.members ?? []).map((m) => m.value).sort();

const steps: ReplayStep[] = [
  {
    name: '[TUT] Test Connection: random-GUID userName query → 200 + empty ListResponse',
    method: 'GET',
    path: `/Users?filter=${q('userName eq "0b1f6a2e-8f0c-4c3e-9a53-2f1d1c0e4b77"')}`,
    expect: (r) => assertList(r, 0),
  },
  {
    name: '[TUT] /Schemas is read on save and must be a ListResponse',
    method: 'GET',
    path: '/Schemas',
    expect: (r) => assertList(r),
  },
  {
    name: '[TUT] "Create User" (client meta, roles: [])',
    method: 'POST',
    path: '/Users',
    body: {
      schemas: [USER, ENT],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_11bb11bb@testuser.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
    },
    save: { user: (r) => r.body?.id },
    expect: (r) => {
      assertOk(r, 201);
      assert.equal(r.body.emails[0].value, 'Test_User_11bb11bb@testuser.com');
    },
  },
  {
    name: '[TUT] "Example 2. Provision a user" (old doc: …2.0User URN typo, nulls, top-level department/manager)',
    method: 'POST',
    path: '/Users',
    body: {
      schemas: [USER, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User'],
      externalId: 'jyoung',
      userName: 'jyoung@testuser.com',
      active: true,
      addresses: null,
      displayName: 'Joy Young',
      emails: [{ type: 'work', value: 'jyoung@Contoso.com', primary: true }],
      meta: { resourceType: 'User' },
      name: { familyName: 'Young', givenName: 'Joy' },
      phoneNumbers: null,
      preferredLanguage: null,
      title: null,
      department: null,
      manager: null,
    },
    save: { jyoung: (r) => r.body?.id },
    expect: (r) => assertOk(r, 201),
    generic: { status: 400, scimType: 'invalidValue' },
  },
  {
    name: '[TUT] "Get User by query": userName eq',
    method: 'GET',
    path: `/Users?filter=${q('userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"')}`,
    expect: (r, s) => {
      assertList(r, 1);
      assert.equal(r.body.Resources[0].id, s['user']);
    },
  },
  {
    name: '[TUT] "Example 1. Query the service for a matching user": externalId eq jyoung (unquoted)',
    method: 'GET',
    path: `/Users?filter=${q('externalId eq jyoung')}`,
    expect: (r) => assertList(r, 1),
    generic: { status: 400, scimType: 'invalidFilter' },
  },
  {
    name: '[TUT] matching by emails[type eq "work"].value',
    method: 'GET',
    path: `/Users?filter=${q('emails[type eq "work"].value eq "Test_User_11bb11bb@testuser.com"')}`,
    expect: (r) => assertList(r, 1),
    generic: { status: 400, scimType: 'invalidFilter' },
  },
  {
    name: '[TUT] "Update User [Multi-valued properties]" (Replace, capitalised)',
    method: 'PATCH',
    path: '/Users/{user}',
    body: patchOp(
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
      { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
    ),
    expect: (r) => assertOk(r),
  },
  {
    name: '[KI] aadOptscim062020 "Requests to replace multiple attributes": path keys in a path-less value',
    method: 'PATCH',
    path: '/Users/{user}',
    body: patchOp(
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'TestMhvaes@test.microsoft.com' },
      { op: 'replace', value: { displayName: 'Bjfe', 'name.givenName': 'Kkom', 'name.familyName': 'Unua', [`${ENT}:employeeNumber`]: 'Aklq' } },
    ),
    expect: (r) => assertOk(r),
  },
  {
    name: '[KI] … the values landed where the paths say',
    method: 'GET',
    path: '/Users/{user}',
    expect: (r) => {
      assert.equal(r.body.name.givenName, 'Kkom');
      assert.equal(r.body.displayName, 'Bjfe');
      assert.equal(r.body[ENT].employeeNumber, 'Aklq');
      assert.equal(r.body.emails[0].value, 'TestMhvaes@test.microsoft.com');
    },
  },
  {
    name: '[TUT] replace through addresses[type eq "work"] creates the address (upsert)',
    method: 'PATCH',
    path: '/Users/{user}',
    body: patchOp({ op: 'replace', path: 'addresses[type eq "work"].locality', value: 'Redmond' }),
    expect: (r) => assertOk(r),
    generic: { status: 400, scimType: 'noTarget' },
  },
  {
    name: '[TUT] "Example 5": Add manager as [{$ref, value}]',
    method: 'PATCH',
    path: '/Users/{user}',
    body: (s: State) => patchOp({ op: 'Add', path: 'manager', value: [{ $ref: `${s['base']}/Users/${s['jyoung']}`, value: s['jyoung'] }] }),
    expect: (r) => assertOk(r),
    generic: { status: 400 },
  },
  {
    name: '[VAL] manager by URN path as a bare id string',
    method: 'PATCH',
    path: '/Users/{user}',
    body: (s: State) => patchOp({ op: 'replace', path: `${ENT}:manager`, value: s['jyoung'] }),
    expect: (r) => assertOk(r),
    generic: { status: 400, scimType: 'invalidValue' },
  },
  {
    name: '[VAL] … the manager is set',
    method: 'GET',
    path: '/Users/{user}',
    expect: (r, s) => assert.equal(r.body[ENT]?.manager?.value, s['jyoung']),
  },
  {
    name: '[VAL] manager cleared by replace with ""',
    method: 'PATCH',
    path: '/Users/{user}',
    body: patchOp({ op: 'Replace', path: `${ENT}:manager`, value: '' }),
    expect: (r) => assertOk(r),
    generic: { status: 400 },
  },
  {
    name: '[VAL] … the manager is gone',
    method: 'GET',
    path: '/Users/{user}',
    expect: (r) => assert.equal(r.body[ENT]?.manager, undefined),
  },
  {
    name: '[ATTR] create with a custom extension attribute (urn:…:extension:<name>:2.0:User:<attribute>)',
    method: 'POST',
    path: '/Users',
    body: {
      schemas: [USER, 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User'],
      userName: 'custom.ext@contoso.com',
      'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User': { CustomAttribute: 'x' },
    },
    expect: (r) => {
      assertOk(r, 201);
      assert.deepEqual(r.body.schemas, [USER]);
    },
    generic: { status: 400, scimType: 'invalidValue' },
  },
  {
    name: '[ATTR] a custom extension attribute by path',
    method: 'PATCH',
    path: '/Users/{user}',
    body: patchOp({ op: 'Add', path: 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:CustomAttribute', value: 'x' }),
    expect: (r) => assertOk(r),
    generic: { status: 400, scimType: 'invalidValue' },
  },
  {
    name: '[ATTR] AppRoleAssignmentsComplex: roles with displayName',
    method: 'PATCH',
    path: '/Users/{user}',
    body: patchOp({ op: 'Add', path: 'roles', value: [{ primary: 'True', type: 'WindowsAzureActiveDirectoryRole', displayName: 'Admin', value: 'Admin' }] }),
    expect: (r) => assertOk(r),
    generic: { status: 400, scimType: 'invalidValue' },
  },
  {
    name: '[ATTR] SingleAppRoleAssignment: replace roles[primary eq "True"].value',
    method: 'PATCH',
    path: '/Users/{user}',
    body: patchOp({ op: 'Replace', path: 'roles[primary eq "True"].value', value: 'Reader' }, { op: 'Replace', path: 'roles[primary eq "True"].display', value: 'Reader' }),
    expect: (r) => assertOk(r),
    generic: { status: 400 },
  },
  {
    name: '[ATTR] … the role keeps its name and took the new value',
    method: 'GET',
    path: '/Users/{user}',
    expect: (r) => assert.deepEqual(r.body.roles, [{ value: 'Reader', display: 'Reader', type: 'WindowsAzureActiveDirectoryRole', primary: true }]),
  },
  {
    name: '[KI] "Requests made to disable users", default mode: Replace active "False"',
    method: 'PATCH',
    path: '/Users/{user}',
    body: patchOp({ op: 'Replace', path: 'active', value: 'False' }),
    expect: (r) => assertOk(r),
  },
  {
    name: '[TUT] disabled users stay queryable (active false)',
    method: 'GET',
    path: `/Users?filter=${q('userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"')}`,
    expect: (r) => {
      assertList(r, 1);
      assert.equal(r.body.Resources[0].active, false);
    },
  },
  {
    name: '[KI] re-enable observed as Add active "True"',
    method: 'PATCH',
    path: '/Users/{user}',
    body: patchOp({ op: 'Add', path: 'active', value: 'True' }),
    expect: (r) => assertOk(r),
  },
  {
    name: '[TUT] "Disable User" (flagged form: replace active false)',
    method: 'PATCH',
    path: '/Users/{user}',
    body: patchOp({ op: 'replace', path: 'active', value: false }),
    expect: (r) => assertOk(r),
  },
  {
    name: '[TUT] "Get Group by displayName" with excludedAttributes=members → none yet',
    method: 'GET',
    path: `/Groups?excludedAttributes=members&filter=${q('displayName eq "displayName"')}`,
    expect: (r) => assertList(r, 0),
  },
  {
    name: '[TUT] "Create Group" (ADSCIM schema URN, client meta)',
    method: 'POST',
    path: '/Groups',
    body: { schemas: [GROUP, LEGACY_GROUP], externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', displayName: 'displayName', meta: { resourceType: 'Group' } },
    save: { group: (r) => r.body?.id },
    expect: (r) => assertOk(r, 201),
    generic: { status: 400, scimType: 'invalidValue' },
  },
  {
    name: '[TUT] "Get Group" with excludedAttributes=members: no members attribute',
    method: 'GET',
    path: '/Groups/{group}?excludedAttributes=members',
    expect: (r) => {
      assert.equal(r.status, 200);
      assert.equal(r.body.members, undefined);
    },
  },
  {
    name: '[TUT] "Update Group [Non-member attributes]": Replace displayName',
    method: 'PATCH',
    path: '/Groups/{group}',
    body: patchOp({ op: 'Replace', path: 'displayName', value: '1879db59updatedDisplayName' }),
    expect: (r) => assertOk(r),
  },
  {
    name: '[TUT] "Update Group [Add Members]": two members in one Add, $ref null',
    method: 'PATCH',
    path: '/Groups/{group}',
    body: (s: State) => patchOp({ op: 'Add', path: 'members', value: [{ $ref: null, value: s['user'] }, { $ref: null, value: s['jyoung'] }] }),
    expect: (r) => assertOk(r),
  },
  {
    name: '[TUT] "Update Group [Remove Members]" default mode: Remove path members + value list',
    method: 'PATCH',
    path: '/Groups/{group}',
    body: (s: State) => patchOp({ op: 'Remove', path: 'members', value: [{ $ref: null, value: s['user'] }] }),
    expect: (r) => assertOk(r),
  },
  {
    name: '[KI] … only the listed member was removed (never the whole group)',
    method: 'GET',
    path: '/Groups/{group}',
    expect: (r, s) => assert.deepEqual(membersOf(r), [s['jyoung']]),
  },
  {
    name: '[KI] aadOptscim062020 member removal: remove members[value eq "…"]',
    method: 'PATCH',
    path: '/Groups/{group}',
    body: (s: State) => patchOp({ op: 'remove', path: `members[value eq "${s['jyoung']}"]` }),
    expect: (r) => assertOk(r),
  },
  {
    name: '[TUT] "Delete Group" → 204',
    method: 'DELETE',
    path: '/Groups/{group}',
    expect: (r) => assertOk(r, 204),
  },
  {
    name: '[VAL] DELETE twice → 404',
    method: 'DELETE',
    path: '/Groups/{group}',
    expect: (r) => assertScimError(r, 404),
    generic: { status: 404 },
  },
  {
    name: '[TUT] "Delete User" → 204 (Example 6)',
    method: 'DELETE',
    path: '/Users/{user}',
    expect: (r) => assertOk(r, 204),
  },
  {
    name: '[VAL] GET the deleted user → 404',
    method: 'GET',
    path: '/Users/{user}',
    expect: (r) => assertScimError(r, 404),
    generic: { status: 404 },
  },
];

replay('Microsoft Entra ID (SCIM tutorial, known-issues page, validator)', 'entra', steps);
