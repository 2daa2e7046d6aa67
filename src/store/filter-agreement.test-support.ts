/**
 * docs/reliability.md IN-2: each SQL store and the reference evaluator select the same
 * resources for random data and random filters (values with % _ \ ' " ;-- NUL,
 * emoji, mixed case, NFC/NFD, and the PRECIS refusals of docs/schema.md
 * "Identifiers": controls, format and bidi controls, default-ignorables, surrounding
 * spaces, Cyrillic lookalikes, combining marks, fullwidth forms), and sort them in
 * the same order. userNames that preparation refuses are stored too, bypassing
 * validation, as rows written before the rule.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { isScimError } from '../scim/errors.ts';
import type { AttrPath, CompareOp, CompValue, Filter } from '../scim/filter/ast.ts';
import { evaluateFilter } from '../scim/filter/evaluate.ts';
import { defaultRegistry } from '../scim/schema/registry.ts';
import { compareSortValues, sortValue } from '../scim/schema/sort.ts';
import { validateResource } from '../scim/schema/validate.ts';
import type { ScimResource } from '../scim/schema/types.ts';
import type { LoadedResource, Store } from './store.ts';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const rs = defaultRegistry.resourceSchema('User');
const WORDS = [
  'a', 'A', 'ab', 'Ab', 'b%', '%', '_', 'a_b', '\\', "'", '"', ';--', 'caf\u00e9', 'cafe\u0301', 'CAF\u00c9', '\u{1F600}', '\uFF41', 'x\u0000y', 'Zz', '',
  // PRECIS refusals and lookalikes (docs/schema.md "Identifiers").
  ' ', '\t', '\u200b', '\u200d', '\u00ad', '\u2060', '\ufeff', '\u202e', '\u0000', '\u0430', '\u0301', 'i\u0307', '\uFF21b', '\u00a0', 'a b',
];
const word = fc.constantFrom(...WORDS);
const text = fc.array(word, { minLength: 1, maxLength: 3 }).map((w) => w.join(''));
const TIMES = ['2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.001Z', '2024-06-01T12:00:00.000Z'];

const userArb = fc.record(
  {
    displayName: text,
    title: text,
    active: fc.boolean(),
    externalId: text,
    name: fc.record({ givenName: text, familyName: text }, { requiredKeys: [] }),
    emails: fc.array(fc.record({ value: text, type: fc.constantFrom('work', 'home', 'Work'), primary: fc.boolean() }, { requiredKeys: ['value'] }), { maxLength: 3 }),
    [ENT]: fc.record({ employeeNumber: text, manager: fc.record({ value: text }) }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

const PATHS: AttrPath[] = [
  { name: 'userName' }, { name: 'displayName' }, { name: 'title' }, { name: 'active' }, { name: 'externalId' }, { name: 'id' },
  { name: 'name', sub: 'givenName' }, { name: 'name' }, { name: 'emails' }, { name: 'emails', sub: 'value' }, { name: 'emails', sub: 'type' },
  { name: 'emails', sub: 'primary' }, { name: 'meta', sub: 'created' }, { name: 'meta', sub: 'lastModified' }, { name: 'meta', sub: 'resourceType' },
  { uri: ENT, name: 'employeeNumber' }, { name: 'manager', sub: 'value' }, { name: 'schemas' }, { name: 'password' }, { name: 'nope' },
  { name: 'groups', sub: 'value' }, { name: 'USERNAME' },
];
const OPS: CompareOp[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];
const valueArb: fc.Arbitrary<CompValue> = fc.oneof(
  { weight: 6, arbitrary: text },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constantFrom(null, 1, 0) },
  { weight: 1, arbitrary: fc.constantFrom(...TIMES, '2024-01-01T00:00:00.0005Z', '2024-01-01T01:00:00+01:00', 'User') },
);
const leafArb = (paths: AttrPath[]): fc.Arbitrary<Filter> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('compare' as const), path: fc.constantFrom(...paths), op: fc.constantFrom(...OPS), value: valueArb }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('present' as const), path: fc.constantFrom(...paths) }) },
  );
const STRING_PATHS: AttrPath[] = PATHS.filter((p) => !['active', 'password', 'nope', 'name'].includes(p.name) && p.sub !== 'primary' && p.name !== 'meta' && !(p.name === 'emails' && p.sub === undefined));
/** Mostly well-typed comparisons, so most filters are valid and select something. */
const typedLeafArb: fc.Arbitrary<Filter> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('compare' as const), path: fc.constantFrom(...STRING_PATHS, { name: 'emails' }), op: fc.constantFrom(...OPS), value: text as fc.Arbitrary<CompValue> }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compare' as const), path: fc.constantFrom({ name: 'active' }, { name: 'emails', sub: 'primary' }), op: fc.constantFrom('eq' as const, 'ne' as const), value: fc.boolean() as fc.Arbitrary<CompValue> }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compare' as const), path: fc.constantFrom({ name: 'meta', sub: 'created' }, { name: 'meta', sub: 'lastModified' }), op: fc.constantFrom<CompareOp>('eq', 'ne', 'gt', 'ge', 'lt', 'le'), value: fc.constantFrom<CompValue>(...TIMES, '2024-01-01T00:00:00.0005Z', '2024-01-01T01:00:00+01:00') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('present' as const), path: fc.constantFrom(...PATHS.filter((p) => p.name !== 'password' && p.name !== 'nope')) }) },
);
const tree = (leaf: fc.Arbitrary<Filter>, depth: number): fc.Arbitrary<Filter> =>
  fc.letrec<{ f: Filter }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', maxDepth: depth, withCrossShrink: true },
      leaf,
      fc.record({ kind: fc.constant('and' as const), left: tie('f'), right: tie('f') }),
      fc.record({ kind: fc.constant('or' as const), left: tie('f'), right: tie('f') }),
      fc.record({ kind: fc.constant('not' as const), filter: tie('f') }),
    ),
  })).f;
