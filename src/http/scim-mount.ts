/**
 * The SCIM mount at `/scim/v2` (RFC 7644): authentication by tenant API key
 * (`auth.ts`), the tenant's rate and in-flight limits, body limits and JSON
 * parsing, then the SCIM handler (`scim-routes.ts`, through the tenant's
 * identity-provider profile). Every error is an RFC 7644 §3.12 Error body.
 */
import { performance } from 'node:perf_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { invalidSyntax, methodNotAllowed, notFound } from '../scim/errors.ts';
import type { Store } from '../store/store.ts';
import type { Tenant } from '../domain/tenant.ts';
import { AuthFailureAudit } from '../directory/auth-audit.ts';
import { redactedPath } from '../directory/change.ts';
import { RequestStats } from '../directory/request-stats.ts';
import { parseApiKey } from '../tenants/api-keys.ts';
import { authenticateKey, bearerToken } from './auth.ts';
import { checkContentType, drainBody, hasBody, parseJsonBody, readBody } from './body.ts';
import { TenantLimiter } from './limits.ts';
import type { Mount } from './mount.ts';
import { sendError, sendJson, sendStream, SCIM_CONTENT_TYPE, toScimError } from './render.ts';
import { matchRoute, SCIM_PREFIX } from './route.ts';
import { scimRouteTemplate } from './route-template.ts';
import type { ScimRequestSample } from './route-template.ts';
import type { ScimHandler, ScimRequest } from './types.ts';

/** What the SCIM mount needs. */
export interface ScimMountDeps {
  readonly config: Pick<Config, 'tenantRateLimit' | 'tenantBurst' | 'tenantMaxInflight' | 'tenantTimeShare' | 'tenantTimeBurstMs' | 'bodyLimit' | 'bulkMaxPayloadSize' | 'bodyDrainLimit'>;
  readonly store: Store;
  readonly scimHandler: ScimHandler;
  /** Sync-health counters (docs/audit.md "Sync health"); default: the mount's own. */
  readonly requestStats?: RequestStats;
  /** Told about every answered request, by route template (docs/metrics.md); default: nobody. */
  readonly observe?: (sample: ScimRequestSample) => void;
}

