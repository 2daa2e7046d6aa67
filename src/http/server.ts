/**
 * The HTTP transport on plain `node:http`: request ids, security headers, the
 * request log line, timeouts, the connection cap and graceful shutdown. What a
 * request means is up to the mount that owns its path (`router.ts`, `mount.ts`):
 * SCIM, the admin API, the health probes.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { resolvePublicUrl } from '../config.ts';
import { loggablePath, requestIdFrom } from './logging.ts';
import type { MountContext } from './mount.ts';
import type { Router } from './router.ts';

export interface HttpServerDeps {
  readonly config: Config;
  readonly logger: Logger;
  /** Dispatches each request to its mount. */
  readonly router: Router;
  /** Called last in `close()`, once every connection is closed (the composition root closes the store). */
  readonly onClosed?: () => Promise<void>;
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
  /**
   * The request listener `server` uses, for a host application's own `node:http`
   * server; requests it serves count for the graceful shutdown too.
   */
  readonly requestListener: (req: IncomingMessage, res: ServerResponse) => void;
  /** Listens on `config.host:config.port` (port 0 = a free port). */
  listen(): Promise<ListeningAddress>;
  /** The public base URL (`--public-url`, else `http://localhost:<actual port>`). */
  publicUrl(): string;
  /**
   * Graceful shutdown (CF-6): stop accepting, let in-flight requests finish
   * within `config.shutdownTimeoutMs`, close every connection, then `onClosed` (the store).
   */
  close(): Promise<void>;
}

/** Creates (but does not start) the HTTP server. */
export function createHttpServer(deps: HttpServerDeps): RosterHttpServer {
  const { config, logger, router } = deps;
  let publicUrl = resolvePublicUrl(config);
  let closing: Promise<void> | undefined;
  let inflight = 0;
  let onIdle: (() => void) | undefined;

  const requestListener = (req: IncomingMessage, res: ServerResponse): void => {
    inflight++;
    res.once('close', () => {
      inflight--;
      if (inflight === 0 && onIdle) onIdle();
    });
    void handle(req, res);
  };

  const server = createServer(
    {
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: config.headersTimeoutMs,
      keepAliveTimeout: config.keepAliveTimeoutMs,
      // RL-7: how often Node checks the two timeouts above (its default, 30 s, would let them overrun).
      connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(Math.min(config.headersTimeoutMs, config.requestTimeoutMs) / 4))),
      noDelay: true,
    },
    requestListener,
  );
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  // docs/reliability.md RL-8: connections past the cap are closed as they arrive.
  server.maxConnections = config.maxConnections;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = requestIdFrom(req.headers['x-request-id']);
    const rawUrl = req.url ?? '/';
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
          userAgent: req.headers['user-agent'],
          ...logFields,
          ...(res.writableFinished ? {} : { aborted: true }),
        },
        'request',
      );
    });
    const q = rawUrl.indexOf('?');
    const ctx: MountContext = {
      requestId,
      pathname: q < 0 ? rawUrl : rawUrl.slice(0, q),
      query: new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1)),
      logger,
      logFields,
      publicUrl,
      closing: closing !== undefined,
    };
    await router(req, res, ctx);
  }

  return {
    server,
    requestListener,
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
        await deps.onClosed?.();
      })();
      return closing;
    },
  };
}
