/**
 * The reference evaluator of RFC 7644 §3.4.2.2 filters: the definition of truth the
 * SQL stores are property-tested against. See docs/filters.md for each choice.
 *
 * - caseExact=false attributes compare `foldCase` keys (eq ne co sw ew gt ge lt le).
 * - `eq` with a userName / Group displayName literal that PRECIS preparation refuses
 *   (../schema/precis.ts) is false for every resource; `ne` is then true.
 * - Strings order by code point (`compareCodePoints`), numbers numerically, dateTime
 *   by instant (`dateTimeKey`).
 * - Multi-valued: a comparison holds when ANY value satisfies it; `ne` is NOT(`eq`),
 *   so it holds when no value equals the literal, including when there is none.
 * - `pr`: some value is non-null and non-empty ("", [], {} are not present).
 * - `eq null` ≡ not present; `ne null` ≡ present.
 * - The whole filter is checked against the schema before anything is evaluated, so
 *   an unknown attribute fails on every resource, not only on those that reach it.
 */
import { foldCase } from '../schema/fold.ts';
import { literalCanMatch } from '../schema/precis.ts';
import { readAttribute } from '../schema/access.ts';
import { isJsonObject, ownValue } from '../schema/json.ts';
import type { ResolvedAttribute, ResourceSchema, ScimResource } from '../schema/types.ts';
import { invalidFilter } from '../errors.ts';
import type { CompareFilter, Filter } from './ast.ts';
import { compareCodePoints } from './compare.ts';
import { dateTimeKey } from './datetime.ts';
import { formatAttrPath } from './format.ts';
import { comparisonTarget, resolveFilterPath } from './target.ts';
import { chainOperands } from './chain.ts';

export { compareCodePoints } from './compare.ts';

type Target = Record<string, unknown>;
/** A compiled filter: true when the resource (or, inside `[...]`, the element) matches. */
export type FilterPredicate = (resource: ScimResource) => boolean;

const isEmptyScalar = (v: unknown): boolean =>
  v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) || (isJsonObject(v) && Object.keys(v).length === 0);

const hasContent = (o: Record<string, unknown>): boolean => Object.values(o).some((v) => !isEmptyScalar(v));

/** RFC 7644 §3.4.2.2 `pr`: a non-empty value (a complex value needs a non-empty sub-value). */
export function isPresentValue(v: unknown): boolean {
  if (Array.isArray(v)) return v.some((el) => (isJsonObject(el) ? hasContent(el) : !isEmptyScalar(el)));
  if (isJsonObject(v)) return hasContent(v);
  return !isEmptyScalar(v);
}

/** Reads the attribute from the resource, or the sub-attribute from one element. */
function reader(r: ResolvedAttribute, inElement: boolean): (t: Target) => unknown {
  if (!inElement) return (t) => readAttribute(t, r);
  const name = (r.sub ?? r.attribute).name;
  return (t) => ownValue(t, name);
}

/** One stored value against the literal; false for a stored value of the wrong type. */
function valueTest(f: CompareFilter, r: ResolvedAttribute): (v: unknown) => boolean {
  const def = r.sub ?? r.attribute;
  const order = (c: number): boolean => {
    switch (f.op) {
      case 'gt': return c > 0;
      case 'ge': return c >= 0;
      case 'lt': return c < 0;
      case 'le': return c <= 0;
      default: return c === 0; // eq, ne (ne is negated by the caller)
    }
  };
  const lit = f.value;
  if (typeof lit === 'boolean') return (v) => v === lit;
  if (typeof lit === 'number') return (v) => typeof v === 'number' && order(v < lit ? -1 : v > lit ? 1 : 0);
  const text = lit as string;
  if (def.type === 'dateTime') {
    const key = dateTimeKey(text) as string;
    return (v) => {
      const k = typeof v === 'string' ? dateTimeKey(v) : undefined;
      return k !== undefined && order(k < key ? -1 : k > key ? 1 : 0);
    };
  }
  // RFC 7643 §2.2 caseExact, read from the schema record only (the SQL stores do the same);
  // RFC 7644 §3.4.2.2 co/sw/ew are substring tests.
  // docs/filters.md: a refused identifier literal equals no (accepted) value.
  if ((f.op === 'eq' || f.op === 'ne') && !literalCanMatch(def, text)) return () => false;
  const fold = def.caseExact ? (s: string): string => s : foldCase;
  const needle = fold(text);
  switch (f.op) {
    case 'co': return (v) => typeof v === 'string' && fold(v).includes(needle);
    case 'sw': return (v) => typeof v === 'string' && fold(v).startsWith(needle);
    case 'ew': return (v) => typeof v === 'string' && fold(v).endsWith(needle);
    case 'eq':
    case 'ne': return (v) => typeof v === 'string' && fold(v) === needle;
    default: return (v) => typeof v === 'string' && order(compareCodePoints(fold(v), needle));
  }
}

