/**
 * Value filters of PATCH paths (`emails[type eq "work"]`, RFC 7644 §3.5.2), evaluated
 * with the reference filter evaluator so PATCH, GET and the SQL stores agree on
 * every comparison rule (case, types, dates).
 */
import { invalidPath, isScimError } from '../errors.ts';
import type { Filter } from '../filter/ast.ts';
import { compileFilterPredicate } from '../filter/evaluate.ts';
import { subAttributeOf } from '../schema/lookup.ts';
import type { ResourceSchema } from '../schema/types.ts';
import type { Target } from './target.ts';
import { setOwn } from './values.ts';
import type { JsonObject } from './values.ts';

/**
 * Indexes of the elements that `t.filter` selects. The filter is compiled once as
 * `attr[filter]` and each element is tested alone, in a resource holding just it. A comparison the
 * evaluator refuses (e.g. `primary gt "x"`) is 400 `invalidPath`: the filter is
 * part of the path (RFC 7644 §3.5.2).
 */
export function matchingIndexes(rs: ResourceSchema, t: Target, elements: readonly unknown[]): number[] {
  const filter = t.filter;
  if (filter === undefined) return elements.map((_, i) => i);
  const vp: Filter = {
    kind: 'valuePath',
    path: t.extension ? { uri: t.schemaUrn, name: t.attr.name } : { name: t.attr.name },
    filter,
  };
  let test: (r: JsonObject) => boolean;
  try {
    test = compileFilterPredicate(vp, rs);
  } catch (e) {
    if (isScimError(e) && e.scimType === 'invalidFilter') throw invalidPath(`"${t.text}": ${e.detail}`);
    throw e;
  }
  const out: number[] = [];
  for (let i = 0; i < elements.length; i++) {
    const holder: JsonObject = {};
    setOwn(holder, t.attr.name, [elements[i]]);
    let resource = holder;
    if (t.extension) {
      resource = {};
      setOwn(resource, t.schemaUrn, holder);
    }
    if (test(resource)) out.push(i);
  }
  return out;
}

/**
 * The element a filter describes, when it is `a eq v [and b eq w …]` on
 * sub-attributes (canonical names): what an upsert creates. Undefined otherwise.
 */
export function eqConditions(t: Target): JsonObject | undefined {
  const out: JsonObject = {};
  const walk = (f: Filter): boolean => {
    if (f.kind === 'and') return walk(f.left) && walk(f.right);
    if (f.kind !== 'compare' || f.op !== 'eq' || f.value === null || f.path.uri !== undefined || f.path.sub !== undefined) {
      return false;
    }
    const sub = subAttributeOf(t.attr, f.path.name);
    if (sub === undefined || Object.hasOwn(out, sub.name)) return false;
    setOwn(out, sub.name, f.value);
    return true;
  };
  return t.filter !== undefined && walk(t.filter) ? out : undefined;
}

/**
 * The ids of `members[value eq "a" or value eq "b"]`: a filter that is only `value
 * eq "<string>"` terms joined by `or`. Undefined for any other shape (the caller
 * then needs the current member list).
 */
export function valueEqIds(filter: Filter): string[] | undefined {
  const ids: string[] = [];
  const walk = (f: Filter): boolean => {
    if (f.kind === 'or') return walk(f.left) && walk(f.right);
    if (
      f.kind === 'compare' &&
      f.op === 'eq' &&
      typeof f.value === 'string' &&
      f.path.uri === undefined &&
      f.path.sub === undefined &&
      f.path.name.toLowerCase() === 'value'
    ) {
      ids.push(f.value);
      return true;
    }
    return false;
  };
  return walk(filter) ? ids : undefined;
}
