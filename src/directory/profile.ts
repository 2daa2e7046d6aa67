/**
 * The platform's user profile, derived from a SCIM User by ONE mapping table
 * (seed 002 "Attribute Mappings"). Values are taken exactly as the identity
 * provider sent them (no trimming, no phone reformatting); the table is data, so
 * the admin console, the docs and the host application read the same mapping.
 */
import type { Filter, PatchPath } from '../scim/filter/ast.ts';
import { evaluateFilter } from '../scim/filter/evaluate.ts';
import { parsePath } from '../scim/path/parse.ts';
import { readAttribute } from '../scim/schema/access.ts';
import type { ResourceSchema, ScimResource } from '../scim/schema/types.ts';

/** One row of the mapping: platform field ← SCIM attribute path. */
export interface ProfileMapping {
  readonly field: keyof PlatformProfile;
  /** The label the platform's UI shows. */
  readonly label: string;
  /** The SCIM attribute path (RFC 7644 §3.5.2 PATCH path syntax). */
  readonly scimPath: string;
}

export interface PlatformProfile {
  readonly username?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly email?: string;
  readonly mobileNumber?: string;
  readonly workNumber?: string;
  readonly position?: string;
  readonly streetAddress?: string;
  readonly city?: string;
  readonly state?: string;
  readonly postalCode?: string;
  readonly country?: string;
  /** `active: false` → inactive; `true` or not sent → active. */
  readonly status: 'active' | 'inactive';
}

/** Seed 002's table, in its order. */
export const PROFILE_MAPPING: readonly ProfileMapping[] = Object.freeze([
  { field: 'username', label: 'Username', scimPath: 'userName' },
  { field: 'firstName', label: 'First Name', scimPath: 'name.givenName' },
  { field: 'lastName', label: 'Last Name', scimPath: 'name.familyName' },
  { field: 'email', label: 'Email', scimPath: 'emails[type eq "work"].value' },
  { field: 'mobileNumber', label: 'Mobile Number', scimPath: 'phoneNumbers[type eq "mobile"].value' },
  { field: 'workNumber', label: 'Work Number', scimPath: 'phoneNumbers[type eq "work"].value' },
  { field: 'position', label: 'Position', scimPath: 'title' },
  { field: 'streetAddress', label: 'Street Address', scimPath: 'addresses[type eq "work"].streetAddress' },
  { field: 'city', label: 'City', scimPath: 'addresses[type eq "work"].locality' },
  { field: 'state', label: 'State', scimPath: 'addresses[type eq "work"].region' },
  { field: 'postalCode', label: 'Postal Code', scimPath: 'addresses[type eq "work"].postalCode' },
  { field: 'country', label: 'Country', scimPath: 'addresses[type eq "work"].country' },
  { field: 'status', label: 'Status', scimPath: 'active' },
] satisfies ProfileMapping[]);

const parsed = new Map<string, PatchPath>();
function pathOf(text: string): PatchPath {
  let p = parsed.get(text);
  if (p === undefined) parsed.set(text, (p = parsePath(text)));
  return p;
}

/** Reads one mapped value: a plain path, or the first element a value filter selects. */
function read(rs: ResourceSchema, user: ScimResource, path: PatchPath): unknown {
  const resolved = rs.resolve(path.attr);
  if (resolved === undefined) return undefined;
  if (path.valueFilter === undefined) return readAttribute(user, resolved);
  const elements = readAttribute(user, resolved);
  if (!Array.isArray(elements)) return undefined;
  // The element test is the core's own filter semantics (caseExact, any-match), applied
  // to one element at a time through the equivalent value-path filter.
  const test: Filter = { kind: 'valuePath', path: path.attr, filter: path.valueFilter };
  const hit = elements.find((e) => evaluateFilter(test, { [resolved.attribute.name]: [e] }, rs)) as Record<string, unknown> | undefined;
  if (hit === undefined) return undefined;
  return path.subAttr === undefined ? hit : hit[path.subAttr];
}

/** Derives the platform profile of a SCIM User (rendered or stored form). */
export function toPlatformProfile(rs: ResourceSchema, user: ScimResource): PlatformProfile {
  const out: Record<string, unknown> = {};
  for (const m of PROFILE_MAPPING) {
    const value = read(rs, user, pathOf(m.scimPath));
    if (m.field === 'status') out.status = value === false ? 'inactive' : 'active';
    else if (typeof value === 'string') out[m.field] = value;
  }
  return out as unknown as PlatformProfile;
}
