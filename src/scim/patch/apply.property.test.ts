/**
 * Property tests of the PATCH engine: random bodies never raise anything but a
 * ScimError (and never a 500), a failing operation leaves the input untouched
 * (RFC 7644 §3.5.2 atomicity), and nothing reaches Object.prototype (docs/reliability.md IN-4).
 * PATCH_FUZZ_RUNS scales the runs (default 100,000 bodies in total).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { isScimError } from '../errors.ts';
import { deepFreeze } from '../schema/define.ts';
import { defaultRegistry } from '../schema/registry.ts';
import { ENTERPRISE_USER_SCHEMA as EXT, GROUP_SCHEMA, USER_SCHEMA } from '../schema/types.ts';
import { validateResource } from '../schema/validate.ts';
import { applyPatch, patchNeedsMembers } from './apply.ts';
import { parsePatchRequest } from './parse.ts';
import type { PatchMember } from './types.ts';

const URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const RUNS = Number(process.env['PATCH_FUZZ_RUNS'] ?? 100_000);
const users = defaultRegistry.resourceSchema('User');
const groups = defaultRegistry.resourceSchema('Group');

const user = deepFreeze({
  schemas: [USER_SCHEMA, EXT],
  userName: 'bjensen',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  phoneNumbers: [{ value: '555-555-8377', type: 'work' }],
  active: true,
  [EXT]: { employeeNumber: '701984', manager: { value: 'm1' } },
});
const group = deepFreeze({ schemas: [GROUP_SCHEMA], displayName: 'Tour Guides' });
const members: readonly PatchMember[] = deepFreeze([
  { value: 'u1', type: 'User', display: 'Ann' },
  { value: 'g1', type: 'Group' },
]);

const protoSnapshot = new Map<object, string[]>();
before(() => {
  for (const p of [Object.prototype, Array.prototype, Function.prototype, String.prototype]) {
    protoSnapshot.set(p, Object.getOwnPropertyNames(p).sort());
  }
});
// (c) After every run: nothing reached a shared prototype.
after(() => {
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  for (const [p, names] of protoSnapshot) assert.deepEqual(Object.getOwnPropertyNames(p).sort(), names);
});

const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
const top = fc.constantFrom(
  'userName', 'USERNAME', 'name', 'displayName', 'nickName', 'active', 'title', 'emails', 'phoneNumbers', 'addresses',
  'members', 'groups', 'id', 'meta', 'externalId', 'password', 'roles', 'x509Certificates',
  `${EXT}:manager`, `${EXT}:employeeNumber`, `${EXT}:department`, `${USER_SCHEMA}:userName`, EXT,
);
const sub = fc.constantFrom('value', 'type', 'primary', 'display', 'givenName', 'familyName', 'streetAddress', 'locality', '$ref', 'displayName');
const evil = fc.constantFrom('__proto__', 'constructor', 'prototype', 'polluted', 'toString', 'hasOwnProperty', 'schemas');
const word = fc.oneof(w(6, top), w(3, sub), w(1, evil));
const literal = fc.oneof(
  w(4, fc.constantFrom('"work"', '"home"', '"u1"', '"g1"', 'true', 'false', 'null', '42', '"bjensen@example.com"')),
  w(1, fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s))),
);
const filter = fc
  .tuple(fc.oneof(w(4, sub), w(1, word)), fc.constantFrom('eq', 'eq', 'eq', 'ne', 'co', 'sw', 'gt', 'pr', 'xx'), literal, fc.constantFrom('', '', ' and type eq "work"', ' or value eq "u1"', ' and not (primary eq true)'))
  .map(([a, op, lit, more]) => (op === 'pr' ? `${a} pr${more}` : `${a} ${op} ${lit}${more}`));
const path = fc.oneof(
  w(3, top),
  w(2, fc.tuple(top, sub).map(([a, b]) => `${a}.${b}`)),
  w(3, fc.tuple(top, filter).map(([a, f]) => `${a}[${f}]`)),
  w(3, fc.tuple(top, filter, sub).map(([a, f, s]) => `${a}[${f}].${s}`)),
  w(1, fc.tuple(word, word).map(([a, b]) => `${a}.${b}`)),
  w(1, fc.string({ maxLength: 12 })),
);
const leaf = fc.oneof(fc.string({ maxLength: 8 }), fc.boolean(), fc.integer(), fc.constant(null), fc.double());
const element = fc.dictionary(fc.oneof(w(5, sub), w(1, word)), fc.oneof(w(4, leaf), w(1, fc.dictionary(word, leaf, { maxKeys: 2 }))), { maxKeys: 4 });
const shaped = fc.dictionary(word, fc.oneof(leaf, element, fc.array(element, { maxLength: 3 })), { maxKeys: 4 });
const value = fc.oneof(
  w(3, leaf),
  w(3, element),
  w(3, shaped),
  w(3, fc.array(element, { maxLength: 3 })),
  w(1, fc.array(leaf, { maxLength: 3 })),
  w(1, fc.jsonValue({ maxDepth: 3 })),
);
const addOrReplace = fc.constantFrom('add', 'replace');
const operation = fc.oneof(
  w(8, fc.record({ op: addOrReplace, path, value })),
  w(4, fc.record({ op: addOrReplace, value: fc.oneof(shaped, value) })),
  w(5, fc.record({ op: fc.constant('remove'), path })),
  w(2, fc.record({ op: fc.constant('remove'), path, value })),
  w(1, fc.record({ op: fc.constantFrom('Add', 'move', '', 1, null, 'add', 'remove'), path: fc.oneof(path, fc.constant(null), fc.integer()), value }, { requiredKeys: [] })),
  w(1, value),
);
const structured = fc.oneof(
  w(12, fc.record({ schemas: fc.constant([URN]), Operations: fc.array(operation, { minLength: 1, maxLength: 3 }) })),
  w(1, fc.record(
    {
      schemas: fc.oneof(fc.constant([URN]), fc.constant(URN), fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 })),
      Operations: fc.oneof(fc.array(operation, { maxLength: 5 }), value),
    },
    { requiredKeys: [] },
  )),
);

// Operations that succeed on `user` whatever came before them.
const validOp = fc.oneof(
  fc.string({ maxLength: 8 }).map((s) => ({ op: 'replace', path: 'nickName', value: s })),
  fc.boolean().map((b) => ({ op: 'replace', value: { active: b } })),
  fc.string({ minLength: 1, maxLength: 8 }).map((s) => ({ op: 'add', path: 'emails', value: [{ value: `${s}@x.org`, type: 'other' }] })),
  fc.string({ maxLength: 8 }).map((s) => ({ op: 'replace', path: 'name.givenName', value: s })),
  fc.constantFrom(
    { op: 'remove', path: 'emails[type eq "home"]' },
    { op: 'remove', path: 'title' },
    { op: 'remove', path: `${EXT}:manager` },
    { op: 'add', path: `${EXT}:department`, value: 'Tour' },
    { op: 'replace', value: { 'name.familyName': 'J', [`${EXT}:employeeNumber`]: '1' } },
    { op: 'remove', path: 'phoneNumbers' },
    { op: 'replace', path: 'emails', value: [{ value: 'only@x.org', type: 'work', primary: true }] },
  ),
);
const str = fc.string({ minLength: 1, maxLength: 6 });
const emailType = fc.constantFrom('work', 'home', 'other');
// Well-typed operations (mostly succeeding) for Users and Groups.
const typedUserOp = fc.oneof(
  validOp,
  fc.tuple(fc.constantFrom('add', 'replace'), emailType, str).map(([op, t, v]) => ({ op, path: `emails[type eq "${t}"].value`, value: `${v}@x.org` })),
  fc.tuple(fc.constantFrom('add', 'replace', 'remove'), emailType, fc.boolean()).map(([op, t, b]) => ({ op, path: `emails[type eq "${t}"].primary`, value: b })),
  fc.tuple(emailType, str, fc.boolean()).map(([t, v, p]) => ({ op: 'add', path: 'emails', value: { value: `${v}@x.org`, type: t, primary: p } })),
  fc.tuple(fc.constantFrom('add', 'replace'), str).map(([op, v]) => ({ op, path: 'addresses[type eq "work"]', value: { locality: v, type: 'work' } })),
  fc.tuple(fc.constantFrom('add', 'replace', 'remove'), str).map(([op, v]) => ({ op, path: `${EXT}:manager`, value: { value: v } })),
  fc.tuple(fc.constantFrom('add', 'replace'), str).map(([op, v]) => ({ op, value: { [`${EXT}:costCenter`]: v, 'name.middleName': v } })),
  fc.constantFrom({ op: 'remove', path: 'emails[primary eq true]' }, { op: 'remove', path: 'emails', value: [{ type: 'work' }] }, { op: 'remove', path: EXT }),
);
const member = fc.record({ value: fc.constantFrom('u1', 'u2', 'g1', 'g2'), type: fc.constantFrom('User', 'Group') }, { requiredKeys: ['value'] });
const typedGroupOp = fc.oneof(
  fc.tuple(fc.constantFrom('add', 'replace'), fc.array(member, { maxLength: 3 })).map(([op, v]) => ({ op, path: 'members', value: v })),
  fc.array(member, { maxLength: 3 }).map((v) => ({ op: 'remove', path: 'members', value: v })),
  fc.constantFrom('u1', 'u2', 'g1').map((id) => ({ op: 'remove', path: `members[value eq "${id}"]` })),
  fc.constantFrom('members[type eq "Group"]', 'members[display co "a"]', 'members', 'members[not (value eq "u1")]').map((p) => ({ op: 'remove', path: p })),
  str.map((v) => ({ op: 'replace', value: { displayName: v, id: 'ignored', members: [{ value: 'u1' }] } })),
);

/** Parses and applies a body as the HTTP layer would; only ScimErrors below 500 may escape. */
function run(text: string, kind: 'User' | 'Group', upsertOnNoMatch: boolean): void {
  const body: unknown = JSON.parse(text); // own "__proto__" keys, like a real request body
  const rs = kind === 'User' ? users : groups;
  const resource = kind === 'User' ? user : group;
  try {
    const ops = parsePatchRequest(body);
    const r = applyPatch(rs, resource, ops, { upsertOnNoMatch, ...(patchNeedsMembers(ops) ? { members } : {}) });
    // A patched resource is still a valid resource of its type.
    validateResource(rs, r.resource, 'replace');
    assert.equal(Object.getPrototypeOf(r.resource), Object.prototype);
    if (!r.changed) assert.deepEqual(r.resource, resource);
  } catch (e) {
    if (!isScimError(e)) throw e;
    assert.ok(e.status >= 400 && e.status < 500, `unexpected ${e.status}: ${e.detail}`);
  }
}

