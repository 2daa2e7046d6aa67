/**
 * The admin API mount at `/api/v1`: authentication by operator token
 * (`Authorization: Bearer <token>`, never a tenant's SCIM key), JSON bodies,
 * errors from one catalogue (`admin-errors.ts`). Routes:
 *
 * - `GET /api/v1/tenants`: the tenants with their SCIM base URL and keys (id and
 *   last 4 characters only, never a secret).
 * - a tenant's users, suspension, access check and deprovisioning policy (`admin-users.ts`).
 * - the permission catalogue, a tenant's roles, their members and grants (`admin-roles.ts`).
 * - a tenant's audit log, paged and exported (`admin-audit.ts`).
 * - a tenant's sync health (`admin-health.ts`).
 * - a tenant's webhook endpoints, deliveries and replays (`admin-webhooks.ts`).
 *
 * The composition root passes the verifier: the store's operator tokens
 * (`roster admin-token create`), or an embedding application's own
 * (docs/architecture.md, Admin API).
 */
import type { Config } from '../config.ts';
import type { Store } from '../store/store.ts';
import { listTenants } from '../tenants/tenants.ts';
import { routeTenantAudit, STREAMED } from './admin-audit.ts';
import { AdminError, sendAdminError } from './admin-errors.ts';
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
  readonly config: Pick<Config, 'publicUrl' | 'port' | 'permissions' | 'webhooksAllowPrivateNetworks'>;
  readonly store: Store;
  readonly verifyOperator: OperatorVerifier;
}

/** Creates the admin API mount. */
export function createAdminMount(deps: AdminMountDeps): Mount {
  return {
    prefix: ADMIN_PREFIX,
    async handle(req, res, ctx) {
      try {
        // Authentication first: an unauthenticated caller learns nothing, not even which paths exist.
        const token = bearerToken(req, ctx.query);
        if (token === undefined || !(await deps.verifyOperator(token))) throw new AdminError('unauthorized');
        ctx.logFields.operator = true;
        const body = await route(deps, req, res, req.method ?? 'GET', ctx, token);
        if (body === STREAMED) return;
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

async function route(deps: AdminMountDeps, req: IncomingMessage, res: ServerResponse, method: string, ctx: MountContext, token: string): Promise<unknown> {
  const segments = ctx.pathname.slice(ADMIN_PREFIX.length).split('/').filter((s) => s !== '');
  if (segments.length === 1 && segments[0] === 'tenants') {
    if (method !== 'GET' && method !== 'HEAD') throw new AdminError('method_not_allowed', `Method ${method.slice(0, 16)} is not allowed here; allowed: GET`, { allow: 'GET, HEAD' });
    return { tenants: await listTenants(deps.store, { ...deps.config, publicUrl: ctx.publicUrl }) };
  }
  const roles = await routeRoles(deps.store, deps.config.permissions, req, method, segments, ctx, token);
  if (roles !== undefined) return roles;
  const audit = await routeTenantAudit(deps.store, method, segments, ctx, res);
  if (audit !== undefined) return audit;
  const health = await routeTenantHealth(deps.store, method, segments);
  if (health !== undefined) return health;
  const webhooks = await routeWebhooks(deps.store, deps.config.webhooksAllowPrivateNetworks, req, res, method, segments, ctx, token);
  if (webhooks !== undefined) return webhooks;
  const users = await routeTenantUsers(deps.store, req, method, segments, ctx, token);
  if (users !== undefined) return users;
  throw new AdminError('not_found');
}
