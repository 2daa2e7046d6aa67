/**
 * What a filter path names, and whether an operator and value make sense for it.
 * The reference evaluator and the SQL filter compilers call these same checks, so
 * they refuse exactly the same filters (docs/reliability.md IN-3: unsupported = rejected).
 */
import { invalidFilter } from '../errors.ts';
import { subAttributeOf } from '../schema/lookup.ts';
import type { AttributeDefinition, ResolvedAttribute, ResourceSchema } from '../schema/types.ts';
import type { AttrPath, CompareOp, CompValue } from './ast.ts';
import { dateTimeKey } from './datetime.ts';
import { formatAttrPath } from './format.ts';

/**
 * `schemas` is defined by no schema (RFC 7643 §3), yet RFC 7644 §3.4.2.2 filters on
 * it (`schemas eq "urn:…:enterprise:2.0:User"`). Schema URIs compare case-insensitively.
 */
export const SCHEMAS_ATTRIBUTE: AttributeDefinition = Object.freeze({
  name: 'schemas',
  type: 'reference',
  multiValued: true,
  description: 'The schema URIs of the resource.',
  required: true,
  caseExact: false,
  mutability: 'readOnly',
  returned: 'always',
  uniqueness: 'none',
  referenceTypes: Object.freeze(['uri']),
});

/**
 * Resolves a filter path. With `outer`, `path.name` names a sub-attribute of the
 * value path's attribute (`emails[type eq "work"]`).
 * @throws `invalidFilter` for an unknown attribute or one that is `returned: never`
 *   (e.g. `password`: filtering on it would be a guessing oracle, docs/reliability.md IN-3).
 */
export function resolveFilterPath(rs: ResourceSchema, path: AttrPath, outer?: ResolvedAttribute): ResolvedAttribute {
  let r: ResolvedAttribute | undefined;
  if (outer !== undefined) {
    const sub = path.uri === undefined && path.sub === undefined ? subAttributeOf(outer.attribute, path.name) : undefined;
    if (sub !== undefined) r = { schemaUrn: outer.schemaUrn, extension: outer.extension, attribute: outer.attribute, sub };
  } else {
    r = rs.resolve(path);
    if (r === undefined && path.uri === undefined && path.sub === undefined && path.name.toLowerCase() === 'schemas') {
      r = { schemaUrn: rs.core.id, extension: false, attribute: SCHEMAS_ATTRIBUTE };
    }
  }
  const shown = outer === undefined ? formatAttrPath(path) : `${outer.attribute.name}.${formatAttrPath(path)}`;
  if (r === undefined) throw invalidFilter(`unknown attribute '${shown}'`);
  if (r.attribute.returned === 'never' || r.sub?.returned === 'never') {
    throw invalidFilter(`attribute '${shown}' cannot be used in a filter`);
  }
  return r;
}

const ORDERING: ReadonlySet<CompareOp> = new Set(['gt', 'ge', 'lt', 'le']);
const SUBSTRING: ReadonlySet<CompareOp> = new Set(['co', 'sw', 'ew']);

/**
 * The attribute a comparison reads and the definition that governs it, after checking
 * that `op` and `value` suit its type. A multi-valued complex attribute without a
 * sub-attribute compares its `value` sub-attribute (RFC 7644 §3.4.2.2). `eq null` /
 * `ne null` are presence tests and suit every attribute.
 * @throws `invalidFilter` when the operator or the literal's type does not fit.
 */
export function comparisonTarget(r: ResolvedAttribute, op: CompareOp, value: CompValue, shown: string): ResolvedAttribute {
  let target = r;
  if (r.sub === undefined && r.attribute.type === 'complex' && value !== null) {
    const valueSub = r.attribute.multiValued ? subAttributeOf(r.attribute, 'value') : undefined;
    if (valueSub === undefined) {
      throw invalidFilter(`complex attribute '${shown}' cannot be compared; name a sub-attribute`);
    }
    target = { ...r, sub: valueSub };
  }
  if (value === null) return target;
  const def = target.sub ?? target.attribute;
  const bad = (why: string): never => {
    throw invalidFilter(`'${shown} ${op}': ${why}`);
  };
  switch (def.type) {
    case 'boolean':
      // RFC 7644 §3.4.2.2: gt/ge/lt/le on a Boolean attribute → invalidFilter.
      if (op !== 'eq' && op !== 'ne') bad('a boolean attribute supports only eq, ne and pr');
      if (typeof value !== 'boolean') bad('a boolean attribute needs true or false');
      break;
    case 'integer':
    case 'decimal':
      if (SUBSTRING.has(op)) bad('a number attribute does not support co, sw or ew');
      if (typeof value !== 'number') bad('a number attribute needs a number value');
      break;
    case 'dateTime':
      if (SUBSTRING.has(op)) bad('a dateTime attribute does not support co, sw or ew');
      if (typeof value !== 'string' || dateTimeKey(value) === undefined) bad('needs a dateTime such as "2011-05-13T04:42:34Z"');
      break;
    case 'binary':
      // RFC 7644 §3.4.2.2: gt/ge/lt/le on a Binary attribute → invalidFilter.
      if (ORDERING.has(op)) bad('a binary attribute cannot be ordered');
      if (typeof value !== 'string') bad('needs a string value');
      break;
    case 'string':
    case 'reference':
      if (typeof value !== 'string') bad('needs a string value');
      break;
    default:
      bad('this attribute cannot be compared');
  }
  return target;
}
