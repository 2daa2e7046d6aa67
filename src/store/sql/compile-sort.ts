/**
 * `sortBy` (RFC 7644 §3.4.2.3) as a SQL key expression that orders exactly like
 * `sortValue` + `compareSortValues` (src/scim/schema/sort.ts): multi-valued →
 * primary else first element; caseExact=false strings folded; dateTimes by
 * instant; missing → NULL, which the query orders last ascending, first descending.
 */
import type { AttrPath } from '../../scim/filter/ast.ts';
import type { SortValue } from '../../scim/schema/sort.ts';
import type { AttributeDefinition } from '../../scim/schema/types.ts';
import { sourceOf } from './attribute-source.ts';
import type { CompileContext } from './attribute-source.ts';
import type { SqlDialect } from './dialect.ts';

export interface CompiledSort {
  /** SQL of the key, or undefined when every row's key is null (unknown attribute). */
  readonly expr: string | undefined;
  /** SQL value → the value `sortValue` gives (for cursors). */
  decode(v: unknown): SortValue;
  /** A cursor's sort value → the SQL value to compare with `expr`. */
  encode(v: SortValue): unknown;
}

const NONE: CompiledSort = { expr: undefined, decode: () => null, encode: () => null };

function codec(d: SqlDialect, def: AttributeDefinition, expr: string, msColumn: boolean): CompiledSort {
  if (def.type === 'boolean') {
    // SQLite yields 1 / 0, PostgreSQL 'true' / 'false' (dialect.booleanValue).
    return { expr, decode: (v) => (v === null || v === undefined ? null : v === d.booleanValue(true)), encode: (v) => (typeof v === 'boolean' ? d.booleanValue(v) : v) };
  }
  if (def.type === 'dateTime') {
    // Stored as ISO text (columns: milliseconds; search document: nanosecond key); sortValue gives epoch ms.
    return {
      expr,
      decode: (v) => (typeof v === 'string' ? Date.parse(msColumn ? v : `${v.slice(0, 23)}Z`) : null),
      encode: (v) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) return v;
        const iso = new Date(v).toISOString();
        return msColumn ? iso : `${iso.slice(0, 23)}000000Z`;
      },
    };
  }
  return { expr, decode: (v) => (v === undefined ? null : (v as SortValue)), encode: (v) => v };
}

/** Compiles the sort key of `path` for resources aliased `ctx.alias`. */
export function compileSort(ctx: CompileContext, path: AttrPath): CompiledSort {
  const r = ctx.rs.resolve(path);
  if (r === undefined) return NONE;
  const src = sourceOf(ctx, r);
  if (src.kind === 'absent') return NONE;
  if (src.kind === 'single') {
    if (src.def.type === 'complex') return NONE;
    return codec(ctx.dialect, src.def, src.expr, /\.(created|last_modified)$/.test(src.expr));
  }
  const def = r.sub ?? (r.attribute.type === 'complex' ? (r.attribute.multiValued ? r.attribute.subAttributes?.find((s) => s.name === 'value') : undefined) : r.attribute);
  if (def === undefined || !src.multi) return NONE;
  const value = def === r.attribute ? src.scope.self : src.scope.field(def);
  if (value === undefined) return NONE;
  const primary = r.attribute.type === 'complex' ? src.scope.field(r.attribute.subAttributes?.find((s) => s.name === 'primary') ?? def) : undefined;
  const hasPrimary = r.attribute.subAttributes?.some((s) => s.name === 'primary') === true;
  // RFC 7644 §3.4.2.3: a multi-valued attribute sorts by its primary value, else its first.
  const order = [
    ...(hasPrimary && primary !== undefined ? [`CASE WHEN ${ctx.dialect.isTrue(primary)} THEN 0 ELSE 1 END`] : []),
    src.order,
  ].join(', ');
  return codec(ctx.dialect, def, `(SELECT ${value} FROM ${src.from} WHERE ${src.where} ORDER BY ${order} LIMIT 1)`, false);
}
