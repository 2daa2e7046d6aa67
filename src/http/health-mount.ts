/**
 * The health probes, one mount each: `GET /healthz` (the process answers) and
 * `GET /readyz` (the store answers and no shutdown has begun; 503 otherwise).
 * No authentication; errors in the neutral JSON body.
 */
import { sendJsonError, sendPlainJson } from './json-error.ts';
import type { Mount } from './mount.ts';

/** The `/healthz` and `/readyz` mounts; `ping` checks the store. */
export function createHealthMounts(ping: () => Promise<unknown>): Mount[] {
  const probe = (prefix: string, ready: (closing: boolean) => Promise<boolean>): Mount => ({
    prefix,
    async handle(req, res, ctx) {
      if (ctx.pathname !== prefix) {
        sendJsonError(res, 404, 'not_found', 'No such endpoint');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendJsonError(res, 405, 'method_not_allowed', 'Use GET', { allow: 'GET, HEAD' });
        return;
      }
      const ok = await ready(ctx.closing);
      sendPlainJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable' });
    },
  });
  return [
    probe('/healthz', async () => true),
    probe('/readyz', async (closing) => !closing && (await ping().then(() => true, () => false))),
  ];
}
