/**
 * Where an attribute of a rendered resource lives in the database: a column, the
 * JSON search document, or the members table. The filter compiler and the sort
 * compiler both start here.
 */
import type { AttributeDefinition, ResolvedAttribute, ResourceSchema } from '../../scim/schema/types.ts';
import type { ResourceKind } from '../../domain/resource.ts';
import type { SqlDialect } from './dialect.ts';
import type { CostMeter } from './filter-cost.ts';

/**
 * Aliases of correlated subqueries, numbered per compilation: the same filter (and
 * sort) always compiles to the same SQL text, so its prepared statement is reused
 * (docs/storage.md "Prepared statements"). A process-wide counter made every
 * request's SQL new.
 */
export class AliasNames {
  #n = 0;

  /** The next alias with this prefix (unique within one compiled statement). */
  next(prefix: string): string {
    this.#n += 1;
    return `${prefix}${this.#n}`;
  }
}

export interface CompileContext {
  readonly rs: ResourceSchema;
  readonly type: ResourceKind;
  /** The tenant being queried (bound as a parameter by index-driven subqueries). */
  readonly tenantId: string;
  readonly dialect: SqlDialect;
  /** Alias of the resources table in the outer query. */
  readonly alias: string;
  /**
   * Base URL of the tenant's SCIM endpoint (no trailing slash), to evaluate
   * `meta.location` and `$ref`; when absent those compare as missing.
   */
  readonly locationBase?: string;
  /** Alias numbering shared by the filter and the sort of one statement. */
  readonly names: AliasNames;
  /** Charged by the filter compiler for each term it emits (docs/filters.md "Caps"). */
  readonly meter?: CostMeter;
}

/** An element of a multi-valued (or complex) attribute: SQL for each of its fields. */
export interface ElementScope {
  /** SQL value of a sub-attribute, or undefined when it can never be present. */
  field(sub: AttributeDefinition): string | undefined;
  /** SQL value of the element itself (simple multi-valued attributes). */
  readonly self?: string;
}

export type Source =
  /** A single value: `expr` (NULL when absent). */
  | {
      readonly kind: 'single';
      readonly expr: string;
      readonly def: AttributeDefinition;
      /** Read from the JSON search document (costlier than a column, docs/filters.md "Caps"). */
      readonly json?: true;
    }
  /** Elements: `from` (with `where`) yields rows; `scope` reads each row. */
  | {
      readonly kind: 'elements';
      readonly from: string;
      readonly where: string;
      readonly scope: ElementScope;
      readonly def: AttributeDefinition;
      readonly multi: boolean;
      /** SQL ordering the elements as the rendered resource lists them. */
      readonly order: string;
    }
  /** Never present in a stored resource (e.g. meta.location without a base). */
  | { readonly kind: 'absent'; readonly def: AttributeDefinition };

const q = (s: string): string => `'${s.replaceAll("'", "''")}'`;

function metaSource(ctx: CompileContext, r: ResolvedAttribute): Source {
  const a = ctx.alias;
  const fieldOf = (sub: AttributeDefinition): string | undefined => {
    switch (sub.name) {
      case 'created': return `${a}.created`;
      case 'lastModified': return `${a}.last_modified`;
      case 'resourceType': return `${a}.type`;
      case 'version': return `('W/"' || ${a}.version || '"')`;
      case 'location':
        return ctx.locationBase === undefined ? undefined : `(${q(`${ctx.locationBase}${ctx.rs.resourceType.endpoint}/`)} || ${a}.id)`;
      default: return undefined;
    }
  };
  if (r.sub !== undefined) {
    const expr = fieldOf(r.sub);
    return expr === undefined ? { kind: 'absent', def: r.sub } : { kind: 'single', expr, def: r.sub };
  }
  return { kind: 'elements', from: '(SELECT 1)', where: ctx.dialect.true, scope: { field: fieldOf }, def: r.attribute, multi: false, order: '1' };
}

/**
 * Group.members (RFC 7643 §4.2) and User.groups (§4.1.2), read from the members table.
 * Member and group ids are server-issued lowercase UUIDs, which foldCase leaves
 * unchanged, so `value` needs no folding (and stays indexable).
 */
