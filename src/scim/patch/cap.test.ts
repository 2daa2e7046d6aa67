/**
 * `ApplyPatchOptions.maxMultiValued`: an operation may not grow a multi-valued
 * attribute past the cap (400 `invalidValue` naming it, nothing applied); a list
 * already over the cap (stored before the cap was lowered) may shrink, and other
 * attributes of such a resource stay patchable (docs/scim-api.md).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isScimError } from '../errors.ts';
import { defaultRegistry } from '../schema/registry.ts';
import { USER_SCHEMA } from '../schema/types.ts';
import { applyPatch } from './apply.ts';
import { parsePatchRequest } from './parse.ts';
import type { PatchResult } from './types.ts';

const URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const users = defaultRegistry.resourceSchema('User');
const MAX = 3;
type Json = Record<string, unknown>;

const emails = (n: number, prefix = 'e'): Json[] => Array.from({ length: n }, (_, i) => ({ value: `${prefix}${i}@example.com` }));
const userWith = (n: number): Json => ({ schemas: [USER_SCHEMA], userName: 'cap', emails: emails(n) });
const run = (resource: Json, ops: unknown[]): PatchResult =>
  applyPatch(users, resource, parsePatchRequest({ schemas: [URN], Operations: ops }), { maxMultiValued: MAX });

function detailOf(resource: Json, ops: unknown[]): string {
  try {
    run(resource, ops);
  } catch (e) {
    if (isScimError(e) && e.status === 400 && e.scimType === 'invalidValue') return e.detail;
    throw e;
  }
  return 'no error';
}

describe('maxMultiValued in PATCH', () => {
  it('add, replace, filtered add and path-less add past the cap are refused', () => {
    for (const ops of [
      [{ op: 'add', path: 'emails', value: emails(1, 'n') }],
      [{ op: 'replace', path: 'emails', value: emails(MAX + 1, 'n') }],
      [{ op: 'add', value: { emails: emails(1, 'n') } }],
    ]) {
      assert.equal(detailOf(userWith(MAX), ops), `Attribute "emails" has ${MAX + 1} values; at most ${MAX} are allowed (maxMultiValued)`);
    }
    assert.match(detailOf(userWith(0), [{ op: 'add', path: 'roles', value: emails(MAX + 1, 'r') }]), /"roles" has 4 values/);
  });

  it('up to the cap is accepted', () => {
    assert.equal((run(userWith(MAX - 1), [{ op: 'add', path: 'emails', value: emails(1, 'n') }]).resource['emails'] as unknown[]).length, MAX);
    // Duplicates do not count: they are not added (RFC 7644 §3.5.2.1).
    assert.equal(run(userWith(MAX), [{ op: 'add', path: 'emails', value: emails(MAX) }]).changed, false);
  });

  it('a list already over the cap may shrink, and other attributes stay patchable', () => {
    const big = userWith(MAX + 2);
    assert.equal(run(big, [{ op: 'replace', path: 'title', value: 'Boss' }]).resource['title'], 'Boss');
    const smaller = run(big, [{ op: 'remove', path: 'emails[value eq "e0@example.com"]' }]);
    assert.equal((smaller.resource['emails'] as unknown[]).length, MAX + 1);
    assert.match(detailOf(big, [{ op: 'add', path: 'emails', value: emails(1, 'n') }]), /has 6 values; at most 3/);
  });
});
