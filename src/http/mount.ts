/**
 * The contract between the transport (`server.ts`) and what it serves: a mount
 * owns every path under its prefix, authenticates its own callers and renders
 * its own errors (docs/architecture.md, HTTP mounts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

/** What the transport knows about one request before a mount sees it. */
export interface MountContext {
  readonly requestId: string;
  /** The request path without the query string. */
  readonly pathname: string;
  readonly query: URLSearchParams;
  /** The server logger (the request line is written by the transport). */
  readonly logger: Logger;
  /** Fields a mount adds to the request's single log line (`tenantId`, `compat` …). */
  readonly logFields: Record<string, unknown>;
  /** The public base URL (`--public-url`, else `http://localhost:<port>`). */
  readonly publicUrl: string;
  /** True once a graceful shutdown has begun (`/readyz` answers 503). */
  readonly closing: boolean;
}

/** One HTTP mount: every path equal to `prefix` or under `prefix/`. */
export interface Mount {
  /** A path prefix without trailing slash: `/scim/v2`, `/api/v1`. */
  readonly prefix: string;
  /** Answers the request, errors included; a throw becomes the router's neutral 500. */
  handle(req: IncomingMessage, res: ServerResponse, ctx: MountContext): Promise<void>;
}
