/**
 * The admin API's route table: every path (below `/api/v1`) with its methods. The
 * mount answers 404 `not_found` for a path that matches none and 405 with `Allow` for
 * a method a path does not have, before any handler runs, so nothing is served that
 * is not listed here; the OpenAPI document (`openapi.ts`) is checked against this
 * table by a test (test/http/admin-openapi.test.ts). HEAD is allowed wherever GET is.
 */

/** One route: a path template (`{name}` matches one segment) and its methods. */
export interface AdminRoute {
  readonly path: string;
  readonly methods: readonly string[];
  /** Served without an operator token (the API description only). */
  readonly public?: boolean;
}

export const ADMIN_ROUTES: readonly AdminRoute[] = Object.freeze([
  { path: '/openapi.json', methods: ['GET'], public: true },
  { path: '/permissions', methods: ['GET'] },
  { path: '/tenants', methods: ['GET', 'POST'] },
  { path: '/tenants/{tenantId}', methods: ['GET', 'PATCH', 'DELETE'] },
  { path: '/tenants/{tenantId}/scim', methods: ['DELETE'] },
  { path: '/tenants/{tenantId}/keys', methods: ['GET', 'POST'] },
  { path: '/tenants/{tenantId}/keys/rotate', methods: ['POST'] },
  { path: '/tenants/{tenantId}/keys/{keyId}', methods: ['DELETE'] },
  { path: '/tenants/{tenantId}/users', methods: ['GET'] },
  { path: '/tenants/{tenantId}/users/{userId}', methods: ['GET', 'PATCH'] },
  { path: '/tenants/{tenantId}/users/{userId}/suspend', methods: ['POST'] },
  { path: '/tenants/{tenantId}/users/{userId}/unsuspend', methods: ['POST'] },
  { path: '/tenants/{tenantId}/access/{userId}', methods: ['GET'] },
  { path: '/tenants/{tenantId}/roles', methods: ['GET', 'POST'] },
  { path: '/tenants/{tenantId}/roles/{roleId}', methods: ['PATCH'] },
  { path: '/tenants/{tenantId}/roles/{roleId}/members', methods: ['GET'] },
  { path: '/tenants/{tenantId}/roles/{roleId}/permissions', methods: ['PUT'] },
  { path: '/tenants/{tenantId}/audit', methods: ['GET'] },
  { path: '/tenants/{tenantId}/audit/export', methods: ['GET'] },
  { path: '/tenants/{tenantId}/health', methods: ['GET'] },
  { path: '/tenants/{tenantId}/events', methods: ['GET'] },
  { path: '/events', methods: ['GET'] },
  { path: '/tenants/{tenantId}/webhooks', methods: ['GET', 'POST'] },
  { path: '/tenants/{tenantId}/webhooks/{webhookId}', methods: ['GET', 'PATCH', 'DELETE'] },
  { path: '/tenants/{tenantId}/webhooks/{webhookId}/rotate-secret', methods: ['POST'] },
  { path: '/tenants/{tenantId}/webhooks/{webhookId}/deliveries', methods: ['GET'] },
  { path: '/tenants/{tenantId}/webhooks/{webhookId}/replay', methods: ['POST'] },
]);

/** The route a path's segments match (a literal segment wins over a `{param}`), with its parameters. */
export function matchAdminRoute(segments: readonly string[], routes: readonly AdminRoute[] = ADMIN_ROUTES): { route: AdminRoute; params: Record<string, string> } | undefined {
  let best: { route: AdminRoute; params: Record<string, string>; literals: number } | undefined;
  for (const route of routes) {
    const parts = route.path.split('/').filter((s) => s !== '');
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let literals = 0;
    const ok = parts.every((p, i) => {
      if (p.startsWith('{')) {
        params[p.slice(1, -1)] = segments[i]!;
        return true;
      }
      literals++;
      return p === segments[i];
    });
    if (ok && (best === undefined || literals > best.literals)) best = { route, params, literals };
  }
  return best === undefined ? undefined : { route: best.route, params: best.params };
}

/** The `Allow` header value of a route. */
export function allowOf(route: AdminRoute): string {
  return (route.methods.includes('GET') ? [...route.methods, 'HEAD'] : [...route.methods]).join(', ');
}