function compileCompare(f: CompareFilter, rs: ResourceSchema, outer: ResolvedAttribute | undefined): (t: Target) => boolean {
  const shown = formatAttrPath(f.path);
  const r = comparisonTarget(resolveFilterPath(rs, f.path, outer), f.op, f.value, shown);
  const read = reader(r, outer !== undefined);
  if (f.value === null) {
    // `eq null`: no value; `ne null`: some value (RFC 7644 gives null no meaning here).
    return f.op === 'eq' ? (t) => !isPresentValue(read(t)) : (t) => isPresentValue(read(t));
  }
  const test = valueTest(f, r);
  const any = (t: Target): boolean => {
    const v = read(t);
    return Array.isArray(v) ? v.some(test) : v !== undefined && v !== null && test(v);
  };
  return f.op === 'ne' ? (t) => !any(t) : any;
}

function compile(f: Filter, rs: ResourceSchema, outer: ResolvedAttribute | undefined): (t: Target) => boolean {
  switch (f.kind) {
    case 'present': {
      const read = reader(resolveFilterPath(rs, f.path, outer), outer !== undefined);
      return (t) => isPresentValue(read(t));
    }
    case 'compare':
      return compileCompare(f, rs, outer);
    case 'not': {
      const inner = compile(f.filter, rs, outer);
      return (t) => !inner(t);
    }
    case 'and': {
      const parts = chainOperands(f).map((p) => compile(p, rs, outer));
      return (t) => parts.every((p) => p(t));
    }
    case 'or': {
      const parts = chainOperands(f).map((p) => compile(p, rs, outer));
      return (t) => parts.some((p) => p(t));
    }
    case 'valuePath': {
      // RFC 7644 §3.4.2.2: true when at least one value of the attribute satisfies the inner filter.
      if (outer !== undefined) throw invalidFilter('value filters cannot be nested');
      const r = resolveFilterPath(rs, f.path, undefined);
      if (r.sub !== undefined || r.attribute.type !== 'complex') {
        throw invalidFilter(`'${formatAttrPath(f.path)}[...]' needs a complex attribute`);
      }
      const inner = compile(f.filter, rs, r);
      return (t) => {
        const v = readAttribute(t, r);
        if (Array.isArray(v)) return v.some((el) => isJsonObject(el) && inner(el));
        return isJsonObject(v) && inner(v);
      };
    }
  }
}

/**
 * Checks the filter against the schema once and returns a predicate for resources
 * of that type (use it to evaluate one filter over many resources).
 * @throws `invalidFilter` for an unknown or `returned: never` attribute, or an
 *   operator/value that does not suit the attribute's type.
 */
export function compileFilterPredicate(f: Filter, rs: ResourceSchema): FilterPredicate {
  return compile(f, rs, undefined);
}

/** Throws exactly when `evaluateFilter` would for this resource type; evaluates nothing. */
export function checkFilter(f: Filter, rs: ResourceSchema): void {
  compile(f, rs, undefined);
}

/**
 * Evaluates a filter against one fully rendered resource (id, meta, members and
 * groups included). Reference semantics; see the module comment.
 */
export function evaluateFilter(f: Filter, resource: ScimResource, rs: ResourceSchema): boolean {
  return compile(f, rs, undefined)(resource);
}
