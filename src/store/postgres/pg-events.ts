/**
 * The audit rows and outbox events of the PostgreSQL store (docs/audit.md, migration 6).
 * Both are numbered per tenant from the tenant's `event_counters` row, bumped by ONE
 * upsert inside the caller's write transaction: the row lock it takes is held until
 * commit, so concurrent transactions of one tenant (any process) number one after the
 * other, strictly increasing and gap-free; a rolled-back transaction takes its numbers back.
 * The all-tenants `gseq` comes the same way from the one `event_feed` row (migration 11).
 */
import type { AuditEvent, AuditEventInput, AuditPage, EventPage, FeedEvent, FeedPage, FeedQuery, OutboxEvent, OutboxEventInput } from '../store.ts';
import type { Sql } from './pg-sql.ts';

/**
 * Every row of a write's events in ONE statement (docs/storage.md "Round trips"): the
 * tenant's counter upsert (`c`), then the global feed counter (migration 11, `f`, bumped
 * only with outbox events), then the rows, numbered from what the counters returned. `f`
 * reads `c`, so the tenant's counter row is locked before the feed row, in every
 * transaction: the feed's row lock is held until commit, writers of events queue there and
 * `gseq` follows commit order. The rows come as arrays, one per column, in order.
 */
const APPEND = `WITH c AS (
    INSERT INTO event_counters AS c (tenant_id, audit_seq, outbox_seq) VALUES ($1, $2, $3)
    ON CONFLICT (tenant_id) DO UPDATE SET audit_seq = c.audit_seq + excluded.audit_seq, outbox_seq = c.outbox_seq + excluded.outbox_seq
    RETURNING audit_seq, outbox_seq),
  f AS (UPDATE event_feed SET gseq = gseq + $3 WHERE id = 1 AND $3 > 0 AND EXISTS (SELECT 1 FROM c) RETURNING gseq),
  a AS (INSERT INTO audit_events (tenant_id, seq, id, occurred_at, actor_kind, actor_id, actor_label, request_id, idp,
      method, path, resource_type, resource_id, operation, change, outcome, status, normalisations)
    SELECT $1, c.audit_seq - $2 + v.n, v.id, v.occurred_at, v.actor_kind, v.actor_id, v.actor_label, v.request_id, v.idp,
      v.method, v.path, v.resource_type, v.resource_id, v.operation, v.change, v.outcome, v.status, v.normalisations
    FROM c, unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
      $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::int[], $19::text[]) WITH ORDINALITY
      AS v(id, occurred_at, actor_kind, actor_id, actor_label, request_id, idp, method, path, resource_type, resource_id, operation,
        change, outcome, status, normalisations, n)),
  o AS (INSERT INTO outbox_events (tenant_id, seq, id, type, occurred_at, payload, gseq)
    SELECT $1, c.outbox_seq - $3 + v.n, v.id, v.type, v.occurred_at, v.payload, f.gseq - $3 + v.n
    FROM c, f, unnest($20::text[], $21::text[], $22::text[], $23::text[]) WITH ORDINALITY AS v(id, type, occurred_at, payload, n))
  SELECT (SELECT count(*) FROM c) AS counters, (SELECT count(*) FROM f) AS feed`;

