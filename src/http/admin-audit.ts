/**
 * The admin API of a tenant's audit log (docs/audit.md "Reading the audit"):
 *
 * - `GET /api/v1/tenants/{tenantId}/audit?resourceType=&resourceId=&actor=&operation=&outcome=&since=&until=&limit=&cursor=`
 *   answers `{ "events": [...], "next": "<cursor>" | null }`;
 * - `GET /api/v1/tenants/{tenantId}/audit/export?format=ndjson|csv&…same filters` streams every
 *   matching row, a page at a time from the store, with backpressure.
 *
 * The cursor is opaque to clients: it encodes the last `seq` answered. The audit table is
 * append-only per tenant with increasing `seq`, so a cursor stays valid and exact while
 * new rows are written: paging returns every row once, in order.
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { AuditEvent, AuditFilter, AuditPage, Store } from '../store/store.ts';
import { AdminError } from './admin-errors.ts';
import type { MountContext } from './mount.ts';

/** Default and largest page of `GET …/audit`. */
export const AUDIT_DEFAULT_LIMIT = 100;
export const AUDIT_MAX_LIMIT = 1000;
/** Rows read from the store per page of an export. */
export const AUDIT_EXPORT_PAGE = 500;

/** Returned by `routeTenantAudit` when it wrote the response itself (an export). */
export const STREAMED: unique symbol = Symbol('streamed');

const CURSOR_PREFIX = 'a1.';
const TEXT_FILTERS = ['resourceType', 'resourceId', 'actor', 'operation', 'outcome'] as const;
const KNOWN = new Set<string>([...TEXT_FILTERS, 'since', 'until', 'limit', 'cursor', 'format', 'access_token']);

/** Encodes the last `seq` answered as an opaque cursor. */
export function encodeAuditCursor(seq: number): string {
  return CURSOR_PREFIX + Buffer.from(String(seq), 'utf8').toString('base64url');
}

function decodeCursor(raw: string): number {
  const bad = (): never => { throw new AdminError('invalid_request', '"cursor" is not a cursor this server returned'); };
  if (!raw.startsWith(CURSOR_PREFIX) || raw.length > 40) return bad();
  const text = Buffer.from(raw.slice(CURSOR_PREFIX.length), 'base64url').toString('utf8');
  if (!/^\d{1,15}$/.test(text)) return bad();
  return Number(text);
}

/** ISO 8601 date or date-time (RFC 3339 profile) → the stored UTC form. */
function instant(name: string, raw: string): string {
  const ok = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/.test(raw);
  const t = ok ? Date.parse(raw.length === 10 ? `${raw}T00:00:00Z` : raw) : NaN;
  if (!Number.isFinite(t)) throw new AdminError('invalid_request', `"${name}" must be an ISO 8601 date-time with a zone, e.g. 2026-01-31T00:00:00Z`);
  return new Date(t).toISOString();
}

/** Parses the query of `…/audit` and `…/audit/export`; every bad parameter is 400 `invalid_request`. */
export function auditQuery(query: URLSearchParams): AuditPage {
  const filter: Record<string, string | number> = {};
  for (const [name, value] of query) {
    if (!KNOWN.has(name)) throw new AdminError('invalid_request', `Unknown parameter ${JSON.stringify(name.slice(0, 64))}`);
    if (query.getAll(name).length > 1) throw new AdminError('invalid_request', `"${name}" is given more than once`);
    if (value.length > 1024) throw new AdminError('invalid_request', `"${name}" is too long`);
  }
  for (const name of TEXT_FILTERS) {
    const v = query.get(name);
    if (v !== null) filter[name] = v;
  }
  const since = query.get('since');
  const until = query.get('until');
  if (since !== null) filter['since'] = instant('since', since);
  if (until !== null) filter['until'] = instant('until', until);
  let limit = AUDIT_DEFAULT_LIMIT;
  const rawLimit = query.get('limit');
  if (rawLimit !== null) {
    if (!/^\d{1,7}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > AUDIT_MAX_LIMIT) {
      throw new AdminError('invalid_request', `"limit" must be an integer from 1 to ${AUDIT_MAX_LIMIT}`);
    }
    limit = Number(rawLimit);
  }
  const cursor = query.get('cursor');
  return { ...(filter as AuditFilter), limit, ...(cursor !== null ? { afterSeq: decodeCursor(cursor) } : {}) };
}

