/**
 * Where a request under the SCIM mount goes: the per-tenant base
 * (`/scim/v2/{tenantId}/…`) or the shared base (`/scim/v2/…`, the key alone
 * names the tenant). Other prefixes belong to other mounts (`router.ts`).
 */

/** The first path segments of the SCIM endpoints (RFC 7644 §3.2, §3.4.3, §3.11). */
export const SCIM_ENDPOINTS: ReadonlySet<string> = new Set(
  ['Users', 'Groups', 'Schemas', 'ServiceProviderConfig', 'ResourceTypes', 'Bulk', 'Me', '.search'].map((e) => e.toLowerCase()),
);

export const SCIM_PREFIX = '/scim/v2';

export type Route =
  | {
      readonly kind: 'scim';
      /** The tenant named in the URL; undefined on the shared base. */
      readonly tenantId: string | undefined;
      /** Decoded segments after the base. */
      readonly segments: readonly string[];
      /** The base path the request used: `/scim/v2` or `/scim/v2/{tenantId}`. */
      readonly basePath: string;
    }
  | { readonly kind: 'notFound' }
  | { readonly kind: 'badPath' };

/**
 * Maps a path (without query) to a route. Endpoint names are matched
 * case-insensitively, as the SCIM routes match them (tenant ids are 20 lowercase
 * alphanumerics, so they never collide); anything else in that position is a tenant id.
 * Empty segments (`//`) and a trailing slash are ignored.
 */
export function matchRoute(pathname: string): Route {
  if (pathname !== SCIM_PREFIX && !pathname.startsWith(`${SCIM_PREFIX}/`)) return { kind: 'notFound' };
  let segments: string[];
  try {
    segments = pathname
      .slice(SCIM_PREFIX.length)
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    return { kind: 'badPath' };
  }
  const first = segments[0];
  if (first === undefined) return { kind: 'notFound' };
  if (SCIM_ENDPOINTS.has(first.toLowerCase())) return { kind: 'scim', tenantId: undefined, segments, basePath: SCIM_PREFIX };
  if (segments.length < 2) return { kind: 'notFound' };
  return { kind: 'scim', tenantId: first, segments: segments.slice(1), basePath: `${SCIM_PREFIX}/${encodeURIComponent(first)}` };
}
