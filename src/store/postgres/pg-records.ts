/**
 * Ignored input (migration 5, docs/identity-providers.md "Ignored input") and request
 * statistics (migration 10, docs/audit.md "Sync health") on PostgreSQL, with the bounds
 * of the SQLite store.
 */
import type { IgnoredInputRecord, IgnoredItem } from '../../domain/ignored-input.ts';
import { IGNORED_NAME_MAX, IGNORED_ROWS_PER_TENANT } from '../sqlite/ignored-input.ts';
import { KEPT_ERRORS } from '../sqlite/request-stats.ts';
import type { RequestErrorRecord, RequestHour } from '../store.ts';
import type { Sql } from './pg-sql.ts';

const KEPT_HOURS_MS = 31 * 86_400_000;

/** Upserts the items of one request (inside a write transaction). */
export async function recordPgIgnored(sql: Sql, tenantId: string, items: readonly IgnoredItem[], at: string): Promise<void> {
  const seen = new Set<string>();
  for (const item of items) {
    const kind = item.kind.slice(0, 32);
    const name = item.name.length > IGNORED_NAME_MAX ? item.name.slice(0, IGNORED_NAME_MAX) : item.name;
    const key = `${kind}\u0000${name}`;
    if (seen.has(key)) continue; // one request counts once
    seen.add(key);
    const up = 'UPDATE ignored_input SET last_seen = $1, count = count + 1 WHERE tenant_id = $2 AND kind = $3 AND name = $4';
    if ((await sql.count(up, [at, tenantId, kind, name])) > 0) continue;
    const [c] = await sql.rows<{ n: number }>('SELECT COUNT(*)::int AS n FROM ignored_input WHERE tenant_id = $1', [tenantId]);
    if ((c?.n ?? 0) >= IGNORED_ROWS_PER_TENANT) continue;
    // Another process may have inserted the row since the UPDATE: then it counts this one.
    await sql.count(
      `INSERT INTO ignored_input AS i (tenant_id, kind, name, first_seen, last_seen, count) VALUES ($1, $2, $3, $4, $4, 1)
       ON CONFLICT (tenant_id, kind, name) DO UPDATE SET last_seen = excluded.last_seen, count = i.count + 1`,
      [tenantId, kind, name, at],
    );
  }
}

/** The tenant's rows, ordered by kind then name. */
export async function listPgIgnored(sql: Sql, tenantId: string): Promise<IgnoredInputRecord[]> {
  const rows = await sql.rows<{ kind: string; name: string; first_seen: string; last_seen: string; count: number }>(
    'SELECT kind, name, first_seen, last_seen, count FROM ignored_input WHERE tenant_id = $1 ORDER BY kind, name', [tenantId],
  );
  return rows.map((r) => ({ kind: r.kind, name: r.name, firstSeen: r.first_seen, lastSeen: r.last_seen, count: Number(r.count) }));
}

/** Adds the counters and error answers (inside a write transaction). */
export async function recordPgStats(sql: Sql, hours: readonly RequestHour[], errors: readonly RequestErrorRecord[]): Promise<void> {
  const oldest = new Date(Date.now() - KEPT_HOURS_MS).toISOString().slice(0, 13);
  const tenants = new Set<string>();
  for (const h of hours) {
    await sql.count(
      `INSERT INTO request_stats AS s (tenant_id, hour, requests, errors, last_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, hour) DO UPDATE SET requests = s.requests + excluded.requests, errors = s.errors + excluded.errors,
       last_at = GREATEST(s.last_at, excluded.last_at)`,
      [h.tenantId, h.hour, h.requests, h.errors, h.lastAt],
    );
    tenants.add(h.tenantId);
  }
  const errTenants = new Set<string>();
  for (const e of errors) {
    await sql.count('INSERT INTO request_errors (tenant_id, at, status, method, path, body) VALUES ($1, $2, $3, $4, $5, $6)',
      [e.tenantId, e.at, e.status, e.method, e.path, JSON.stringify(e.body ?? null)]);
    errTenants.add(e.tenantId);
  }
  for (const t of tenants) await sql.count('DELETE FROM request_stats WHERE tenant_id = $1 AND hour < $2', [t, oldest]);
  for (const t of errTenants) {
    await sql.count(`DELETE FROM request_errors WHERE tenant_id = $1 AND id <= coalesce(
      (SELECT id FROM request_errors WHERE tenant_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2), -1)`, [t, KEPT_ERRORS]);
  }
}

/** The tenant's hours from `sinceHour` (ascending) and latest errors (newest first). */
export async function readPgHealth(sql: Sql, tenantId: string, sinceHour: string): Promise<{ hours: RequestHour[]; errors: RequestErrorRecord[] }> {
  const hours = (await sql.rows<{ hour: string; requests: number; errors: number; last_at: string }>(
    'SELECT hour, requests, errors, last_at FROM request_stats WHERE tenant_id = $1 AND hour >= $2 ORDER BY hour', [tenantId, sinceHour],
  )).map((r) => ({ tenantId, hour: r.hour, requests: Number(r.requests), errors: Number(r.errors), lastAt: r.last_at }));
  const errors = (await sql.rows<{ at: string; status: number; method: string; path: string; body: string }>(
    'SELECT at, status, method, path, body FROM request_errors WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2', [tenantId, KEPT_ERRORS],
  )).map((r) => ({ tenantId, at: r.at, status: r.status, method: r.method, path: r.path, body: JSON.parse(r.body) as unknown }));
  return { hours, errors };
}