/** An audit row as the admin API shows it (no `tenantId`: it is in the path). */
export function auditView(e: AuditEvent): Record<string, unknown> {
  const { tenantId: _tenant, ...rest } = e;
  return rest;
}

/** The CSV columns, in order (docs/audit.md). */
export const AUDIT_CSV_COLUMNS = [
  'seq', 'id', 'occurredAt', 'actorKind', 'actorId', 'actorLabel', 'requestId', 'idp', 'method', 'path',
  'resourceType', 'resourceId', 'operation', 'outcome', 'status', 'normalisations', 'change',
] as const;

/**
 * One CSV field (RFC 4180 §2): quoted when it holds `,`, `"`, CR or LF, inner quotes
 * doubled. A text cell starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'`
 * so that a spreadsheet does not run it as a formula (OWASP "CSV Injection").
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : JSON.stringify(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvLine(e: AuditEvent): string {
  const rec = e as unknown as Record<string, unknown>;
  return AUDIT_CSV_COLUMNS.map((c) => csvField(rec[c])).join(',') + '\r\n';
}

async function write(res: ServerResponse, chunk: string): Promise<void> {
  if (!res.write(chunk)) {
    // Backpressure: wait for the socket to drain, or fail if the client went away.
    const closed = once(res, 'close').then(() => { throw new Error('client closed the export'); });
    await Promise.race([once(res, 'drain'), closed]);
  }
}

async function exportAudit(store: Store, tenantId: string, page: AuditPage, format: string, res: ServerResponse): Promise<void> {
  const csv = format === 'csv';
  res.writeHead(200, {
    'content-type': csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
    'content-disposition': `attachment; filename="audit-${tenantId.slice(0, 64).replace(/[^\w.-]/g, '_')}.${csv ? 'csv' : 'ndjson'}"`,
    'cache-control': 'no-store',
  });
  if (csv) await write(res, AUDIT_CSV_COLUMNS.join(',') + '\r\n');
  let afterSeq = page.afterSeq ?? 0;
  for (;;) {
    const rows = await store.listAuditEvents(tenantId, { ...page, afterSeq, limit: AUDIT_EXPORT_PAGE });
    if (rows.length === 0) break;
    await write(res, rows.map((r) => (csv ? csvLine(r) : `${JSON.stringify(auditView(r))}\n`)).join(''));
    afterSeq = rows[rows.length - 1]!.seq;
    if (rows.length < AUDIT_EXPORT_PAGE || res.destroyed) break;
  }
  res.end();
}

/**
 * Answers `tenants/{tenantId}/audit[/export]` (segments after `/api/v1`); undefined
 * when the path is not one of these routes, `STREAMED` when it wrote the response.
 */
export async function routeTenantAudit(
  store: Store, method: string, segments: readonly string[], ctx: MountContext, res: ServerResponse,
): Promise<unknown> {
  if (segments[0] !== 'tenants' || segments[2] !== 'audit' || segments.length > 4) return undefined;
  if (segments.length === 4 && segments[3] !== 'export') return undefined;
  const tenantId = segments[1]!;
  if (method !== 'GET' && method !== 'HEAD') {
    throw new AdminError('method_not_allowed', 'Method not allowed here; allowed: GET, HEAD', { allow: 'GET, HEAD' });
  }
  const page = auditQuery(ctx.query);
  const exporting = segments.length === 4;
  const format = ctx.query.get('format') ?? 'ndjson';
  if (exporting && format !== 'ndjson' && format !== 'csv') throw new AdminError('invalid_request', '"format" must be "ndjson" or "csv"');
  if (!exporting && ctx.query.has('format')) throw new AdminError('invalid_request', '"format" belongs to …/audit/export');
  if ((await store.getTenant(tenantId)) === undefined) throw new AdminError('not_found', 'No such tenant');
  if (exporting) {
    await exportAudit(store, tenantId, page, format, res);
    return STREAMED;
  }
  const rows = await store.listAuditEvents(tenantId, page);
  const next = rows.length === page.limit ? encodeAuditCursor(rows[rows.length - 1]!.seq) : null;
  return { events: rows.map(auditView), next };
}
