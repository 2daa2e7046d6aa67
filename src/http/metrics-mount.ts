/**
 * `GET /metrics` (docs/metrics.md): this Roster's Prometheus registry in the text
 * exposition format. On the main port it is a mount like the others and needs an
 * operator token (`Authorization: Bearer …`): the main port faces identity providers,
 * often the internet. On its own port (`--metrics-port`, bound to `--metrics-host`,
 * loopback by default) it needs none: who can reach that address is the boundary.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { OperatorVerifier } from './admin-mount.ts';
import { ADMIN_WWW_AUTHENTICATE } from './admin-errors.ts';
import { bearerToken } from './auth.ts';
import { sendJsonError } from './json-error.ts';
import type { Mount } from './mount.ts';

/** The path of the metrics. */
export const METRICS_PATH = '/metrics';

async function answer(registry: Registry, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  if (pathname !== METRICS_PATH) {
    sendJsonError(res, 404, 'not_found', 'No such endpoint');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJsonError(res, 405, 'method_not_allowed', 'Use GET', { allow: 'GET, HEAD' });
    return;
  }
  const text = await registry.metrics();
  res.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : text);
}

/** The `/metrics` mount of the main server: an operator token is required. */
export function createMetricsMount(registry: Registry, verifyOperator: OperatorVerifier): Mount {
  return {
    prefix: METRICS_PATH,
    async handle(req, res, ctx) {
      const token = bearerToken(req, ctx.query);
      if (token === undefined || !(await verifyOperator(token))) {
        sendJsonError(res, 401, 'unauthorized', 'Send an operator token as "Authorization: Bearer <token>"', { 'www-authenticate': ADMIN_WWW_AUTHENTICATE });
        return;
      }
      await answer(registry, req, res, ctx.pathname);
    },
  };
}

/** A listener of its own for `/metrics` (`--metrics-port`), without authentication. */
export interface MetricsServer {
  readonly server: Server;
  /** Listens; resolves with the port. */
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

/** Creates the separate metrics listener (not yet listening). */
export function createMetricsServer(registry: Registry, onError: (err: unknown) => void): MetricsServer {
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    answer(registry, req, res, q < 0 ? url : url.slice(0, q)).catch((err: unknown) => {
      onError(err);
      if (!res.headersSent) sendJsonError(res, 500, 'internal', 'Internal server error');
      else res.destroy();
    });
  });
  return {
    server,
    listen: (port, host) => new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    }),
    close: () => new Promise((resolve) => {
      if (!server.listening) {
        resolve();
        return;
      }
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