describe('PATCH fuzz (a): random and mutated bodies throw nothing but 4xx ScimErrors', () => {
  it('structured bodies built from attribute names, filters and shaped values', () => {
    fc.assert(
      fc.property(structured, fc.constantFrom<'User' | 'Group'>('User', 'Group'), fc.boolean(), (b, kind, upsert) => {
        run(JSON.stringify(b), kind, upsert);
      }),
      { numRuns: Math.ceil(RUNS * 0.6) },
    );
  });
  it('well-typed operations: results stay valid resources', () => {
    const users = fc.array(typedUserOp, { minLength: 1, maxLength: 6 }).map((o) => ['User', o] as const);
    const groups = fc.array(typedGroupOp, { minLength: 1, maxLength: 6 }).map((o) => ['Group', o] as const);
    fc.assert(
      fc.property(fc.oneof(users, groups), fc.boolean(), ([kind, ops], upsert) => {
        run(JSON.stringify({ schemas: [URN], Operations: ops }), kind, upsert);
      }),
      { numRuns: Math.ceil(RUNS * 0.2) },
    );
  });
  it('arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom<'User' | 'Group'>('User', 'Group'), (b, kind) => {
        run(JSON.stringify(b), kind, false);
      }),
      { numRuns: Math.ceil(RUNS * 0.2) },
    );
  });
});

