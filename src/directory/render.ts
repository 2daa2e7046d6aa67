/**
 * Stored resource → SCIM JSON (RFC 7643 §3): `schemas`, `id`, the stored body,
 * `members` (Group) or `groups` (User) when not empty, and `meta`. Projection is applied after.
 */
import type { LoadedResource } from '../store/store.ts';
import type { Member } from '../domain/resource.ts';
import type { ResourceSchema, ScimResource } from '../scim/schema/types.ts';

/** The weak entity tag of a version (RFC 7644 §3.14: `meta.version` equals the ETag). */
export const etagOf = (version: number): string => `W/"${version}"`;

/** Absolute location of a resource (RFC 7643 §3.1 `meta.location`). */
export const locationOf = (baseUrl: string, rs: ResourceSchema, id: string): string =>
  `${baseUrl}${rs.resourceType.endpoint}/${encodeURIComponent(id)}`;

/** Group member rows as RFC 7643 §4.2 `members` values (`$ref` absolute). */
export function renderMembers(members: readonly Member[], baseUrl: string): Record<string, unknown>[] {
  return members.map((m) => ({
    value: m.value,
    $ref: `${baseUrl}/${m.type === 'User' ? 'Users' : 'Groups'}/${encodeURIComponent(m.value)}`,
    type: m.type,
    ...(m.display !== undefined ? { display: m.display } : {}),
  }));
}

/**
 * The full representation of a loaded resource, before projection.
 * `schemas` lists the core schema and each extension whose block is present
 * (RFC 7643 §3: the URNs of the schemas the resource uses).
 */
export function renderResource(rs: ResourceSchema, r: LoadedResource, baseUrl: string): ScimResource {
  const schemas = [rs.core.id];
  for (const ext of rs.extensions) if (r.data[ext.id] !== undefined) schemas.push(ext.id);
  const out: ScimResource = { schemas, id: r.id };
  // for…in over a parsed JSON object (own, enumerable keys only): no entries array per resource.
  for (const k in r.data) {
    if (k === 'schemas' || k === 'id' || k === 'meta' || k === 'members' || k === 'groups') continue;
    out[k] = r.data[k];
  }
  // RFC 7643 §2.5: an empty multi-valued attribute is unassigned, so it is left out, never `[]`.
  if (r.members !== undefined && r.members.length > 0) out.members = renderMembers(r.members, baseUrl);
  if (r.groups !== undefined && r.groups.length > 0) {
    // RFC 7643 §4.1.2: `groups` is read-only, computed from Group memberships.
    out.groups = r.groups.map((g) => ({
      value: g.value,
      $ref: `${baseUrl}/Groups/${encodeURIComponent(g.value)}`,
      ...(g.display !== undefined ? { display: g.display } : {}),
      type: g.type,
    }));
  }
  out.meta = {
    resourceType: rs.resourceType.name,
    created: r.created,
    lastModified: r.lastModified,
    location: locationOf(baseUrl, rs, r.id),
    version: etagOf(r.version),
  };
  return out;
}