const innerTyped: fc.Arbitrary<Filter> = fc.oneof(
  fc.record({ kind: fc.constant('compare' as const), path: fc.constantFrom({ name: 'value' }, { name: 'type' }, { name: 'display' }, { name: 'givenName' }), op: fc.constantFrom(...OPS), value: text as fc.Arbitrary<CompValue> }),
  fc.record({ kind: fc.constant('compare' as const), path: fc.constant({ name: 'primary' }), op: fc.constantFrom('eq' as const, 'ne' as const), value: fc.boolean() as fc.Arbitrary<CompValue> }),
);
const inner = tree(fc.oneof({ weight: 6, arbitrary: innerTyped }, { weight: 1, arbitrary: leafArb([{ name: 'value' }, { name: 'type' }, { name: 'primary' }, { name: 'display' }, { name: 'givenName' }]) }), 2);
const filterArb = tree(
  fc.oneof({ weight: 8, arbitrary: typedLeafArb }, { weight: 1, arbitrary: leafArb(PATHS) }, { weight: 2, arbitrary: fc.record({ kind: fc.constant('valuePath' as const), path: fc.constantFrom({ name: 'emails' }, { name: 'name' }), filter: inner }) }),
  3,
);

function render(r: LoadedResource): ScimResource {
  return { ...r.data, id: r.id, meta: { resourceType: r.type, created: r.created, lastModified: r.lastModified, version: `W/"${r.version}"` }, groups: r.groups ?? [] };
}

const scimTypeOf = (fn: () => unknown): { ok: unknown } | { err: string } => {
  try {
    return { ok: fn() };
  } catch (e) {
    if (isScimError(e)) return { err: String(e.scimType) };
    throw e;
  }
};

/** The store a run of the property test uses. */
export interface AgreementTarget {
  /** A fresh, empty store with no filter cost bound (semantics only). */
  open(): Promise<Store>;
  /** Opened once the data is in: it must answer every query exactly as the store does (SQLite: the same file without reader workers). */
  twin?(): Promise<Store>;
  /** How many queries the store ran on reader workers (SQLite), to check they were used. */
  workerJobs?(store: Store): number;
  /** Removes what `open` made. */
  cleanup?(): Promise<void>;
}