function membershipSource(ctx: CompileContext, r: ResolvedAttribute, groupSide: boolean): Source {
  const a = ctx.alias;
  const fold = (sub: AttributeDefinition, expr: string): string => (sub.caseExact ? expr : ctx.dialect.fold(expr));
  const m = ctx.names.next('m');
  const base = ctx.locationBase;
  if (groupSide) {
    const fieldOf = (sub: AttributeDefinition): string | undefined => {
      switch (sub.name) {
        case 'value': return `${m}.member_id`;
        case 'display': return sub.caseExact ? `${m}.display` : ctx.dialect.memberDisplayFold(m);
        case 'type': return fold(sub, `${m}.member_type`);
        case '$ref':
          return base === undefined ? undefined : fold(sub, `(${q(`${base}/`)} || CASE ${m}.member_type WHEN 'User' THEN 'Users/' ELSE 'Groups/' END || ${m}.member_id)`);
        default: return undefined;
      }
    };
    return { kind: 'elements', from: `members ${m}`, where: `${m}.tenant_id = ${a}.tenant_id AND ${m}.group_id = ${a}.id`, scope: { field: fieldOf }, def: r.attribute, multi: true, order: `${m}.member_id` };
  }
  const g = ctx.names.next('g');
  const fieldOf = (sub: AttributeDefinition): string | undefined => {
    switch (sub.name) {
      case 'value': return `${m}.group_id`;
      // name_fold is foldCase(displayName) of the group.
      case 'display': return sub.caseExact ? ctx.dialect.jsonScalar(`${g}.data`, ['displayName']) : `${g}.name_fold`;
      case 'type': return `'direct'`;
      case '$ref': return base === undefined ? undefined : fold(sub, `(${q(`${base}/Groups/`)} || ${m}.group_id)`);
      default: return undefined;
    }
  };
  return {
    kind: 'elements',
    from: `members ${m} JOIN resources ${g} ON ${g}.tenant_id = ${m}.tenant_id AND ${g}.id = ${m}.group_id`,
    where: `${m}.tenant_id = ${a}.tenant_id AND ${m}.member_id = ${a}.id`,
    scope: { field: fieldOf },
    def: r.attribute,
    multi: true,
    order: `${m}.group_id`,
  };
}

/**
 * Where `r` lives. Every value read through a source is in search form: folded with
 * foldCase when the attribute is caseExact=false, dateTimes as canonical instants.
 */
export function sourceOf(ctx: CompileContext, r: ResolvedAttribute): Source {
  const a = ctx.alias;
  const name = r.attribute.name;
  const d = ctx.dialect;
  if (!r.extension && r.schemaUrn === ctx.rs.core.id && !ctx.rs.core.attributes.includes(r.attribute)) {
    // RFC 7643 §3.1 common attributes are columns.
    if (name === 'id') return { kind: 'single', expr: `${a}.id`, def: r.attribute };
    if (name === 'externalId') return { kind: 'single', expr: `${a}.external_id`, def: r.attribute };
    if (name === 'meta') return metaSource(ctx, r);
  }
  if (!r.extension && ctx.type === 'Group' && name === 'members') return membershipSource(ctx, r, true);
  if (!r.extension && ctx.type === 'User' && name === 'groups') return membershipSource(ctx, r, false);
  const unique = ctx.type === 'User' ? 'userName' : 'displayName';
  if (!r.extension && name === unique && r.sub === undefined && !r.attribute.caseExact && r.attribute.type === 'string') {
    // name_fold = foldCase(value) = the search document's value, and it is indexed.
    return { kind: 'single', expr: `${a}.name_fold`, def: r.attribute };
  }
  const base = r.extension ? [r.schemaUrn, name] : [name];
  const doc = `${a}.search`;
  if (r.attribute.multiValued) {
    const e = ctx.names.next('e');
    const complex = r.attribute.type === 'complex';
    return {
      kind: 'elements',
      from: d.jsonElements(doc, base, e),
      where: d.true,
      scope: complex ? { field: (sub) => d.elementField(e, sub.name) } : { field: () => undefined, self: d.elementScalar(e) },
      def: r.attribute,
      multi: true,
      order: d.elementIndex(e),
    };
  }
  if (r.attribute.type === 'complex') {
    if (r.sub !== undefined) return { kind: 'single', expr: d.jsonScalar(doc, [...base, r.sub.name]), def: r.sub, json: true };
    return { kind: 'elements', from: '(SELECT 1)', where: `${d.jsonType(doc, base)} = 'object'`, scope: { field: (sub) => d.jsonScalar(doc, [...base, sub.name]) }, def: r.attribute, multi: false, order: '1' };
  }
  return { kind: 'single', expr: d.jsonScalar(doc, base), def: r.attribute, json: true };
}
