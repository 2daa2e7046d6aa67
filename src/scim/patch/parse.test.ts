import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isScimError } from '../errors.ts';
import type { ScimType } from '../errors.ts';
import { parsePatchRequest } from './parse.ts';

const URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const body = (...ops: unknown[]): Record<string, unknown> => ({ schemas: [URN], Operations: ops });

function scimTypeOf(fn: () => unknown): ScimType | 'no error' | 'not a ScimError' {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return isScimError(e) ? (e.scimType ?? 'not a ScimError') : 'not a ScimError';
  }
}

describe('parsePatchRequest: refused bodies', () => {
  const cases: { name: string; input: unknown; limits?: { maxOperations?: number }; scimType: ScimType; status?: number }[] = [
    { name: 'null body', input: null, scimType: 'invalidSyntax' },
    { name: 'array body', input: [], scimType: 'invalidSyntax' },
    { name: 'string body', input: 'add', scimType: 'invalidSyntax' },
    { name: 'no schemas', input: { Operations: [{ op: 'add', path: 'x', value: 1 }] }, scimType: 'invalidSyntax' },
    { name: 'schemas not an array', input: { schemas: URN, Operations: [] }, scimType: 'invalidSyntax' },
    { name: 'wrong message URN', input: { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [{ op: 'remove', path: 'x' }] }, scimType: 'invalidSyntax' },
    { name: 'no Operations', input: { schemas: [URN] }, scimType: 'invalidSyntax' },
    { name: 'Operations not an array', input: { schemas: [URN], Operations: { op: 'add' } }, scimType: 'invalidSyntax' },
    { name: 'empty Operations', input: body(), scimType: 'invalidSyntax' },
    { name: 'Operations given twice (case)', input: { schemas: [URN], Operations: [{ op: 'remove', path: 'x' }], operations: [] }, scimType: 'invalidSyntax' },
    { name: 'operation not an object', input: body('add'), scimType: 'invalidSyntax' },
    { name: 'operation null', input: body(null), scimType: 'invalidSyntax' },
    { name: 'op missing', input: body({ path: 'userName', value: 'x' }), scimType: 'invalidSyntax' },
    { name: 'op capitalised (compat normalises Entra)', input: body({ op: 'Replace', path: 'userName', value: 'x' }), scimType: 'invalidSyntax' },
    { name: 'op unknown', input: body({ op: 'move', path: 'userName', value: 'x' }), scimType: 'invalidSyntax' },
    { name: 'op not a string', input: body({ op: 1, path: 'userName', value: 'x' }), scimType: 'invalidSyntax' },
    { name: 'path not a string', input: body({ op: 'replace', path: 5, value: 'x' }), scimType: 'invalidPath' },
    { name: 'empty path', input: body({ op: 'replace', path: '', value: 'x' }), scimType: 'invalidPath' },
    { name: 'unterminated filter', input: body({ op: 'replace', path: 'emails[type eq "work"', value: 'x' }), scimType: 'invalidPath' },
    { name: 'garbage path', input: body({ op: 'replace', path: 'a b c', value: 'x' }), scimType: 'invalidPath' },
    // RFC 7644 §3.5.2.2: remove without a path is noTarget.
    { name: 'remove without path', input: body({ op: 'remove' }), scimType: 'noTarget' },
    { name: 'remove with null path', input: body({ op: 'remove', path: null }), scimType: 'noTarget' },
    // RFC 7644 §3.5.2.1 / §3.5.2.3: add and replace MUST carry a value.
    { name: 'add without value', input: body({ op: 'add', path: 'nickName' }), scimType: 'invalidValue' },
    { name: 'replace without value', input: body({ op: 'replace', path: 'nickName' }), scimType: 'invalidValue' },
    { name: 'more than 1000 operations', input: body(...Array.from({ length: 1001 }, () => ({ op: 'remove', path: 'nickName' }))), scimType: 'tooMany' },
    { name: 'over a custom limit', input: body(...Array.from({ length: 3 }, () => ({ op: 'remove', path: 'nickName' }))), limits: { maxOperations: 2 }, scimType: 'tooMany' },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.scimType}`, () => {
      assert.equal(scimTypeOf(() => parsePatchRequest(c.input, c.limits)), c.scimType);
    });
  }
  it('all of them are 400', () => {
    for (const c of cases) {
      try {
        parsePatchRequest(c.input, c.limits);
      } catch (e) {
        assert.ok(isScimError(e));
        assert.equal(e.status, 400, c.name);
      }
    }
  });
});

describe('parsePatchRequest: accepted bodies', () => {
  it('parses add/remove/replace with and without paths', () => {
    const ops = parsePatchRequest(
      body(
        { op: 'add', path: 'members', value: [{ value: '2819c223-7f76-453a-919d-413861904646' }] },
        { op: 'remove', path: 'members[value eq "2819c223-7f76-453a-919d-413861904646"]' },
        { op: 'replace', value: { active: false } },
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'a@example.com' },
      ),
    );
    assert.equal(ops.length, 4);
    assert.equal(ops[0]?.op, 'add');
    assert.equal(ops[0]?.path?.attr.name, 'members');
    assert.equal(ops[1]?.path?.valueFilter?.kind, 'compare');
    assert.equal(ops[2]?.path, undefined);
    assert.deepEqual(ops[2]?.value, { active: false });
    assert.equal(ops[3]?.path?.subAttr, 'value');
    assert.equal(ops[3]?.pathText, 'emails[type eq "work"].value');
  });

  it('accepts the RFC 7644 §3.5.2.2 filter written without a space before the value', () => {
    const [op] = parsePatchRequest(body({ op: 'remove', path: 'members[value eq"2819c223-7f76-453a-919d-413861904646"]' }));
    assert.equal(op?.path?.valueFilter?.kind, 'compare');
  });

  it('reads message attribute names case-insensitively (RFC 7643 §2.1)', () => {
    const ops = parsePatchRequest({ Schemas: [URN], operations: [{ OP: 'remove', Path: 'nickName' }] });
    assert.equal(ops[0]?.op, 'remove');
  });

  it('accepts exactly maxOperations operations', () => {
    const ops = parsePatchRequest(body(...Array.from({ length: 1000 }, () => ({ op: 'remove', path: 'nickName' }))));
    assert.equal(ops.length, 1000);
  });

  it('a remove may carry a value (Entra member removal); null value is kept as given', () => {
    const [a, b] = parsePatchRequest(
      body({ op: 'remove', path: 'members', value: [{ value: 'x' }] }, { op: 'replace', path: 'nickName', value: null }),
    );
    assert.deepEqual(a?.value, [{ value: 'x' }]);
    assert.ok(b !== undefined && Object.hasOwn(b, 'value'));
    assert.equal(b.value, null);
  });

  it('returns frozen operations with deep-frozen values', () => {
    const [op] = parsePatchRequest(body({ op: 'add', path: 'emails', value: [{ value: 'a@b.c' }] }));
    assert.ok(Object.isFrozen(op));
    assert.ok(Object.isFrozen(op?.value));
    assert.ok(Object.isFrozen((op?.value as unknown[])[0]));
  });
});

describe('parsePatchRequest: a path-less value that is a JSON object in a string (Keycloak SCIM plugin)', () => {
  it('becomes the object; other strings and strings through a path stay strings', () => {
    const [op] = parsePatchRequest(body({ op: 'replace', value: ' {"displayName":"G","members":[{"value":"u1"}]}' }));
    assert.deepEqual(op?.value, { displayName: 'G', members: [{ value: 'u1' }] });
    assert.ok(Object.isFrozen(op?.value));
    for (const s of ['"x"', '[1]', '{broken', 'plain', '']) {
      assert.equal(parsePatchRequest(body({ op: 'add', value: s }))[0]?.value, s);
    }
    assert.equal(parsePatchRequest(body({ op: 'replace', path: 'displayName', value: '{"a":1}' }))[0]?.value, '{"a":1}');
  });
  it('nesting deeper than 64 levels is invalidValue, as a deep value is; braces inside strings do not count', () => {
    const deep = `${'{"a":'.repeat(65)}1${'}'.repeat(65)}`;
    assert.equal(scimTypeOf(() => parsePatchRequest(body({ op: 'add', value: deep }))), 'invalidValue');
    const flat = JSON.stringify({ displayName: '{'.repeat(100) });
    assert.deepEqual(parsePatchRequest(body({ op: 'add', value: flat }))[0]?.value, { displayName: '{'.repeat(100) });
  });
});