/** Appends the rows; must run inside a write transaction. */
export async function appendPgEvents(sql: Sql, tenantId: string, audit: readonly AuditEventInput[], outbox: readonly OutboxEventInput[]): Promise<void> {
  if (audit.length === 0 && outbox.length === 0) return;
  const col = <T, V>(list: readonly T[], f: (x: T) => V): V[] => list.map(f);
  const [done] = await sql.rows<{ counters: number; feed: number }>(APPEND, [
    tenantId, audit.length, outbox.length,
    col(audit, (a) => a.id), col(audit, (a) => a.occurredAt), col(audit, (a) => a.actorKind), col(audit, (a) => a.actorId),
    col(audit, (a) => a.actorLabel), col(audit, (a) => a.requestId), col(audit, (a) => a.idp), col(audit, (a) => a.method),
    col(audit, (a) => a.path), col(audit, (a) => a.resourceType), col(audit, (a) => a.resourceId), col(audit, (a) => a.operation),
    col(audit, (a) => JSON.stringify(a.change ?? null)), col(audit, (a) => a.outcome), col(audit, (a) => a.status),
    col(audit, (a) => JSON.stringify(a.normalisations)),
    col(outbox, (e) => e.id), col(outbox, (e) => e.type), col(outbox, (e) => e.occurredAt), col(outbox, (e) => JSON.stringify(e.payload ?? null)),
  ]);
  if (Number(done?.counters ?? 0) !== 1) throw new Error('event counter upsert returned no row');
  if (outbox.length > 0 && Number(done?.feed ?? 0) !== 1) throw new Error('event feed counter row is missing (migration 11)');
}

type AuditRow = {
  tenant_id: string; seq: number; id: string; occurred_at: string; actor_kind: string; actor_id: string | null; actor_label: string | null;
  request_id: string | null; idp: string | null; method: string | null; path: string | null; resource_type: string; resource_id: string;
  operation: string; change: string; outcome: string; status: number; normalisations: string;
};

/** Filter → column and operator; the SQL text comes only from this table, values are bound. */
const AUDIT_FILTERS = [
  ['resourceType', 'resource_type ='],
  ['resourceId', 'resource_id ='],
  ['actor', 'actor_id ='],
  ['operation', 'operation ='],
  ['outcome', 'outcome ='],
  ['since', 'occurred_at >='],
  ['until', 'occurred_at <'],
] as const;

/** A page of the tenant's audit rows, by `seq`, filtered (AND); walks the primary key from the cursor. */
export async function listPgAudit(sql: Sql, tenantId: string, page: AuditPage): Promise<AuditEvent[]> {
  let text = 'SELECT * FROM audit_events WHERE tenant_id = $1 AND seq > $2';
  const args: unknown[] = [tenantId, page.afterSeq ?? 0];
  for (const [key, clause] of AUDIT_FILTERS) {
    const v = page[key];
    if (v === undefined) continue;
    args.push(v);
    text += ` AND ${clause} $${args.length}`;
  }
  args.push(page.limit);
  const rows = await sql.rows<AuditRow>(`${text} ORDER BY seq LIMIT $${args.length}`, args);
  return rows.map((r) => ({
    tenantId: r.tenant_id, seq: Number(r.seq), id: r.id, occurredAt: r.occurred_at, actorKind: r.actor_kind, actorId: r.actor_id,
    actorLabel: r.actor_label, requestId: r.request_id, idp: r.idp, method: r.method, path: r.path, resourceType: r.resource_type,
    resourceId: r.resource_id, operation: r.operation, change: JSON.parse(r.change) as unknown, outcome: r.outcome as AuditEvent['outcome'],
    status: r.status, normalisations: JSON.parse(r.normalisations) as string[],
  }));
}

/** A page of the tenant's outbox events, by `seq`. */
export async function listPgOutbox(sql: Sql, tenantId: string, page: EventPage): Promise<OutboxEvent[]> {
  const rows = await sql.rows<{ tenant_id: string; seq: number; id: string; type: string; occurred_at: string; payload: string }>(
    'SELECT tenant_id, seq, id, type, occurred_at, payload FROM outbox_events WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
    [tenantId, page.afterSeq ?? 0, page.limit],
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, seq: Number(r.seq), id: r.id, type: r.type, occurredAt: r.occurred_at, payload: JSON.parse(r.payload) as unknown }));
}

/** Deletes at most `limit` rows older than `before`, oldest first, through the `occurred_at` index (migration 10). */
export function prunePgAudit(sql: Sql, before: string, limit: number): Promise<number> {
  return sql.count(
    `DELETE FROM audit_events WHERE (tenant_id, seq) IN
       (SELECT tenant_id, seq FROM audit_events WHERE occurred_at < $1 ORDER BY occurred_at LIMIT $2)`,
    [before, limit],
  );
}