const failingOp = fc.constantFrom(
  { op: 'remove', path: 'id' },
  { op: 'remove', path: 'userName' },
  { op: 'replace', path: 'emails[type eq "no-such-type"].value', value: 'x@y.z' },
  { op: 'replace', path: 'active', value: 'yes' },
  { op: 'add', path: 'favouriteColour', value: 'red' },
  { op: 'replace', path: `${EXT}:manager.displayName`, value: 'B' },
  { op: 'add', path: '__proto__', value: { polluted: true } },
);

describe('PATCH atomicity (b): a failing last operation changes nothing', () => {
  it('valid operations followed by a failing one', () => {
    fc.assert(
      fc.property(fc.array(validOp, { maxLength: 6 }), failingOp, (prefix, bad) => {
        const snapshot = structuredClone(user);
        const good = parsePatchRequest({ schemas: [URN], Operations: prefix.length > 0 ? prefix : [{ op: 'remove', path: 'title' }] });
        applyPatch(users, user, good); // the prefix alone succeeds
        // The failure may come from parsing or from applying; either way nothing changes.
        assert.throws(
          () => applyPatch(users, user, parsePatchRequest({ schemas: [URN], Operations: [...prefix, bad] })),
          (e: unknown) => isScimError(e) && e.status === 400,
        );
        assert.deepEqual(user, snapshot);
      }),
      { numRuns: 2000 },
    );
  });
});
