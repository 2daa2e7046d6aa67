/**
 * Compiles a filter AST (RFC 7644 §3.4.2.2) to a SQL boolean expression over the
 * resources table, with bind parameters. The semantics are those of the reference
 * evaluator (`src/scim/filter/evaluate.ts`); a property test checks that both
 * select the same resources. Every compiled predicate is two-valued (never NULL),
 * so `not` and `ne` behave as in JavaScript.
 */
import { invalidFilter } from '../../scim/errors.ts';
import { dateTimeKey } from '../../scim/filter/datetime.ts';
import { checkFilter } from '../../scim/filter/evaluate.ts';
import { comparisonTarget, resolveFilterPath } from '../../scim/filter/target.ts';
import { formatAttrPath } from '../../scim/filter/format.ts';
import type { CompareFilter, CompValue, Filter } from '../../scim/filter/ast.ts';
import type { AttributeDefinition, ResolvedAttribute } from '../../scim/schema/types.ts';
import { foldCase } from '../../scim/schema/fold.ts';
import { literalCanMatch } from '../../scim/schema/precis.ts';
import { sourceOf } from './attribute-source.ts';
import type { CompileContext, ElementScope, Source } from './attribute-source.ts';
import type { Params, SqlDialect } from './dialect.ts';
import { chainOperands } from '../../scim/filter/chain.ts';
import { COST_COLUMN, COST_ELEMENT, COST_JSON, COST_SUBQUERY, CostMeter } from './filter-cost.ts';

export type { CompileContext } from './attribute-source.ts';

/** A literal in search form, ready to bind: folded for caseExact=false, dateTime as its key. */
function literalFor(def: AttributeDefinition, value: CompValue, dialect: SqlDialect): unknown {
  if (typeof value === 'boolean') return dialect.booleanValue(value);
  if (typeof value !== 'string') return value;
  if (def.type === 'dateTime') return dateTimeKey(value);
  return def.caseExact ? value : foldCase(value);
}

/** SQL for one value `expr` against `lit` (NULL-safe: false when `expr` is NULL). */
function comparison(d: SqlDialect, expr: string, f: CompareFilter, lit: unknown, params: Params): string {
  // `expr IS NOT NULL AND …` keeps the predicate two-valued and still lets SQLite use an index on `expr`.
  const nn = `${expr} IS NOT NULL AND `;
  if (f.op === 'ew') {
    const n = [...String(lit)].length;
    const sql = d.endsWith(expr, lit, params);
    return n === 0 ? sql : `(${nn}${sql})`;
  }
  const p = params.add(lit);
  switch (f.op) {
    case 'eq':
    case 'ne':
      return `(${nn}${expr} = ${p})`;
    case 'gt': return `(${nn}${expr} > ${p})`;
    case 'ge': return `(${nn}${expr} >= ${p})`;
    case 'lt': return `(${nn}${expr} < ${p})`;
    case 'le': return `(${nn}${expr} <= ${p})`;
    // Substring operators match literal text: instr/substr, never LIKE (whose % _ \ are wildcards).
    case 'co': return `(${nn}${d.position(expr, p)} > 0)`;
    case 'sw': return `(${nn}${d.position(expr, p)} = 1)`;
  }
}

/**
 * Index-driven forms of `eq` on multi-valued attributes kept in side tables:
 * Users `emails.value` (email_values), Groups `members.value`, Users `groups.value`.
 */
function indexedEq(ctx: CompileContext, r: ResolvedAttribute, def: AttributeDefinition, lit: unknown, params: Params): string | undefined {
  if (r.extension || def.name !== 'value' || typeof lit !== 'string') return undefined;
  const a = ctx.alias;
  const name = r.attribute.name;
  if (ctx.type === 'User' && name === 'emails') {
    return `${a}.id IN (SELECT resource_id FROM email_values WHERE tenant_id = ${params.add(ctx.tenantId)} AND value_fold = ${params.add(lit)})`;
  }
  if (ctx.type === 'Group' && name === 'members') {
    return `${a}.id IN (SELECT group_id FROM members WHERE tenant_id = ${params.add(ctx.tenantId)} AND member_id = ${params.add(lit)})`;
  }
  if (ctx.type === 'User' && name === 'groups') {
    return `${a}.id IN (SELECT member_id FROM members WHERE tenant_id = ${params.add(ctx.tenantId)} AND group_id = ${params.add(lit)})`;
  }
  return undefined;
}

