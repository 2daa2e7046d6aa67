/**
 * The filter compiler's SQL text depends on the filter's shape only (so prepared
 * statements are reused, docs/storage.md "Prepared statements"), and its cost model
 * refuses filters that would run a correlated subquery per row too many times
 * (docs/filters.md "Caps").
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isScimError } from '../../scim/errors.ts';
import { parseFilter } from '../../scim/filter/parser.ts';
import { defaultRegistry } from '../../scim/schema/registry.ts';
import type { ResourceKind } from '../../domain/resource.ts';
import { AliasNames } from './attribute-source.ts';
import { compileFilter } from './compile-filter.ts';
import { compileSort } from './compile-sort.ts';
import { Params, postgresDialect, sqliteDialect } from './dialect.ts';
import type { SqlDialect } from './dialect.ts';
import { COST_SUBQUERY, DEFAULT_FILTER_MAX_COST } from './filter-cost.ts';

function compile(text: string, maxCost?: number, type: ResourceKind = 'User', dialect: SqlDialect = sqliteDialect): { sql: string; params: unknown[] } {
  const ctx = { rs: defaultRegistry.resourceSchema(type), type, tenantId: 't1', dialect, alias: 'r', names: new AliasNames() };
  const params = new Params(dialect.placeholder);
  const sql = compileFilter(parseFilter(text), ctx, params, maxCost);
  return { sql, params: params.values };
}

/** The scimType and detail of what `fn` throws. */
function refusal(fn: () => unknown): { scimType: unknown; detail: string } {
  try {
    fn();
  } catch (e) {
    assert.ok(isScimError(e), String(e));
    return { scimType: e.scimType, detail: e.message };
  }
  assert.fail('expected a ScimError');
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

  it('on PostgreSQL too: one text per shape, placeholders $1…$n in the order of the parameters', () => {
    const f = 'members[display ew "a"] or members.value eq "x" or displayName sw "b"';
    const a = compile('emails[value ew "@x.com"] and title co "a" and userName sw "b"', undefined, 'User', postgresDialect);
    const b = compile('emails[value ew "@example.org"] and title co "zz" and userName sw "c"', undefined, 'User', postgresDialect);
    assert.equal(a.sql, b.sql);
    const used = [...new Set([...a.sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])))];
    assert.deepEqual(used, a.params.map((_, i) => i + 1));
    assert.ok(!/\?/.test(a.sql), a.sql);
    assert.equal(compile(f, undefined, 'Group', postgresDialect).sql, compile(f, undefined, 'Group', postgresDialect).sql);
  });

  it('members subqueries of Groups are numbered per compilation too', () => {
    const f = 'members[display co "a"] and members.type eq "User"';
    assert.equal(compile(f, undefined, 'Group').sql, compile(f, undefined, 'Group').sql);
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

describe('filter cost bound', () => {
  const subqueries = DEFAULT_FILTER_MAX_COST / COST_SUBQUERY;

  it(`accepts ${subqueries} comparisons inside multi-valued attributes, refuses one more (400 invalidFilter, "too complex")`, () => {
    assert.doesNotThrow(() => compile(orOf((i) => `emails co "v${i}"`, subqueries), DEFAULT_FILTER_MAX_COST));
    const r = refusal(() => compile(orOf((i) => `emails co "v${i}"`, subqueries + 1), DEFAULT_FILTER_MAX_COST));
    assert.equal(r.scimType, 'invalidFilter');
    assert.match(r.detail, /too complex/);
    assert.match(r.detail, new RegExp(`limit of ${DEFAULT_FILTER_MAX_COST}\\b`));
  });

  it('a value filter is one subquery; its inner comparisons cost one each', () => {
    // 9 value filters of 2 inner comparisons: 9 × (10 + 2) = 108 > 100; 8 of them: 96.
    const vp = (i: number): string => `emails[type eq "work" and value co "v${i}"]`;
    assert.doesNotThrow(() => compile(orOf(vp, 8), DEFAULT_FILTER_MAX_COST));
    assert.equal(refusal(() => compile(orOf(vp, 9), DEFAULT_FILTER_MAX_COST)).scimType, 'invalidFilter');
  });

  it('indexed forms are cheap: 100 userName/externalId/emails.value eq terms are within the default bound', () => {
    const f = orOf((i) => [`userName eq "u${i}"`, `externalId eq "x${i}"`, `emails.value eq "e${i}@x.com"`, `id eq "${i}"`][i % 4] as string, 100);
    assert.doesNotThrow(() => compile(f, DEFAULT_FILTER_MAX_COST));
    assert.equal(refusal(() => compile(`${f} or userName eq "one more"`, DEFAULT_FILTER_MAX_COST)).scimType, 'invalidFilter');
  });

  it('what identity providers send is well within the bound', () => {
    for (const f of [
      'userName eq "alice@example.com"',
      'externalId eq "00u1abcd"',
      'emails[type eq "work" and value eq "a@x.com"]',
      'displayName eq "Admins"',
    ]) {
      assert.doesNotThrow(() => compile(f, DEFAULT_FILTER_MAX_COST), f);
    }
    assert.doesNotThrow(() => compile('members[value eq "2819c223-7f76-453a-919d-413861904646"] and displayName eq "Admins"', DEFAULT_FILTER_MAX_COST, 'Group'));
  });

  it('without a bound any cost compiles (the store always passes one)', () => {
    assert.doesNotThrow(() => compile(orOf((i) => `emails co "v${i}"`, 50)));
  });
});
