/**
 * What a PATCH path names (RFC 7644 §3.5.2): the attribute, an optional value
 * filter and an optional sub-attribute, checked against the schema.
 */
import { invalidPath, invalidValue, mutability } from '../errors.ts';
import type { Filter, PatchPath } from '../filter/ast.ts';
import { subAttributeOf } from '../schema/lookup.ts';
import { GROUP_SCHEMA } from '../schema/types.ts';
import type { AttributeDefinition, ResourceSchema } from '../schema/types.ts';

/** A resolved PATCH target. */
export interface Target {
  /** The path as shown in error details. */
  readonly text: string;
  readonly schemaUrn: string;
  /** True when the attribute lives in the extension block `resource[schemaUrn]`. */
  readonly extension: boolean;
  readonly attr: AttributeDefinition;
  /** `name.givenName` (no filter) or `emails[…].value` (after a filter). */
  readonly sub?: AttributeDefinition;
  /** The value filter of `emails[type eq "work"]`; its paths name sub-attributes of `attr`. */
  readonly filter?: Filter;
  /** Group `members`: handled as a membership delta, never stored in the body. */
  readonly members: boolean;
}

const shown = (p: PatchPath, text: string | undefined): string => {
  if (text !== undefined) return text.length > 200 ? `${text.slice(0, 200)}…` : text;
  const a = p.attr;
  return `${a.uri !== undefined ? `${a.uri}:` : ''}${a.name}${a.sub !== undefined ? `.${a.sub}` : ''}`;
};

/** Every attribute path inside a value filter must name a sub-attribute of `attr`. */
function checkFilterPaths(f: Filter, attr: AttributeDefinition, text: string): void {
  switch (f.kind) {
    case 'and':
    case 'or':
      checkFilterPaths(f.left, attr, text);
      checkFilterPaths(f.right, attr, text);
      return;
    case 'not':
      checkFilterPaths(f.filter, attr, text);
      return;
    case 'valuePath':
      throw invalidPath(`"${text}": a value filter cannot contain another value filter`);
    case 'compare':
    case 'present': {
      const p = f.path;
      const ok =
        p.uri === undefined &&
        p.sub === undefined &&
        (attr.type === 'complex' ? subAttributeOf(attr, p.name) !== undefined : p.name.toLowerCase() === 'value');
      if (!ok) throw invalidPath(`"${text}": "${p.name}" is not a sub-attribute of "${attr.name}"`);
    }
  }
}

/**
 * Resolves a parsed path. A path naming an attribute or sub-attribute the resource
 * type does not have is 400 `invalidValue`: the same answer as the same unknown name
 * in a POST/PUT body or a path-less value (RFC 7644 §3.12 Table 9: "not compatible
 * with the ... resource schema", the one scimType applicable to POST, PUT and PATCH;
 * docs/schema.md). A filter on a single-valued attribute, and filter paths that are
 * not sub-attributes, are 400 `invalidPath` (RFC 7644 §3.5.2: "the path attribute
 * was invalid or malformed").
 * With `explicit` (a `path` the client sent), naming a readOnly attribute or
 * sub-attribute is 400 `mutability` (RFC 7644 §3.5.2: a client MUST NOT modify a
 * readOnly attribute). Names are looked up in maps, so `__proto__`,
 * `constructor` and `prototype` simply do not resolve.
 */
export function resolveTarget(rs: ResourceSchema, path: PatchPath, text?: string, explicit = true): Target {
  const t = shown(path, text);
  const r = rs.resolve(path.attr);
  if (r === undefined) throw invalidValue(`"${t}" does not name an attribute of ${rs.resourceType.name}`);
  let sub = r.sub;
  const filter = path.valueFilter;
  if (filter !== undefined) {
    if (sub !== undefined || !r.attribute.multiValued) {
      throw invalidPath(`"${t}": a value filter needs a multi-valued attribute`);
    }
    checkFilterPaths(filter, r.attribute, t);
  }
  if (path.subAttr !== undefined) {
    sub = filter === undefined ? undefined : subAttributeOf(r.attribute, path.subAttr);
    if (sub === undefined) throw invalidValue(`"${t}": "${path.subAttr}" is not a sub-attribute of "${r.attribute.name}"`);
  }
  if (explicit && (r.attribute.mutability === 'readOnly' || sub?.mutability === 'readOnly')) {
    throw mutability(`"${t}" is readOnly and cannot be modified`);
  }
  return {
    text: t,
    schemaUrn: r.schemaUrn,
    extension: r.extension,
    attr: r.attribute,
    ...(sub !== undefined ? { sub } : {}),
    ...(filter !== undefined ? { filter } : {}),
    members: !r.extension && rs.core.id === GROUP_SCHEMA && r.attribute.name === 'members',
  };
}

/** True when a target names something read-only (path-less values skip such keys). */
export const isReadOnly = (t: Target): boolean => t.attr.mutability === 'readOnly' || t.sub?.mutability === 'readOnly';
