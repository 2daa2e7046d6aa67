/**
 * fast-check generators of filter ASTs, shared by the filter and path property tests
 * (and usable by the SQL-versus-evaluator tests). Named `*.test.ts` so the build
 * leaves it (and its fast-check import) out of `dist`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { AttrPath, CompareOp, CompValue, Filter } from './ast.ts';

/** Plain objects, as the parser builds them (fc.record defaults to a null prototype). */
const PLAIN = { noNullPrototype: true } as const;

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** ATTRNAME = ALPHA *(nameChar), plus `$ref` and names that look like keywords. */
export const attrNameArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,8}$/) },
  { weight: 2, arbitrary: fc.constantFrom('$ref', 'not', 'and', 'or', 'pr', 'eq', 'true', 'null', 'NOT', 'Or') },
);

const uriArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(CORE, ENT),
  fc.array(fc.stringMatching(/^[A-Za-z0-9._-]{1,6}$/), { minLength: 1, maxLength: 4 }).map((s) => `urn:${s.join(':')}`),
);

export const attrPathArb: fc.Arbitrary<AttrPath> = fc
  .record({ uri: fc.option(uriArb, { nil: undefined }), name: attrNameArb, sub: fc.option(attrNameArb, { nil: undefined }) })
  .map(({ uri, name, sub }) => ({ name, ...(uri !== undefined ? { uri } : {}), ...(sub !== undefined ? { sub } : {}) }));

const innerPathArb: fc.Arbitrary<AttrPath> = attrNameArb.map((name) => ({ name }));

/** Strings with the characters that break naive escaping, unicode and emoji; never U+0000. */
export const stringValueArb: fc.Arbitrary<string> = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.string({ unit: 'grapheme', maxLength: 6 }),
    fc.string({ unit: fc.constantFrom('%', '_', '\\', "'", '"', ' ', '*', '\n', 'é', '😀', 'a', 'Ω'), maxLength: 10 }),
  )
  .map((s) => s.replaceAll('\u0000', ''));

export const numberValueArb: fc.Arbitrary<number> = fc
  .oneof(fc.integer({ min: -1e6, max: 1e6 }), fc.double({ noNaN: true, noDefaultInfinity: true }))
  .map((n) => (n === 0 ? 0 : n));

const compareArb = (path: fc.Arbitrary<AttrPath>): fc.Arbitrary<Filter> =>
  fc.oneof(
    fc.record({
      path,
      op: fc.constantFrom<CompareOp>('eq', 'ne'),
      value: fc.oneof(stringValueArb, numberValueArb, fc.constantFrom<CompValue>(true, false, null)),
    }),
    fc.record({ path, op: fc.constantFrom<CompareOp>('gt', 'ge', 'lt', 'le'), value: fc.oneof(stringValueArb, numberValueArb) }),
    fc.record({ path, op: fc.constantFrom<CompareOp>('co', 'sw', 'ew'), value: stringValueArb as fc.Arbitrary<CompValue> }),
  ).map((c) => ({ kind: 'compare', ...c }) as Filter);

function treeArb(path: fc.Arbitrary<AttrPath>, leaf: fc.Arbitrary<Filter>, depth: number): fc.Arbitrary<Filter> {
  return fc.letrec<{ f: Filter }>((tie) => ({
    f: fc.oneof(
      { maxDepth: depth, depthIdentifier: `tree-${depth}` },
      leaf,
      path.map((p) => ({ kind: 'present', path: p }) as Filter),
      fc.record({ kind: fc.constant('and' as const), left: tie('f'), right: tie('f') }, PLAIN),
      fc.record({ kind: fc.constant('or' as const), left: tie('f'), right: tie('f') }, PLAIN),
      fc.record({ kind: fc.constant('not' as const), filter: tie('f') }, PLAIN),
    ),
  })).f;
}

/** Filters valid inside `[...]`: sub-attribute names only, no nested value paths. */
export const valFilterArb: fc.Arbitrary<Filter> = treeArb(innerPathArb, compareArb(innerPathArb), 3);

const valuePathArb: fc.Arbitrary<Filter> = fc
  .record({ path: attrPathArb.map((p) => ({ name: p.name, ...(p.uri !== undefined ? { uri: p.uri } : {}) })), filter: valFilterArb })
  .map((v) => ({ kind: 'valuePath', ...v }) as Filter);

/** Any filter AST `parseFilter` can produce (nesting kept under the default depth cap). */
export const filterArb: fc.Arbitrary<Filter> = treeArb(attrPathArb, fc.oneof({ weight: 4, arbitrary: compareArb(attrPathArb) }, { weight: 1, arbitrary: valuePathArb }), 4);

test('arbitraries: generated filters are well-formed ASTs', () => {
  for (const f of fc.sample(filterArb, 50)) assert.ok(['compare', 'present', 'and', 'or', 'not', 'valuePath'].includes(f.kind));
});