const SCIM_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const HANDLER_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** Creates the SCIM mount. */
export function createScimMount(deps: ScimMountDeps): Mount {
  const { config, store, scimHandler } = deps;
  const limiter = new TenantLimiter({
    ratePerSecond: config.tenantRateLimit,
    burst: config.tenantBurst,
    maxInflight: config.tenantMaxInflight,
    timeShare: config.tenantTimeShare / 100,
    timeBurstMs: config.tenantTimeBurstMs,
  });
  const authAudit = new AuthFailureAudit(store);
  let stats = deps.requestStats;

  return {
    prefix: SCIM_PREFIX,
    async handle(req, res, ctx) {
      const { requestId, logger, logFields, query } = ctx;
      // docs/audit.md "Sync health": counted in memory, flushed every few seconds (no write per request).
      const counters = (): RequestStats => (stats ??= new RequestStats(store, (err) => logger.warn({ err }, 'request counters not written')));
      const count = (tenantId: string, status: number, method: string, body: unknown): void => {
        counters().note(tenantId, status, method, redactedPath(ctx.pathname, query), body);
      };
      let tenant: Tenant | undefined;
      let urlTenantId: string | undefined;
      const route = matchRoute(ctx.pathname);
      if (deps.observe !== undefined) {
        const observe = deps.observe;
        const started = performance.now();
        res.once('close', () => observe({
          route: scimRouteTemplate(route), method: req.method ?? 'GET', status: res.statusCode, idp: tenant?.idp ?? 'none',
          seconds: (performance.now() - started) / 1000,
        }));
      }
      try {
        if (route.kind === 'scim') urlTenantId = route.tenantId;
        const method = req.method ?? 'GET';
        if (route.kind === 'badPath') throw invalidSyntax('The request path is not valid percent-encoding');
        if (route.kind !== 'scim') throw notFound('No such endpoint; SCIM lives under /scim/v2');
        if (method === 'OPTIONS') {
          res.writeHead(204, { allow: SCIM_METHODS });
          res.end();
          return;
        }
        if (!HANDLER_METHODS.has(method)) {
          res.setHeader('allow', SCIM_METHODS);
          throw methodNotAllowed(`Method ${method.slice(0, 16)} is not supported`);
        }
        const auth = await authenticateKey(store, req, query, route.tenantId);
        tenant = auth.tenant;
        logFields.tenantId = tenant.id;
        counters().noteKey(auth.keyId);
        // docs/reliability.md LD-2: the tenant's rate and in-flight limits, after authentication.
        const admission = limiter.admit(tenant.id);
        if (!admission.ok) {
          res.setHeader('retry-after', String(admission.retryAfterSeconds));
          throw admission.error;
        }
        res.once('close', admission.release);
        let body: unknown;
        if (BODY_METHODS.has(method)) {
          if (!hasBody(req)) throw invalidSyntax('The request body is empty');
          checkContentType(req.headers['content-type']);
          // Endpoint names match case-insensitively (route.ts), so does the Bulk limit.
          const limit = route.segments[0]?.toLowerCase() === 'bulk' ? config.bulkMaxPayloadSize : config.bodyLimit;
          body = parseJsonBody(await readBody(req, limit));
        }
        const request: ScimRequest = {
          // RFC 9110 §9.3.2: HEAD is GET without the body (node:http drops the body of a HEAD response).
          method: method === 'HEAD' ? 'GET' : method,
          segments: route.segments,
          query,
          headers: handlerHeaders(req),
          body,
          tenant,
          // meta.location uses the base the client called: both bases work with its key.
          baseUrl: ctx.publicUrl + route.basePath,
          requestId,
          apiKeyId: auth.keyId,
          // Created on first use (a pino child per request is measurable; most requests never log beyond the request line).
          get log(): Logger {
            const child = logger.child({ requestId, tenantId: tenant?.id });
            Object.defineProperty(this, 'log', { value: child, enumerable: true });
            return child;
          },
          logFields,
        };
        const response = await scimHandler(request);
        if (response.stream !== undefined) await sendStream(res, response.status, response.stream, response.headers);
        else sendJson(res, response.status, response.body, response.headers);
        count(tenant.id, response.status, method, response.status >= 400 ? response.body : undefined);
      } catch (e) {
        const { error, internal } = toScimError(e);
        if (internal) logger.error({ requestId, err: e, tenantId: tenant?.id }, 'unhandled error');
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (error.status === 413) res.setHeader('connection', 'close');
        if (error.status === 413 && !req.complete) {
          sendTooLarge(req, res, error.toJSON(), config.bodyDrainLimit);
          return;
        }
        sendError(res, error);
        if (tenant !== undefined) count(tenant.id, error.status, req.method ?? 'GET', error.toJSON());
        // docs/audit.md "Authentication failures": audited after the answer, which stays the one 401 (AU-1).
        if (error.status === 401 && urlTenantId !== undefined) {
          const token = bearerToken(req, query);
          const keyId = token === undefined ? undefined : parseApiKey(token)?.id;
          authAudit.record({
            tenantId: urlTenantId, requestId, method: req.method ?? 'GET', path: ctx.pathname, // no query: it may hold an access_token (AU-8)
            ...(keyId !== undefined ? { keyId } : {}),
          }).catch((err: unknown) => logger.error({ requestId, err }, 'audit of a 401 failed'));
        }
      }
    },
  };
}

/**
 * A 413 before the body was read (docs/reliability.md RL-1): the whole answer is
 * written at once, but the connection is ended only after the rest of the body
 * has been read and discarded, up to --body-drain-limit bytes or 5 seconds;
 * otherwise a client that writes its whole body before reading gets a reset
 * (EPIPE/ECONNRESET) and retries, instead of reading why it was refused.
 */
function sendTooLarge(req: IncomingMessage, res: ServerResponse, body: unknown, drainLimit: number): void {
  const text = JSON.stringify(body);
  res.writeHead(413, { 'content-type': SCIM_CONTENT_TYPE, 'content-length': Buffer.byteLength(text) });
  res.write(text);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > drainLimit) {
    res.end();
    return;
  }
  void drainBody(req, drainLimit).then(() => res.end());
}

/** Request headers for the handler: lower-cased, joined, and without `authorization` (it needs the tenant, not the key). */
function handlerHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'authorization') continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
