/**
 * The HTTP transport on plain `node:http`: routing, request ids, bearer
 * authentication, body limits and parsing, rendering, request logs, timeouts
 * and graceful shutdown. Everything SCIM happens in the `ScimHandler`.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { resolvePublicUrl } from '../config.ts';
import { invalidSyntax, methodNotAllowed, notFound } from '../scim/errors.ts';
import type { Store } from '../store/store.ts';
import type { Tenant } from '../domain/tenant.ts';
import { authenticateKey } from './auth.ts';
import { checkContentType, drainBody, hasBody, parseJsonBody, readBody } from './body.ts';
import { TenantLimiter } from './limits.ts';
import { loggablePath, requestIdFrom } from './logging.ts';
import { sendError, sendJson, sendStream, SCIM_CONTENT_TYPE, toScimError } from './render.ts';
import { matchRoute } from './route.ts';
import type { ScimHandler, ScimRequest } from './types.ts';

export interface HttpServerDeps {
  readonly config: Config;
  readonly store: Store;
  readonly logger: Logger;
  readonly scimHandler: ScimHandler;
  /** Public base URL from the actual port when `config.publicUrl` is unset (default `http://localhost:<port>`). */
  readonly publicUrlFor?: (port: number) => string;
}

export interface ListeningAddress {
  readonly host: string;
  readonly port: number;
  /** `http://host:port` of the listener itself. */
  readonly url: string;
}

export interface RosterHttpServer {
  readonly server: Server;
  /** Listens on `config.host:config.port` (port 0 = a free port). */
  listen(): Promise<ListeningAddress>;
  /** The public base URL (`--public-url`, else `http://localhost:<actual port>`). */
  publicUrl(): string;
  /**
   * Graceful shutdown (CF-6): stop accepting, let in-flight requests finish
   * within `config.shutdownTimeoutMs`, close every connection, then close the store.
   */
  close(): Promise<void>;
}

const SCIM_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const HANDLER_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** Creates (but does not start) the HTTP server. */
export function createHttpServer(deps: HttpServerDeps): RosterHttpServer {
  const { config, store, logger, scimHandler } = deps;
  let publicUrl = resolvePublicUrl(config);
  let closing: Promise<void> | undefined;
  let inflight = 0;
  let onIdle: (() => void) | undefined;
  const limiter = new TenantLimiter({
    ratePerSecond: config.tenantRateLimit,
    burst: config.tenantBurst,
    maxInflight: config.tenantMaxInflight,
    timeShare: config.tenantTimeShare / 100,
    timeBurstMs: config.tenantTimeBurstMs,
  });

  const server = createServer(
    {
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: config.headersTimeoutMs,
      keepAliveTimeout: config.keepAliveTimeoutMs,
      // RL-7: how often Node checks the two timeouts above (its default, 30 s, would let them overrun).
      connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(Math.min(config.headersTimeoutMs, config.requestTimeoutMs) / 4))),
      noDelay: true,
    },
    (req, res) => {
      inflight++;
      res.once('close', () => {
        inflight--;
        if (inflight === 0 && onIdle) onIdle();
      });
      void handle(req, res);
    },
  );
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  // docs/reliability.md RL-8: connections past the cap are closed as they arrive.
  server.maxConnections = config.maxConnections;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = requestIdFrom(req.headers['x-request-id']);
    const rawUrl = req.url ?? '/';
    let tenant: Tenant | undefined;
    const logFields: Record<string, unknown> = {};
    res.setHeader('x-request-id', requestId);
    // Responses carry personal data: no cache may keep them (RFC 9111 §5.2.2.5), and
    // browsers must not guess another media type (fetch.spec.whatwg.org, X-Content-Type-Options).
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-content-type-options', 'nosniff');
    if (closing) res.setHeader('connection', 'close');
    res.once('close', () => {
      logger.info(
        {
          requestId,
          method: req.method,
          path: loggablePath(rawUrl), // AU-8: never the query string
          status: res.statusCode,
          ms: Math.round((performance.now() - started) * 10) / 10,
          tenantId: tenant?.id,
          userAgent: req.headers['user-agent'],
          ...logFields,
          ...(res.writableFinished ? {} : { aborted: true }),
        },
        'request',
      );
    });
    try {
      const q = rawUrl.indexOf('?');
      const route = matchRoute(q < 0 ? rawUrl : rawUrl.slice(0, q));
      const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
      const method = req.method ?? 'GET';
      if (route.kind === 'healthz' || route.kind === 'readyz') {
        if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed('Use GET');
        const ready = route.kind === 'healthz' || (!closing && (await store.ping().then(() => true, () => false)));
        res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify({ status: ready ? 'ok' : 'unavailable' }));
        return;
      }
      if (route.kind === 'badPath') throw invalidSyntax('The request path is not valid percent-encoding');
      if (route.kind === 'notFound') throw notFound('No such endpoint; SCIM lives under /scim/v2');
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
        baseUrl: publicUrl + route.basePath,
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
    } catch (e) {
      const { error, internal } = toScimError(e);
      if (internal) logger.error({ requestId, err: e, tenantId: tenant?.id }, 'unhandled error');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error.status === 413) res.setHeader('connection', 'close');
      if (error.status === 413 && !req.complete) {
        sendTooLarge(req, res, error.toJSON());
        return;
      }
      sendError(res, error);
    }
  }

  /**
   * A 413 before the body was read (docs/reliability.md RL-1): the whole answer is
   * written at once, but the connection is ended only after the rest of the body
   * has been read and discarded, up to --body-drain-limit bytes or 5 seconds;
   * otherwise a client that writes its whole body before reading gets a reset
   * (EPIPE/ECONNRESET) and retries, instead of reading why it was refused.
   */
  function sendTooLarge(req: IncomingMessage, res: ServerResponse, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(413, { 'content-type': SCIM_CONTENT_TYPE, 'content-length': Buffer.byteLength(text) });
    res.write(text);
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > config.bodyDrainLimit) {
      res.end();
      return;
    }
    void drainBody(req, config.bodyDrainLimit).then(() => res.end());
  }

  return {
    server,
    publicUrl: () => publicUrl,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          const addr = server.address() as AddressInfo;
          publicUrl = config.publicUrl ?? deps.publicUrlFor?.(addr.port) ?? resolvePublicUrl(config, addr.port);
          const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          resolve({ host: addr.address, port: addr.port, url: `http://${host}:${addr.port}` });
        });
      }),
    close: () => {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        if (inflight > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, config.shutdownTimeoutMs);
            onIdle = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
        server.closeAllConnections();
        await stopped;
        await store.close();
      })();
      return closing;
    },
  };
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