/** docs/reliability.md IN-2 on one store (see the module comment). */
export function runFilterAgreement(name: string, target: AgreementTarget): void {
describe(`SQL filters and sorting agree with the reference evaluator: ${name}`, () => {
  let store: Store;
  let twin: Store | undefined;
  const tenantId = randomUUID();
  const rendered: ScimResource[] = [];
  let validNames = 0;
  before(async () => {
    // Semantics only: random filters may pass the default cost bound (docs/filters.md "Caps"),
    // which compile-filter.test.ts pins separately.
    store = await target.open();
    await store.createTenant({ id: tenantId, name: 't', idp: 'generic', createdAt: TIMES[0]! });
    const other = randomUUID();
    await store.createTenant({ id: other, name: 'o', idp: 'generic', createdAt: TIMES[0]! });
    const users = fc.sample(userArb, { numRuns: 60, seed: 42 }).map((u) => {
      // At most one primary (RFC 7643 §2.4).
      let seen = false;
      const emails = (u.emails ?? []).map((e) => {
        const primary = e.primary === true && !seen;
        seen ||= primary;
        return { ...e, primary };
      });
      return { ...u, emails };
    });
    for (let i = 0; i < users.length; i++) {
      const userName = `${WORDS[i % WORDS.length]}${WORDS[(i * 7) % WORDS.length]}#${i}`;
      const body = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENT], userName, ...users[i] };
      const valid = scimTypeOf(() => validateResource(rs, body, 'create'));
      // A refused userName is stored as a row from before the rule would be.
      const data = 'ok' in valid ? (valid.ok as ScimResource) : { ...validateResource(rs, { ...body, userName: `legacy#${i}` }, 'create'), userName };
      if ('ok' in valid) validNames++;
      const t = TIMES[i % TIMES.length]!;
      for (const tid of [tenantId, other]) {
        await store.insertResource({ tenantId: tid, type: 'User', id: randomUUID(), data, version: 1 + (i % 3), created: t, lastModified: TIMES[(i + 1) % TIMES.length]! });
      }
    }
    twin = await target.twin?.();
    const all = await store.query(tenantId, 'User', { startIndex: 1, count: 1000, withMembers: false });
    rendered.push(...all.resources.map(render));
  });
  after(async () => {
    await store.close();
    await twin?.close();
    await target.cleanup?.();
  });

  it('stores both accepted and refused userNames', () => {
    assert.ok(validNames > 0 && validNames < rendered.length, String(validNames));
  });

  it('agrees on userName eq / ne / sw for each stored name and its lookalikes', async () => {
    const fullwidth = (n: string): string => n.replace(/[!-~]/g, (c) => String.fromCodePoint((c.codePointAt(0) as number) + 0xfee0));
    const variants = (n: string): string[] => [
      n, n.toUpperCase(), n.normalize('NFD'), n.normalize('NFC'), fullwidth(n), ` ${n}`, `${n} `, `${n}\t`, `\u200b${n}`, `${n}\u0000`,
      `\u202e${n}`, n.replace(/a/g, '\u0430'), `\u0301${n}`, n.trim(),
    ];
    for (const r of rendered) {
      const name = r['userName'] as string;
      for (const value of variants(name)) {
        for (const op of ['eq', 'ne', 'sw'] as const) {
          const filter: Filter = { kind: 'compare', path: { name: 'userName' }, op, value };
          const expected = rendered.filter((x) => evaluateFilter(filter, x, rs)).map((x) => x.id as string).sort();
          const res = await store.query(tenantId, 'User', { filter, startIndex: 1, count: 1000, withMembers: false });
          assert.deepEqual(res.resources.map((x) => x.id).sort(), expected, JSON.stringify(filter));
        }
      }
      // An accepted name is found by itself; a refused one (a row from before the rule) by no eq.
      const own = await store.query(tenantId, 'User', { filter: { kind: 'compare', path: { name: 'userName' }, op: 'eq', value: name }, startIndex: 1, count: 1000, withMembers: false });
      const accepted = 'ok' in scimTypeOf(() => validateResource(rs, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: name }, 'create'));
      assert.deepEqual(own.resources.map((x) => x.id), accepted ? [r.id] : [], JSON.stringify(name));
    }
  });

  // none / some / all / invalidFilter: the generator must produce a useful mix.
  const stats = [0, 0, 0, 0];
  it('selects exactly the resources evaluateFilter selects (on a reader worker, and as the main thread does)', async () => {
    const jobsBefore = target.workerJobs?.(store) ?? 0;
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(filterArb, async (filter) => {
        const expected = scimTypeOf(() => rendered.filter((r) => evaluateFilter(filter, r, rs)).map((r) => r.id as string).sort());
        let actual: { ok: unknown } | { err: string };
        try {
          const res = await store.query(tenantId, 'User', { filter, startIndex: 1, count: 1000, withMembers: false });
          actual = { ok: res.resources.map((r) => r.id).sort() };
          assert.equal(res.totalResults, res.resources.length);
          if (twin !== undefined) assert.deepEqual(res, await twin.query(tenantId, 'User', { filter, startIndex: 1, count: 1000, withMembers: false }));
          answered++;
        } catch (e) {
          if (!isScimError(e)) throw e;
          actual = { err: String(e.scimType) };
        }
        assert.deepEqual(actual, expected, JSON.stringify(filter));
        const n = 'ok' in expected ? (expected.ok as string[]).length : -1;
        const bucket = n < 0 ? 3 : n === 0 ? 0 : n === rendered.length ? 2 : 1;
        stats[bucket] = (stats[bucket] ?? 0) + 1;
      }),
      { numRuns: Number(process.env['FC_RUNS'] ?? 1500) },
    );
    if (process.env['FC_STATS'] !== undefined) console.log('none/some/all/invalid', stats);
    assert.ok((stats[1] ?? 0) > 0);
    // Every answered query ran on the worker (errors are refused before any SQL runs).
    if (target.workerJobs !== undefined) assert.ok(target.workerJobs(store) - jobsBefore >= answered, String(target.workerJobs(store)));
  });

  it('sorts exactly as sortValue + compareSortValues, ties by id', async () => {
    const sortPaths: AttrPath[] = PATHS.filter((p) => p.name !== 'password');
    for (const path of sortPaths) {
      for (const order of ['ascending', 'descending'] as const) {
        const res = await store.query(tenantId, 'User', { sort: { path, order }, startIndex: 1, count: 1000, withMembers: false });
        const key = (r: ScimResource) => sortValue(rs, r, path);
        const expected = [...rendered]
          .sort((a, b) => {
            const c = compareSortValues(key(a), key(b), 'ascending');
            return c !== 0 ? c : (a.id as string) < (b.id as string) ? -1 : 1;
          })
          .map((r) => r.id);
        if (order === 'descending') expected.reverse();
        assert.deepEqual(res.resources.map((r) => r.id), expected, `${JSON.stringify(path)} ${order}`);
        for (const r of res.resources) assert.deepEqual(r.sortValue, key(render(r)), JSON.stringify(path));
      }
    }
  });
});
}
