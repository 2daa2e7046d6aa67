/**
 * The admin API mount at `/api/v1`: authentication by operator token
 * (`Authorization: Bearer <token>`, never a tenant's SCIM key), JSON bodies,
 * errors from one catalogue (`admin-errors.ts`). Routes:
 *
 * - `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of this API (no token needed).
 * - tenants, their SCIM setup and API keys (`admin-tenants.ts`).
 * - a tenant's users, suspension, access check and deprovisioning policy (`admin-users.ts`).
 * - the permission catalogue, a tenant's roles, their members and grants (`admin-roles.ts`).
 * - a tenant's audit log, paged and exported (`admin-audit.ts`).
 * - a tenant's sync health (`admin-health.ts`).
 * - the events feed, of a tenant or of all tenants (`admin-events.ts`, docs/events.md).
 * - a tenant's webhook endpoints, deliveries and replays (`admin-webhooks.ts`).
 *
 * Paths and methods come from one table (`admin-routes.ts`): anything else is 404 or
 * 405 before a handler runs.
 *
 * The composition root passes the verifier: the store's operator tokens
 * (`roster admin-token create`), or an embedding application's own
 * (docs/architecture.md, Admin API).
 */
import type { Config } from '../config.ts';
import type { Store } from '../store/store.ts';
import { routeTenantAudit, STREAMED } from './admin-audit.ts';
import { AdminReply } from './admin-body.ts';
import { AdminError, sendAdminError } from './admin-errors.ts';
import { routeEvents } from './admin-events.ts';
import { allowOf, matchAdminRoute } from './admin-routes.ts';
import type { AdminRoute } from './admin-routes.ts';
import { routeTenants } from './admin-tenants.ts';
import { openApiDocument } from './openapi.ts';
import { routeRoles } from './admin-roles.ts';
import { routeTenantHealth } from './admin-health.ts';
import { routeTenantUsers } from './admin-users.ts';
import { routeWebhooks } from './admin-webhooks.ts';
import { bearerToken } from './auth.ts';
import { sendPlainJson } from './json-error.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Mount, MountContext } from './mount.ts';

/** The admin API prefix. */
export const ADMIN_PREFIX = '/api/v1';

/**
 * Decides whether a bearer token is an operator's. Must compare in constant time
 * and resolve false, never throw, for anything it does not know.
 */
export type OperatorVerifier = (token: string) => Promise<boolean>;

/** What the admin mount needs. */
export interface AdminMountDeps {
  readonly config: Pick<Config, 'publicUrl' | 'port' | 'permissions' | 'keyMaxGraceMs' | 'webhooksAllowPrivateNetworks'>;
  readonly store: Store;
  readonly verifyOperator: OperatorVerifier;
}

/** Creates the admin API mount. */
export function createAdminMount(deps: AdminMountDeps): Mount {
  return {
    prefix: ADMIN_PREFIX,
    async handle(req, res, ctx) {
      try {
        const method = req.method ?? 'GET';
        const segments = ctx.pathname.slice(ADMIN_PREFIX.length).split('/').filter((s) => s !== '');
        const match = matchAdminRoute(segments);
        if (match?.route.public === true) {
          checkMethod(match.route, method);
          sendPlainJson(res, 200, openApiDocument(ctx.publicUrl));
          return;
        }
        // Authentication first: an unauthenticated caller learns nothing, not even which paths exist.
        const token = bearerToken(req, ctx.query);
        if (token === undefined || !(await deps.verifyOperator(token))) throw new AdminError('unauthorized');
        ctx.logFields.operator = true;
        if (match === undefined) throw new AdminError('not_found');
        checkMethod(match.route, method);
        const body = await route(deps, req, res, method, ctx, token, segments, match);
        if (body === STREAMED) return;
        if (body instanceof AdminReply) {
          if (body.status === 204) {
            res.writeHead(204);
            res.end();
          } else sendPlainJson(res, body.status, body.body);
          return;
        }
        sendPlainJson(res, 200, body);
      } catch (e) {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (sendAdminError(res, e)) ctx.logger.error({ requestId: ctx.requestId, err: e }, 'unhandled error');
      }
    },
  };
}

/** 405 with the route's `Allow` for a method it does not have. */
function checkMethod(route: AdminRoute, method: string): void {
  const m = method === 'HEAD' ? 'GET' : method;
  if (!route.methods.includes(m)) {
    const allow = allowOf(route);
    throw new AdminError('method_not_allowed', `Method ${method.slice(0, 16)} is not allowed here; allowed: ${allow}`, { allow });
  }
}

async function route(
  deps: AdminMountDeps, req: IncomingMessage, res: ServerResponse, method: string, ctx: MountContext, token: string,
  segments: readonly string[], match: { route: AdminRoute; params: Record<string, string> },
): Promise<unknown> {
  const tenants = await routeTenants(deps.store, deps.config, req, method, match.route.path, match.params, ctx, token);
  if (tenants !== undefined) return tenants;
  const roles = await routeRoles(deps.store, deps.config.permissions, req, method, segments, ctx, token);
  if (roles !== undefined) return roles;
  const audit = await routeTenantAudit(deps.store, method, segments, ctx, res);
  if (audit !== undefined) return audit;
  const events = await routeEvents(deps.store, method, segments, ctx);
  if (events !== undefined) return events;
  const health = await routeTenantHealth(deps.store, method, segments);
  if (health !== undefined) return health;
  const webhooks = await routeWebhooks(deps.store, deps.config.webhooksAllowPrivateNetworks, req, res, method, segments, ctx, token);
  if (webhooks !== undefined) return webhooks;
  const users = await routeTenantUsers(deps.store, req, method, segments, ctx, token);
  if (users !== undefined) return users;
  throw new AdminError('not_found');
}
