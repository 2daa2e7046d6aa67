/**
 * Checks that every attribute a filter names exists in the resource type
 * (RELIABILITY IN-3: an unsupported filter is rejected, never answered with an
 * unfiltered list) and refuses filters on `returned: never` attributes such as
 * `password` (RFC 7643 §4.1.1 lets `eq` on it be offered; Roster does not store
 * passwords, and such a filter would only be a guessing oracle).
 */
import { invalidFilter } from '../scim/errors.ts';
import type { AttrPath, Filter } from '../scim/filter/ast.ts';
import type { ResourceSchema } from '../scim/schema/types.ts';

const text = (p: AttrPath): string => `${p.uri !== undefined ? `${p.uri}:` : ''}${p.name}${p.sub !== undefined ? `.${p.sub}` : ''}`;

function check(rs: ResourceSchema, p: AttrPath): void {
  const r = rs.resolve(p);
  if (r === undefined) throw invalidFilter(`Unknown attribute "${text(p)}" for ${rs.resourceType.name} resources`);
  if (r.attribute.returned === 'never' || r.sub?.returned === 'never') {
    throw invalidFilter(`Filtering on "${text(p)}" is not supported`);
  }
}

/** Throws `invalidFilter` when the filter names an attribute the resource type does not have. */
export function checkFilterAttributes(rs: ResourceSchema, f: Filter, outer?: AttrPath): void {
  switch (f.kind) {
    case 'compare':
    case 'present':
      check(rs, outer === undefined ? f.path : { ...(outer.uri !== undefined ? { uri: outer.uri } : {}), name: outer.name, sub: f.path.name });
      return;
    case 'and':
    case 'or':
      checkFilterAttributes(rs, f.left, outer);
      checkFilterAttributes(rs, f.right, outer);
      return;
    case 'not':
      checkFilterAttributes(rs, f.filter, outer);
      return;
    case 'valuePath':
      check(rs, { ...(f.path.uri !== undefined ? { uri: f.path.uri } : {}), name: f.path.name });
      checkFilterAttributes(rs, f.filter, f.path);
      return;
  }
}
