/**
 * The filter compiler's SQL text depends on the filter's shape only (so prepared
 * statements are reused, docs/storage.md "Prepared statements").
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFilter } from '../../scim/filter/parser.ts';
import { defaultRegistry } from '../../scim/schema/registry.ts';
import type { ResourceKind } from '../store.ts';
import { AliasNames } from './attribute-source.ts';
import { compileFilter } from './compile-filter.ts';
import { compileSort } from './compile-sort.ts';
import { Params, sqliteDialect } from './dialect.ts';

function compile(text: string, type: ResourceKind = 'User'): { sql: string; params: unknown[] } {
  const ctx = { rs: defaultRegistry.resourceSchema(type), type, tenantId: 't1', dialect: sqliteDialect, alias: 'r', names: new AliasNames() };
  const params = new Params(sqliteDialect.placeholder);
  const sql = compileFilter(parseFilter(text), ctx, params);
  return { sql, params: params.values };
}

const orOf = (term: (i: number) => string, n: number): string => Array.from({ length: n }, (_, i) => term(i)).join(' or ');

describe('compiled SQL is deterministic', () => {
  const filters = [
    'emails co "a" and emails[type eq "work" and value ew "@x.com"]',
    'groups[display co "x"] or addresses.locality sw "Par"',
    'name pr and not (title ew "boss")',
    orOf((i) => `emails co "v${i}"`, 10),
  ];
  for (const f of filters) {
    it(`the same filter compiles twice to the same SQL: ${f.slice(0, 40)}`, () => {
      const a = compile(f);
      const b = compile(f);
      assert.equal(a.sql, b.sql);
      assert.deepEqual(a.params, b.params);
    });
  }

  it('the same shape with other literals compiles to the same SQL (ew suffix length included)', () => {
    const a = compile('emails[value ew "@x.com"] and title ew "a" and userName sw "b"');
    const b = compile('emails[value ew "@example.org"] and title ew "\u{1F600}\u{1F600}" and userName sw "cc"');
    assert.equal(a.sql, b.sql);
    assert.notDeepEqual(a.params, b.params);
  });

  it('members subqueries of Groups are numbered per compilation too', () => {
    const f = 'members[display co "a"] and members.type eq "User"';
    assert.equal(compile(f, 'Group').sql, compile(f, 'Group').sql);
  });

  it('the sort key continues the filter\'s numbering: filter + sort is one stable text', () => {
    const both = (): string => {
      const rs = defaultRegistry.resourceSchema('User');
      const ctx = { rs, type: 'User' as const, tenantId: 't1', dialect: sqliteDialect, alias: 'r', names: new AliasNames() };
      const where = compileFilter(parseFilter('emails co "a"'), ctx, new Params(sqliteDialect.placeholder));
      return `${where} ORDER BY ${compileSort(ctx, { name: 'emails', sub: 'value' }).expr ?? ''}`;
    };
    const a = both();
    assert.equal(a, both());
    // Two different subqueries in one statement: two different aliases.
    assert.match(a, /AS e1\b[\s\S]*AS e2\b/);
  });
});
