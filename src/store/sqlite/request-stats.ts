/**
 * Request counters and latest error answers of the SQLite store (docs/audit.md
 * "Sync health", migration 10): one upsert per tenant-hour flushed, hours older
 * than 31 days and errors beyond the latest 20 deleted in the same write.
 */
import type { StatementCache } from './connection.ts';
import type { RequestErrorRecord, RequestHour } from '../store.ts';

/** Error answers kept per tenant. */
export const KEPT_ERRORS = 20;
const KEPT_HOURS_MS = 31 * 86_400_000;

const UPSERT = `INSERT INTO request_stats (tenant_id, hour, requests, errors, last_at) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (tenant_id, hour) DO UPDATE SET requests = requests + excluded.requests, errors = errors + excluded.errors,
  last_at = max(last_at, excluded.last_at)`;

/** Adds the counters and error answers; must run in a write transaction. */
export function recordStats(stmts: StatementCache, hours: readonly RequestHour[], errors: readonly RequestErrorRecord[]): void {
  const up = stmts.get(UPSERT);
  const oldest = new Date(Date.now() - KEPT_HOURS_MS).toISOString().slice(0, 13);
  const tenants = new Set<string>();
  for (const h of hours) {
    up.run(h.tenantId, h.hour, h.requests, h.errors, h.lastAt);
    tenants.add(h.tenantId);
  }
  const ins = stmts.get('INSERT INTO request_errors (tenant_id, at, status, method, path, body) VALUES (?, ?, ?, ?, ?, ?)');
  const errTenants = new Set<string>();
  for (const e of errors) {
    ins.run(e.tenantId, e.at, e.status, e.method, e.path, JSON.stringify(e.body ?? null));
    errTenants.add(e.tenantId);
  }
  for (const t of tenants) stmts.get('DELETE FROM request_stats WHERE tenant_id = ? AND hour < ?').run(t, oldest);
  for (const t of errTenants) {
    stmts.get(`DELETE FROM request_errors WHERE tenant_id = ? AND id <= coalesce(
      (SELECT id FROM request_errors WHERE tenant_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?), -1)`).run(t, t, KEPT_ERRORS);
  }
}

/** The tenant's hours from `sinceHour` (ascending) and latest errors (newest first). */
export function readHealth(stmts: StatementCache, tenantId: string, sinceHour: string): { hours: RequestHour[]; errors: RequestErrorRecord[] } {
  const hours = (stmts.get('SELECT hour, requests, errors, last_at FROM request_stats WHERE tenant_id = ? AND hour >= ? ORDER BY hour')
    .all(tenantId, sinceHour) as { hour: string; requests: number; errors: number; last_at: string }[])
    .map((r) => ({ tenantId, hour: r.hour, requests: r.requests, errors: r.errors, lastAt: r.last_at }));
  const errors = (stmts.get('SELECT at, status, method, path, body FROM request_errors WHERE tenant_id = ? ORDER BY id DESC LIMIT ?')
    .all(tenantId, KEPT_ERRORS) as { at: string; status: number; method: string; path: string; body: string }[])
    .map((r) => ({ tenantId, at: r.at, status: r.status, method: r.method, path: r.path, body: JSON.parse(r.body) as unknown }));
  return { hours, errors };
}
