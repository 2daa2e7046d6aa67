/**
 * The route template of a SCIM request, the label metrics use for it (docs/metrics.md):
 * bounded whatever the client sends, and without the tenant or any id.
 */
import { SCIM_ENDPOINTS } from './route.ts';
import type { Route } from './route.ts';

/** The canonical spelling of each SCIM endpoint (route.ts matches them case-insensitively). */
const CANONICAL = new Map(['Users', 'Groups', 'Schemas', 'ServiceProviderConfig', 'ResourceTypes', 'Bulk', 'Me', '.search'].map((e) => [e.toLowerCase(), e]));

/**
 * The route template of a SCIM request: `/Users`, `/Users/{id}`, `/Groups/.search`, `/Bulk` …;
 * the tenant (per-tenant or shared base) and ids never appear. Anything else is `unmatched`.
 */
export function scimRouteTemplate(route: Route): string {
  if (route.kind !== 'scim') return 'unmatched';
  const [first, second, ...rest] = route.segments;
  const endpoint = first === undefined ? undefined : CANONICAL.get(first.toLowerCase());
  if (endpoint === undefined || !SCIM_ENDPOINTS.has(endpoint.toLowerCase()) || rest.length > 0) return 'unmatched';
  if (second === undefined) return `/${endpoint}`;
  return second === '.search' ? `/${endpoint}/.search` : `/${endpoint}/{id}`;
}

/** One answered SCIM request, as the SCIM mount reports it. */
export interface ScimRequestSample {
  readonly route: string;
  readonly method: string;
  readonly status: number;
  /** The tenant's identity provider; `none` before authentication. */
  readonly idp: string;
  readonly seconds: number;
}