type OutboxRow = { tenant_id: string; seq: number; gseq: number; id: string; type: string; occurred_at: string; payload: string };

const toFeedEvent = (r: OutboxRow): FeedEvent => ({
  tenantId: r.tenant_id, seq: Number(r.seq), gseq: Number(r.gseq), id: r.id, type: r.type, occurredAt: r.occurred_at, payload: JSON.parse(r.payload) as unknown,
});

const FEED_COLUMNS = 'tenant_id, seq, gseq, id, type, occurred_at, payload';

/**
 * A page of the feed (docs/events.md). Run it in one REPEATABLE READ snapshot so that the
 * rows and the bounds agree (a prune between them could otherwise hide a gap). A tenant
 * feed walks the primary key `(tenant_id, seq)`, the all-tenants feed the `gseq` index;
 * the types are one array parameter (four statement texts in all: named, planned once).
 */
export async function readPgFeed(sql: Sql, q: FeedQuery): Promise<FeedPage> {
  const types = q.types ?? [];
  const args: unknown[] = [q.after];
  const where = [q.tenantId === undefined ? 'gseq > $1' : 'seq > $1'];
  if (q.tenantId !== undefined) where.push(`tenant_id = $${args.push(q.tenantId)}`);
  if (types.length > 0) where.push(`type = ANY($${args.push(types)}::text[])`);
  const order = q.tenantId === undefined ? 'gseq' : 'seq';
  const rows = await sql.rows<OutboxRow>(
    `SELECT ${FEED_COLUMNS} FROM outbox_events WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT $${args.push(q.limit)}`, args,
  );
  const [bounds] = q.tenantId === undefined
    ? await sql.rows<{ last: number | null; first: number | null }>(
      'SELECT (SELECT gseq FROM event_feed WHERE id = 1) AS last, (SELECT min(gseq) FROM outbox_events) AS first')
    : await sql.rows<{ last: number | null; first: number | null }>(
      `SELECT (SELECT outbox_seq FROM event_counters WHERE tenant_id = $1) AS last,
              (SELECT min(seq) FROM outbox_events WHERE tenant_id = $1) AS first`, [q.tenantId]);
  const last = Number(bounds?.last ?? 0);
  const first = bounds?.first ?? null;
  return { events: rows.map(toFeedEvent), firstKept: first === null ? last + 1 : Number(first), last };
}

/**
 * Deletes at most `limit` of the oldest outbox rows older than `before` (docs/events.md
 * "Retention"), walking the `gseq` index: only rows before the first one recent enough
 * (or at `keepFrom`), so what is kept is always a suffix of the global order.
 */
export async function prunePgOutbox(sql: Sql, before: string, limit: number, keepFrom = Number.MAX_SAFE_INTEGER): Promise<number> {
  const [recent] = await sql.rows<{ gseq: number }>('SELECT gseq FROM outbox_events WHERE occurred_at >= $1 ORDER BY gseq LIMIT 1', [before]);
  const stop = Math.min(recent === undefined ? Number.MAX_SAFE_INTEGER : Number(recent.gseq), keepFrom);
  return sql.count('DELETE FROM outbox_events WHERE gseq IN (SELECT gseq FROM outbox_events WHERE gseq < $1 ORDER BY gseq LIMIT $2)', [stop, limit]);
}

/** A subscriber's stored position. */
export async function pgSubscriberCursor(sql: Sql, name: string): Promise<number | undefined> {
  const [r] = await sql.rows<{ gseq: number }>('SELECT gseq FROM event_subscribers WHERE name = $1', [name]);
  return r === undefined ? undefined : Number(r.gseq);
}

/** Stores a subscriber's position as given (docs/embedding.md: one process runs a named subscriber). */
export async function setPgSubscriberCursor(sql: Sql, name: string, gseq: number, at: string): Promise<void> {
  await sql.count(
    `INSERT INTO event_subscribers (name, gseq, updated_at) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET gseq = excluded.gseq, updated_at = excluded.updated_at`,
    [name, gseq, at],
  );
}