/** Charges a compiled term to the filter's cost (docs/filters.md "Caps"). */
function charge(ctx: CompileContext, n: number): void {
  ctx.meter?.charge(n);
}

const singleCost = (src: Source & { kind: 'single' }): number => (src.json === true ? COST_JSON : COST_COLUMN);
/** A multi-valued attribute is a subquery over its elements; a single complex value (`name`, `meta`) is one JSON read. */
const elementsCost = (src: Source & { kind: 'elements' }): number => (src.multi ? COST_SUBQUERY : COST_JSON);

function exists(src: Source & { kind: 'elements' }, cond: string): string {
  return `EXISTS (SELECT 1 FROM ${src.from} WHERE ${src.where} AND ${cond})`;
}

/**
 * `meta.created` / `meta.lastModified` columns hold millisecond ISO instants; the
 * literal's key may carry finer digits, so bounds are rounded the exact way.
 */
function instantComparison(d: SqlDialect, expr: string, f: CompareFilter, key: string, params: Params): string {
  const ms = `${key.slice(0, 23)}Z`;
  const finer = key.slice(23, 29) !== '000000';
  const nn = `${expr} IS NOT NULL AND `;
  if (finer && (f.op === 'eq' || f.op === 'ne')) return d.false;
  const p = params.add(ms);
  switch (f.op) {
    case 'eq':
    case 'ne': return `(${nn}${expr} = ${p})`;
    case 'gt': return `(${nn}${expr} > ${p})`;
    case 'ge': return `(${nn}${expr} ${finer ? '>' : '>='} ${p})`;
    case 'lt': return `(${nn}${expr} ${finer ? '<=' : '<'} ${p})`;
    default: return `(${nn}${expr} <= ${p})`;
  }
}

const INSTANT_COLUMNS = /\.(created|last_modified)$/;

function compileCompare(ctx: CompileContext, f: CompareFilter, params: Params, scope?: ElementScope, outer?: ResolvedAttribute): string {
  const shown = outer === undefined ? formatAttrPath(f.path) : `${outer.attribute.name}.${formatAttrPath(f.path)}`;
  const r = resolveFilterPath(ctx.rs, f.path, outer);
  if (f.value === null) {
    // `eq null` is "absent"; every other operator with null is "present" (as the evaluator).
    const present = compilePresentResolved(ctx, r, scope);
    return f.op === 'eq' ? `(NOT ${present})` : present;
  }
  const target = comparisonTarget(r, f.op, f.value, shown);
  const def = target.sub ?? target.attribute;
  const lit = literalFor(def, f.value, ctx.dialect);
  // As the evaluator: a userName / displayName literal refused by PRECIS equals nothing.
  if ((f.op === 'eq' || f.op === 'ne') && typeof f.value === 'string' && !literalCanMatch(def, f.value)) {
    return f.op === 'eq' ? ctx.dialect.false : `(NOT ${ctx.dialect.false})`;
  }
  const positive = f.op === 'ne' ? { ...f, op: 'eq' as const } : f;
  let c: string;
  if (scope !== undefined) {
    charge(ctx, COST_ELEMENT);
    const e = target.sub === undefined ? undefined : scope.field(target.sub);
    c = e === undefined ? ctx.dialect.false : comparison(ctx.dialect, e, positive, lit, params);
  } else {
    const src = sourceOf(ctx, target);
    if (src.kind === 'absent') c = ctx.dialect.false;
    else if (src.kind === 'single') {
      charge(ctx, singleCost(src));
      c = def.type === 'dateTime' && INSTANT_COLUMNS.test(src.expr)
        ? instantComparison(ctx.dialect, src.expr, positive, String(lit), params)
        : comparison(ctx.dialect, src.expr, positive, lit, params);
    } else {
      const e = target.sub === undefined ? src.scope.self : src.scope.field(target.sub);
      const fast = f.op === 'eq' || f.op === 'ne' ? indexedEq(ctx, target, def, lit, params) : undefined;
      charge(ctx, fast !== undefined ? COST_COLUMN : elementsCost(src));
      c = fast ?? (e === undefined ? ctx.dialect.false : exists(src, comparison(ctx.dialect, e, positive, lit, params)));
    }
  }
  // RFC 7644 §3.4.2.2: `ne` is the negation of `eq` (true when the attribute is absent).
  return f.op === 'ne' ? `(NOT ${c})` : c;
}

