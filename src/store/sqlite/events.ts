/**
 * The audit rows and outbox events of the SQLite store (docs/audit.md, migration 6).
 * Both are numbered per tenant from the tenant's `event_counters` row, bumped by ONE
 * upsert inside the caller's write transaction: the writer lock serialises writers,
 * so the numbers are strictly increasing and gap-free, and a rolled-back transaction
 * takes its numbers back with it.
 */
import type { StatementCache } from './connection.ts';
import type { AuditEvent, AuditEventInput, AuditPage, EventPage, FeedEvent, FeedPage, FeedQuery, OutboxEvent, OutboxEventInput } from '../store.ts';

const BUMP = `INSERT INTO event_counters (tenant_id, audit_seq, outbox_seq) VALUES (?, ?, ?)
  ON CONFLICT (tenant_id) DO UPDATE SET audit_seq = audit_seq + excluded.audit_seq, outbox_seq = outbox_seq + excluded.outbox_seq
  RETURNING audit_seq, outbox_seq`;

const INSERT_AUDIT = `INSERT INTO audit_events (tenant_id, seq, id, occurred_at, actor_kind, actor_id, actor_label, request_id, idp,
  method, path, resource_type, resource_id, operation, change, outcome, status, normalisations)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const INSERT_OUTBOX = 'INSERT INTO outbox_events (tenant_id, seq, id, type, occurred_at, payload, gseq) VALUES (?, ?, ?, ?, ?, ?, ?)';
/** The global feed counter (migration 11), bumped in the same transaction. */
const BUMP_FEED = 'UPDATE event_feed SET gseq = gseq + ? WHERE id = 1 RETURNING gseq';

/** Appends the rows; must run inside a write transaction. */
export function appendEvents(
  stmts: StatementCache, tenantId: string, audit: readonly AuditEventInput[], outbox: readonly OutboxEventInput[],
): void {
  if (audit.length === 0 && outbox.length === 0) return;
  const last = stmts.get(BUMP).get(tenantId, audit.length, outbox.length) as { audit_seq: number; outbox_seq: number };
  let seq = last.audit_seq - audit.length;
  const ia = stmts.get(INSERT_AUDIT);
  for (const a of audit) {
    ia.run(
      tenantId, ++seq, a.id, a.occurredAt, a.actorKind, a.actorId, a.actorLabel, a.requestId, a.idp, a.method, a.path,
      a.resourceType, a.resourceId, a.operation, JSON.stringify(a.change ?? null), a.outcome, a.status, JSON.stringify(a.normalisations),
    );
  }
  if (outbox.length === 0) return;
  seq = last.outbox_seq - outbox.length;
  let gseq = (stmts.get(BUMP_FEED).get(outbox.length) as { gseq: number }).gseq - outbox.length;
  const io = stmts.get(INSERT_OUTBOX);
  for (const e of outbox) io.run(tenantId, ++seq, e.id, e.type, e.occurredAt, JSON.stringify(e.payload ?? null), ++gseq);
}

type AuditRow = {
  tenant_id: string; seq: number; id: string; occurred_at: string; actor_kind: string; actor_id: string | null; actor_label: string | null;
  request_id: string | null; idp: string | null; method: string | null; path: string | null; resource_type: string; resource_id: string;
  operation: string; change: string; outcome: string; status: number; normalisations: string;
};

/** Filter → column and operator; the SQL text comes only from this table, values are bound. */
const AUDIT_FILTERS = [
  ['resourceType', 'resource_type = ?'],
  ['resourceId', 'resource_id = ?'],
  ['actor', 'actor_id = ?'],
  ['operation', 'operation = ?'],
  ['outcome', 'outcome = ?'],
  ['since', 'occurred_at >= ?'],
  ['until', 'occurred_at < ?'],
] as const;

/**
 * A page of the tenant's audit rows, by `seq`, filtered (AND). The scan walks the
 * primary key `(tenant_id, seq)` from the cursor and stops after `limit` matches
 * (query-plan test in `events.test.ts`); at most 2^7 statement texts are cached.
 */
export function listAudit(stmts: StatementCache, tenantId: string, page: AuditPage): AuditEvent[] {
  let sql = 'SELECT * FROM audit_events WHERE tenant_id = ? AND seq > ?';
  const args: unknown[] = [tenantId, page.afterSeq ?? 0];
  for (const [key, clause] of AUDIT_FILTERS) {
    const v = page[key];
    if (v === undefined) continue;
    sql += ` AND ${clause}`;
    args.push(v);
  }
  const rows = stmts.get(`${sql} ORDER BY seq LIMIT ?`).all(...args, page.limit) as AuditRow[];
  return rows.map((r) => ({
    tenantId: r.tenant_id, seq: r.seq, id: r.id, occurredAt: r.occurred_at, actorKind: r.actor_kind, actorId: r.actor_id,
    actorLabel: r.actor_label, requestId: r.request_id, idp: r.idp, method: r.method, path: r.path, resourceType: r.resource_type,
    resourceId: r.resource_id, operation: r.operation, change: JSON.parse(r.change) as unknown, outcome: r.outcome as AuditEvent['outcome'],
    status: r.status, normalisations: JSON.parse(r.normalisations) as string[],
  }));
}

/** A page of the tenant's outbox events, by `seq`. */
export function listOutbox(stmts: StatementCache, tenantId: string, page: EventPage): OutboxEvent[] {
  const rows = stmts
    .get('SELECT tenant_id, seq, id, type, occurred_at, payload FROM outbox_events WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?')
    .all(tenantId, page.afterSeq ?? 0, page.limit) as { tenant_id: string; seq: number; id: string; type: string; occurred_at: string; payload: string }[];
  return rows.map((r) => ({ tenantId: r.tenant_id, seq: r.seq, id: r.id, type: r.type, occurredAt: r.occurred_at, payload: JSON.parse(r.payload) as unknown }));
}

/** Deletes at most `limit` rows older than `before`, oldest first, through the `occurred_at` index (migration 10). */
export function pruneAudit(stmts: StatementCache, before: string, limit: number): number {
  return stmts.get(`DELETE FROM audit_events WHERE rowid IN
    (SELECT rowid FROM audit_events WHERE occurred_at < ? ORDER BY occurred_at LIMIT ?)`).run(before, limit).changes;
}

type OutboxRow = { tenant_id: string; seq: number; gseq: number; id: string; type: string; occurred_at: string; payload: string };

const toFeedEvent = (r: OutboxRow): FeedEvent => ({
  tenantId: r.tenant_id, seq: r.seq, gseq: r.gseq, id: r.id, type: r.type, occurredAt: r.occurred_at, payload: JSON.parse(r.payload) as unknown,
});

/** Most types one feed query may name (each is a bound parameter). */
export const FEED_MAX_TYPES = 64;

/**
 * A page of the feed (docs/events.md). Call inside one read transaction so that the
 * rows and the bounds come from one snapshot: a prune between them could otherwise
 * hide a gap. A tenant feed walks the primary key `(tenant_id, seq)`, the all-tenants
 * feed the `gseq` index; a type filter is applied on the walk.
 */
export function readFeed(stmts: StatementCache, q: FeedQuery): FeedPage {
  const types = q.types ?? [];
  if (types.length > FEED_MAX_TYPES) throw new Error(`at most ${FEED_MAX_TYPES} event types`);
  const typeSql = types.length > 0 ? ` AND type IN (${types.map(() => '?').join(', ')})` : '';
  const cols = 'tenant_id, seq, gseq, id, type, occurred_at, payload';
  if (q.tenantId !== undefined) {
    const rows = stmts
      .get(`SELECT ${cols} FROM outbox_events WHERE tenant_id = ? AND seq > ?${typeSql} ORDER BY seq LIMIT ?`)
      .all(q.tenantId, q.after, ...types, q.limit) as OutboxRow[];
    const last = (stmts.get('SELECT outbox_seq AS n FROM event_counters WHERE tenant_id = ?').get(q.tenantId) as { n: number } | undefined)?.n ?? 0;
    const first = (stmts.get('SELECT min(seq) AS n FROM outbox_events WHERE tenant_id = ?').get(q.tenantId) as { n: number | null }).n;
    return { events: rows.map(toFeedEvent), firstKept: first ?? last + 1, last };
  }
  const rows = stmts
    .get(`SELECT ${cols} FROM outbox_events WHERE gseq > ?${typeSql} ORDER BY gseq LIMIT ?`)
    .all(q.after, ...types, q.limit) as OutboxRow[];
  const last = (stmts.get('SELECT gseq AS n FROM event_feed WHERE id = 1').get() as { n: number } | undefined)?.n ?? 0;
  const first = (stmts.get('SELECT min(gseq) AS n FROM outbox_events').get() as { n: number | null }).n;
  return { events: rows.map(toFeedEvent), firstKept: first ?? last + 1, last };
}

/**
 * Deletes at most `limit` of the oldest outbox rows older than `before` (docs/events.md
 * "Retention"), walking the `gseq` index: only rows before the first one that is recent
 * enough (or at `keepFrom`), so what is kept is always a suffix of the global order and a
 * reader's cursor is either still valid or clearly expired, never silently past a hole.
 */
export function pruneOutbox(stmts: StatementCache, before: string, limit: number, keepFrom = Number.MAX_SAFE_INTEGER): number {
  const recent = (stmts.get('SELECT gseq FROM outbox_events WHERE occurred_at >= ? ORDER BY gseq LIMIT 1').get(before) as { gseq: number } | undefined)?.gseq;
  const stop = Math.min(recent ?? Number.MAX_SAFE_INTEGER, keepFrom);
  return stmts.get(`DELETE FROM outbox_events WHERE gseq IN
    (SELECT gseq FROM outbox_events WHERE gseq < ? ORDER BY gseq LIMIT ?)`).run(stop, limit).changes;
}

/** A subscriber's stored position. */
export function subscriberCursor(stmts: StatementCache, name: string): number | undefined {
  return (stmts.get('SELECT gseq FROM event_subscribers WHERE name = ?').get(name) as { gseq: number } | undefined)?.gseq;
}

/** Stores a subscriber's position as given (docs/embedding.md: one process runs a named subscriber). */
export function setSubscriberCursor(stmts: StatementCache, name: string, gseq: number, at: string): void {
  stmts.get(`INSERT INTO event_subscribers (name, gseq, updated_at) VALUES (?, ?, ?)
    ON CONFLICT (name) DO UPDATE SET gseq = excluded.gseq, updated_at = excluded.updated_at`).run(name, gseq, at);
}
