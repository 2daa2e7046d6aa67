/**
 * The admin API's sync health of a tenant (docs/audit.md "Sync health"):
 * `GET /api/v1/tenants/{tenantId}/health` answers the last request time, requests
 * and errors per UTC hour over the last 24 hours and per UTC day over the last 30
 * days (zeros included, oldest first), and the latest error answers with their SCIM
 * error bodies (newest first). Counts reach the store every few seconds.
 */
import type { Store } from '../store/store.ts';
import { AdminError } from './admin-errors.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Answers `tenants/{tenantId}/health`; undefined for any other path. */
export async function routeTenantHealth(store: Store, method: string, segments: readonly string[], now: () => number = Date.now): Promise<unknown> {
  if (segments.length !== 3 || segments[0] !== 'tenants' || segments[2] !== 'health') return undefined;
  if (method !== 'GET' && method !== 'HEAD') throw new AdminError('method_not_allowed', 'Method not allowed here; allowed: GET, HEAD', { allow: 'GET, HEAD' });
  const tenantId = segments[1]!;
  if ((await store.getTenant(tenantId)) === undefined) throw new AdminError('not_found', 'No such tenant');
  const t = now();
  const firstDay = Math.floor(t / DAY) * DAY - 29 * DAY;
  const { hours, errors } = await store.requestHealth(tenantId, new Date(firstDay).toISOString().slice(0, 13));
  const byHour = new Map(hours.map((h) => [h.hour, h]));
  const firstHour = Math.floor(t / HOUR) * HOUR - 23 * HOUR;
  const perHour = Array.from({ length: 24 }, (_, i) => {
    const key = new Date(firstHour + i * HOUR).toISOString().slice(0, 13);
    const h = byHour.get(key);
    return { hour: `${key}:00:00Z`, requests: h?.requests ?? 0, errors: h?.errors ?? 0 };
  });
  const perDay = Array.from({ length: 30 }, (_, i) => {
    const day = new Date(firstDay + i * DAY).toISOString().slice(0, 10);
    let requests = 0;
    let errs = 0;
    for (const h of hours) {
      if (h.hour.startsWith(day)) {
        requests += h.requests;
        errs += h.errors;
      }
    }
    return { day, requests, errors: errs };
  });
  const lastRequestAt = hours.reduce<string | null>((m, h) => (m === null || h.lastAt > m ? h.lastAt : m), null);
  return {
    lastRequestAt,
    hours: perHour,
    days: perDay,
    errors: errors.map((e) => ({ at: e.at, status: e.status, method: e.method, path: e.path, body: e.body })),
  };
}