/** `present(expr)`: non-null and not an empty string (RFC 7644 §3.4.2.2 "pr"). */
function presentValue(expr: string): string {
  return `(${expr} IS NOT NULL AND ${expr} <> '')`;
}

function compilePresentResolved(ctx: CompileContext, r: ResolvedAttribute, scope?: ElementScope): string {
  if (scope !== undefined) {
    charge(ctx, COST_ELEMENT);
    const e = r.sub === undefined ? undefined : scope.field(r.sub);
    return e === undefined ? ctx.dialect.false : presentValue(e);
  }
  const src = sourceOf(ctx, r);
  if (src.kind === 'absent') return ctx.dialect.false;
  if (src.kind === 'single') {
    charge(ctx, singleCost(src));
    return presentValue(src.expr);
  }
  charge(ctx, elementsCost(src));
  if (r.sub !== undefined) {
    const e = src.scope.field(r.sub);
    return e === undefined ? ctx.dialect.false : exists(src, presentValue(e));
  }
  if (src.def.type !== 'complex') return exists(src, presentValue(src.scope.self ?? 'NULL'));
  // A complex value is present when any of its sub-attributes is.
  const subs = (src.def.subAttributes ?? []).map((s) => src.scope.field(s)).filter((e): e is string => e !== undefined);
  if (subs.length === 0) return ctx.dialect.false;
  return exists(src, `(${subs.map(presentValue).join(' OR ')})`);
}

/**
 * Joins operands as a balanced tree: SQLite caps expression depth (1000 by
 * default) and a flat `a OR b OR …` chain is parsed left-deep.
 */
function balanced(parts: string[], op: 'AND' | 'OR'): string {
  if (parts.length === 1) return parts[0] as string;
  const mid = parts.length >> 1;
  return `(${balanced(parts.slice(0, mid), op)} ${op} ${balanced(parts.slice(mid), op)})`;
}

function compileNode(ctx: CompileContext, f: Filter, params: Params, scope?: ElementScope, outer?: ResolvedAttribute): string {
  switch (f.kind) {
    case 'and':
    case 'or': {
      const parts = chainOperands(f).map((p) => compileNode(ctx, p, params, scope, outer));
      return balanced(parts, f.kind === 'and' ? 'AND' : 'OR');
    }
    case 'not':
      return `(NOT ${compileNode(ctx, f.filter, params, scope, outer)})`;
    case 'present':
      return compilePresentResolved(ctx, resolveFilterPath(ctx.rs, f.path, outer), scope);
    case 'compare':
      return compileCompare(ctx, f, params, scope, outer);
    case 'valuePath': {
      if (scope !== undefined) throw invalidFilter('a value filter cannot be nested inside another');
      const r = resolveFilterPath(ctx.rs, f.path);
      if (r.attribute.type !== 'complex' || r.sub !== undefined) {
        throw invalidFilter(`'${formatAttrPath(f.path)}' is not a complex attribute and cannot take a value filter`);
      }
      const src = sourceOf(ctx, r);
      if (src.kind !== 'elements') {
        checkFilter(f, ctx.rs);
        return ctx.dialect.false;
      }
      charge(ctx, elementsCost(src));
      // RFC 7644 §3.4.2.2: valuePath matches when one value satisfies the whole inner filter.
      return exists(src, compileNode(ctx, f.filter, params, src.scope, r));
    }
  }
}

/** A compiled WHERE fragment and its parameters. */
export interface CompiledFilter {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/**
 * Compiles `filter` for resources of `ctx.type`, aliased `ctx.alias`. Throws
 * `invalidFilter` for unknown attributes, `password`, and operators the attribute
 * type does not support, and when the filter's cost passes `maxCost`
 * (docs/filters.md "Caps"; no bound when omitted). The SQL text depends on the
 * filter's shape only: literals are parameters and aliases are numbered per
 * compilation.
 */
export function compileFilter(filter: Filter, ctx: CompileContext, params: Params, maxCost?: number): string {
  return compileNode(maxCost === undefined ? ctx : { ...ctx, meter: new CostMeter(maxCost) }, filter, params);
}
