/**
 * PATCH on multi-valued attributes is linear in the number of values: each value's
 * comparison key (case folded, RFC 7643 §2.2 caseExact) is computed a bounded number
 * of times, never once per pair. Pinned by counting the string folds
 * (`String.prototype.normalize`, which `foldCase` calls) — no timing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultRegistry } from '../schema/registry.ts';
import { USER_SCHEMA } from '../schema/types.ts';
import { applyPatch } from './apply.ts';
import { parsePatchRequest } from './parse.ts';
import type { PatchResult } from './types.ts';

const URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const users = defaultRegistry.resourceSchema('User');
type Json = Record<string, unknown>;

const run = (resource: Json, ops: unknown[]): PatchResult =>
  applyPatch(users, resource, parsePatchRequest({ schemas: [URN], Operations: ops }));

/** Runs `fn` and returns how many times it normalised a string (two per fold). */
function countFolds(fn: () => void): number {
  const original = String.prototype.normalize;
  let calls = 0;
  String.prototype.normalize = function (this: string, form?: string): string {
    calls++;
    return original.call(this, form);
  };
  try {
    fn();
  } finally {
    String.prototype.normalize = original;
  }
  return calls;
}

const emails = (n: number, prefix = 'u'): Json[] => Array.from({ length: n }, (_, i) => ({ value: `${prefix}${i}@example.com`, type: 'work' }));
const holder = (list: Json[]): Json => ({ schemas: [USER_SCHEMA], userName: 'many', emails: list });
const emailsOf = (r: PatchResult): Json[] => r.resource['emails'] as Json[];

/** Folds allowed per value: a small constant (a key per element and per given value). */
const PER_VALUE = 12;

describe('multi-valued PATCH is linear (folds per value bounded)', () => {
  const n = 2000;

  it('add of n new values to n stored ones', () => {
    let r: PatchResult | undefined;
    const folds = countFolds(() => {
      r = run(holder(emails(n, 'old')), [{ op: 'add', path: 'emails', value: emails(n, 'new') }]);
    });
    assert.equal(emailsOf(r as PatchResult).length, 2 * n);
    assert.ok(folds <= PER_VALUE * 2 * n, `${folds} folds for ${2 * n} values`);
  });

  it('whole-attribute replace with n values (deduplicated)', () => {
    let r: PatchResult | undefined;
    const doubled = [...emails(n), ...emails(n).map((e) => ({ ...e, value: (e['value'] as string).toUpperCase() }))];
    const folds = countFolds(() => {
      r = run(holder([]), [{ op: 'replace', path: 'emails', value: doubled }]);
    });
    assert.equal(emailsOf(r as PatchResult).length, n, 'case variants are the same value (caseExact false)');
    assert.ok(folds <= PER_VALUE * 2 * n, `${folds} folds for ${2 * n} values`);
  });

  it('filtered replace on a user holding n values', () => {
    let r: PatchResult | undefined;
    const folds = countFolds(() => {
      r = run(holder(emails(n)), [{ op: 'replace', path: `emails[value eq "U7@example.com"]`, value: { value: 'seven@example.com', type: 'home' } }]);
    });
    const list = emailsOf(r as PatchResult);
    assert.equal(list.length, n);
    assert.deepEqual(list[7], { value: 'seven@example.com', type: 'home' });
    assert.ok(folds <= PER_VALUE * n, `${folds} folds for ${n} values`);
  });

  it('remove of a value list of n patterns from n values', () => {
    let r: PatchResult | undefined;
    const gone = emails(n).filter((_, i) => i % 2 === 0).map((e) => ({ value: (e['value'] as string).toUpperCase() }));
    const folds = countFolds(() => {
      r = run(holder(emails(n)), [{ op: 'remove', path: 'emails', value: gone }]);
    });
    const list = emailsOf(r as PatchResult);
    assert.equal(list.length, n / 2);
    assert.ok(list.every((e) => Number(/\d+/.exec(e['value'] as string)?.[0]) % 2 === 1));
    assert.ok(folds <= PER_VALUE * 2 * n, `${folds} folds for ${2 * n} values`);
  });

  it('add of values already present (other case) changes nothing', () => {
    let r: PatchResult | undefined;
    const again = emails(n).map((e) => ({ value: (e['value'] as string).toUpperCase() }));
    const folds = countFolds(() => {
      r = run(holder(emails(n)), [{ op: 'add', path: 'emails', value: again }]);
    });
    assert.equal((r as PatchResult).changed, false);
    assert.ok(folds <= PER_VALUE * 2 * n, `${folds} folds for ${2 * n} values`);
  });
});

describe('8,000 values: correct results', () => {
  const n = 8000;

  it('add 8,000 emails, then replace one through a filter', () => {
    const added = run(holder([]), [{ op: 'add', path: 'emails', value: emails(n) }]);
    assert.equal(emailsOf(added).length, n);
    const replaced = run(added.resource, [
      { op: 'replace', path: `emails[value eq "u7999@example.com"]`, value: { value: 'u0@EXAMPLE.com', type: 'work' } },
    ]);
    // The replaced value equals u0 under the case rules: replace deduplicates (docs/patch.md).
    const list = emailsOf(replaced);
    assert.equal(list.length, n - 1);
    assert.equal(list[0]?.['value'], 'u0@example.com');
  });
});
