import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { invalidFilter } from '../errors.ts';
import { Lexer } from './lexer.ts';
import type { Token } from './lexer.ts';

function tokens(text: string): Token[] {
  const lex = new Lexer(text, invalidFilter);
  const out: Token[] = [];
  for (;;) {
    const t = lex.next();
    out.push(t);
    if (t.type === 'eof') return out;
  }
}

describe('Lexer', () => {
  test('every token carries its offset and end', () => {
    const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
    assert.deepEqual(tokens(`(${ENT}:manager.value eq "a\\"b")`), [
      { type: '(', offset: 0, end: 1 },
      { type: 'name', offset: 1, end: 73, uri: ENT, name: 'manager', sub: 'value' },
      { type: 'name', offset: 74, end: 76, name: 'eq' },
      { type: 'string', offset: 77, end: 83, value: 'a"b' },
      { type: ')', offset: 83, end: 84 },
      { type: 'eof', offset: 84, end: 84 },
    ]);
    assert.deepEqual(tokens(' emails[type]  .x -1.5e2'), [
      { type: 'name', offset: 1, end: 7, name: 'emails' },
      { type: '[', offset: 7, end: 8 },
      { type: 'name', offset: 8, end: 12, name: 'type' },
      { type: ']', offset: 12, end: 13 },
      { type: '.', offset: 15, end: 16 },
      { type: 'name', offset: 16, end: 17, name: 'x' },
      { type: 'number', offset: 18, end: 24, value: -150 },
      { type: 'eof', offset: 24, end: 24 },
    ]);
  });
  test('the URI of an attribute path ends at the last colon', () => {
    const [t] = tokens('urn:ietf:params:scim:schemas:core:2.0:User:name.familyName');
    assert.deepEqual(t, {
      type: 'name', offset: 0, end: 58, uri: 'urn:ietf:params:scim:schemas:core:2.0:User', name: 'name', sub: 'familyName',
    });
  });
  test('$ref is a name', () => {
    assert.deepEqual(tokens('$ref')[0], { type: 'name', offset: 0, end: 4, name: '$ref' });
    assert.throws(() => tokens('$refs'), /invalid attribute name/);
  });
  test('tokens are produced on demand: an error after the first problem is not reached', () => {
    const lex = new Lexer('a @', invalidFilter);
    assert.equal(lex.next().type, 'name');
    assert.throws(() => lex.next(), /unexpected character "@" \(at offset 2\)/);
  });
  test('linear on long runs', () => {
    const s = `a eq "${'\\u00e9'.repeat(20_000)}"`;
    const t = tokens(s)[2];
    assert.equal(t?.type === 'string' ? t.value.length : -1, 20_000);
  });
});
