/**
 * The router: picks the mount whose prefix owns the path (the longest one) and
 * hands it the request. A path no mount owns gets 404 in the neutral JSON body
 * (`json-error.ts`); an error a mount lets escape gets a neutral 500
 * (docs/architecture.md, HTTP mounts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJsonError } from './json-error.ts';
import type { Mount, MountContext } from './mount.ts';

/** Dispatches one request to its mount. */
export type Router = (req: IncomingMessage, res: ServerResponse, ctx: MountContext) => Promise<void>;

/** The mount owning `pathname`: its prefix equals the path or is followed by `/`. */
export function findMount(mounts: readonly Mount[], pathname: string): Mount | undefined {
  let best: Mount | undefined;
  for (const m of mounts) {
    const owns = pathname === m.prefix || pathname.startsWith(`${m.prefix}/`);
    if (owns && (best === undefined || m.prefix.length > best.prefix.length)) best = m;
  }
  return best;
}

/** Creates a router over `mounts`; two mounts may not share a prefix. */
export function createRouter(mounts: readonly Mount[]): Router {
  const prefixes = new Set<string>();
  for (const m of mounts) {
    if (!m.prefix.startsWith('/') || (m.prefix.endsWith('/') && m.prefix !== '/')) throw new Error(`mount prefix "${m.prefix}" must start with "/" and not end with one`);
    if (prefixes.has(m.prefix)) throw new Error(`two mounts at "${m.prefix}"`);
    prefixes.add(m.prefix);
  }
  return async (req, res, ctx) => {
    const mount = findMount(mounts, ctx.pathname);
    if (mount === undefined) {
      sendJsonError(res, 404, 'not_found', 'No such endpoint; SCIM lives under /scim/v2');
      return;
    }
    try {
      await mount.handle(req, res, ctx);
    } catch (err) {
      ctx.logger.error({ requestId: ctx.requestId, err }, 'unhandled error');
      if (res.headersSent) res.destroy();
      else sendJsonError(res, 500, 'internal', 'Internal server error; the request id identifies it in the server log');
    }
  };
}
