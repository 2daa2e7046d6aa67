/**
 * Webhook storage on PostgreSQL (docs/webhooks.md): endpoints, their delivery state and
 * attempts, with the rules of the SQLite implementation, over one `Sql` (the pool for
 * reads, a write transaction's connection for writes).
 *
 * Leases: `claim` picks due endpoints `FOR UPDATE SKIP LOCKED` and leases them in the same
 * statement. Workers in several processes claiming at once never wait for each other and
 * never take one endpoint twice: a row another claimer has locked is skipped, and once it
 * commits the row's lease is held, which the condition excludes. Every later write of a
 * worker names its lease (`owner`) and changes nothing once it was lost.
 *
 * `PgOps.webhooks` holds an instance per connection (as `SqliteOps.webhooks`); the
 * migration (`PG_WEBHOOKS_MIGRATION`, version 13 as on SQLite) is in the store's list.
 */
import type { Migration } from '../sqlite/migrations.ts';
import type {
  ClaimedEndpoint, ClaimExclusion, DeliveryAttempt, HeadResult, NewWebhookEndpoint, StoredDeliveryAttempt, WebhookDeliveryState,
  WebhookEndpoint, WebhookEndpointChange, WebhookStore,
} from '../webhooks.ts';
import type { Sql } from './pg-sql.ts';

/** Attempts kept per endpoint (as on SQLite). */
export const ATTEMPTS_KEPT = 1000;

const T = 'TEXT COLLATE "C"';

/**
 * The webhook tables, as SQLite's migration 13 (docs/webhooks.md); endpoints are global rows keyed by their UUID (the delivery calls name only the id),
 * with the tenant's endpoints found through `(tenant_id, id)`.
 */
export const PG_WEBHOOKS_MIGRATION: Migration = Object.freeze({
  version: 13,
  name: 'webhooks',
  sql: `
    CREATE TABLE webhook_endpoints (
      id                  ${T} PRIMARY KEY,
      tenant_id           ${T} NOT NULL,
      url                 TEXT NOT NULL,
      events              TEXT NOT NULL,
      enabled             BOOLEAN NOT NULL,
      disabled_reason     TEXT,
      secret              TEXT NOT NULL,
      previous_secret     TEXT,
      previous_expires_at ${T},
      created_at          ${T} NOT NULL,
      updated_at          ${T} NOT NULL,
      next_seq            BIGINT NOT NULL,
      attempts            INTEGER NOT NULL DEFAULT 0,
      next_attempt_at     ${T} NOT NULL,
      failing_since       ${T},
      lease_owner         ${T},
      lease_expires_at    ${T}
    );
    CREATE UNIQUE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id, id);
    CREATE INDEX webhook_endpoints_due ON webhook_endpoints (next_attempt_at) WHERE enabled;

    CREATE TABLE webhook_replays (
      endpoint_id ${T} NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
      seq         BIGINT NOT NULL,
      PRIMARY KEY (endpoint_id, seq)
    );

    CREATE TABLE webhook_deliveries (
      endpoint_id ${T} NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
      id          BIGINT GENERATED ALWAYS AS IDENTITY,
      event_id    ${T} NOT NULL,
      event_seq   BIGINT NOT NULL,
      event_type  ${T} NOT NULL,
      attempt     INTEGER NOT NULL,
      at          ${T} NOT NULL,
      status      INTEGER,
      latency_ms  INTEGER NOT NULL,
      response    TEXT,
      error       TEXT,
      outcome     ${T} NOT NULL,
      PRIMARY KEY (endpoint_id, id)
    );
  `,
});

interface Row {
  id: string; tenant_id: string; url: string; events: string; enabled: boolean; disabled_reason: string | null;
  secret: string; previous_secret: string | null; previous_expires_at: string | null; created_at: string; updated_at: string;
  next_seq: number | string; attempts: number; next_attempt_at: string; failing_since: string | null;
  lease_owner: string | null; lease_expires_at: string | null; pending: number | string;
}

const COLUMNS = 'e.*, (SELECT count(*) FROM webhook_replays r WHERE r.endpoint_id = e.id) AS pending';

const toEndpoint = (r: Row): WebhookEndpoint => ({
  id: r.id, tenantId: r.tenant_id, url: r.url, events: JSON.parse(r.events) as string[], enabled: r.enabled,
  disabledReason: r.disabled_reason, createdAt: r.created_at, updatedAt: r.updated_at, nextSeq: Number(r.next_seq),
  attempts: r.attempts, nextAttemptAt: r.next_attempt_at, failingSince: r.failing_since, pendingReplays: Number(r.pending),
});

/** Enabled endpoints whose next attempt is due, lease free or expired, not excluded, with work ($1 now, $2 endpoints, $3 tenants). */
const DUE_WHERE = `e.enabled AND e.next_attempt_at <= $1 AND (e.lease_owner IS NULL OR e.lease_expires_at <= $1)
    AND NOT (e.id = ANY($2::text[])) AND NOT (e.tenant_id = ANY($3::text[]))
    AND (EXISTS (SELECT 1 FROM webhook_replays r WHERE r.endpoint_id = e.id)
      OR e.next_seq <= (SELECT c.outbox_seq FROM event_counters c WHERE c.tenant_id = e.tenant_id))`;

interface AttemptRow {
  id: number | string; endpoint_id: string; event_id: string; event_seq: number | string; event_type: string; attempt: number; at: string;
  status: number | null; latency_ms: number; response: string | null; error: string | null; outcome: DeliveryAttempt['outcome'];
}

/** The webhook operations on one `Sql`; run the writes in a write transaction. */
export class PgWebhooks implements WebhookStore {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async #row(tenantId: string, id: string): Promise<Row | undefined> {
    const [r] = await this.#sql.rows<Row>(`SELECT ${COLUMNS} FROM webhook_endpoints e WHERE e.tenant_id = $1 AND e.id = $2`, [tenantId, id]);
    return r;
  }

  async #endpoint(tenantId: string, id: string): Promise<WebhookEndpoint> {
    const r = await this.#row(tenantId, id);
    if (r === undefined) throw new Error(`webhook endpoint ${id} vanished in its own transaction`);
    return toEndpoint(r);
  }

  async create(e: NewWebhookEndpoint): Promise<WebhookEndpoint> {
    await this.#sql.count(
      `INSERT INTO webhook_endpoints (id, tenant_id, url, events, enabled, secret, created_at, updated_at, next_seq, next_attempt_at)
       VALUES ($1, $2, $3, $4, TRUE, $5, $6, $6, coalesce((SELECT outbox_seq FROM event_counters WHERE tenant_id = $2), 0) + 1, $6)`,
      [e.id, e.tenantId, e.url, JSON.stringify(e.events), e.secret, e.createdAt],
    );
    return this.#endpoint(e.tenantId, e.id);
  }

  async get(tenantId: string, id: string): Promise<WebhookEndpoint | undefined> {
    const r = await this.#row(tenantId, id);
    return r === undefined ? undefined : toEndpoint(r);
  }

  async list(tenantId: string): Promise<WebhookEndpoint[]> {
    return (await this.#sql.rows<Row>(`SELECT ${COLUMNS} FROM webhook_endpoints e WHERE e.tenant_id = $1 ORDER BY e.id`, [tenantId])).map(toEndpoint);
  }

  /** One statement (every right-hand side sees the row as it was): re-enabling resets the head's attempts. */
  async update(tenantId: string, id: string, c: WebhookEndpointChange): Promise<WebhookEndpoint | undefined> {
    const n = await this.#sql.count(
      `UPDATE webhook_endpoints SET url = coalesce($3, url), events = coalesce($4, events), enabled = coalesce($5::boolean, enabled),
         disabled_reason = CASE WHEN coalesce($5::boolean, enabled) THEN NULL WHEN $6::boolean THEN $7::text ELSE disabled_reason END,
         updated_at = $8,
         attempts = CASE WHEN coalesce($5::boolean, enabled) AND NOT enabled THEN 0 ELSE attempts END,
         failing_since = CASE WHEN coalesce($5::boolean, enabled) AND NOT enabled THEN NULL ELSE failing_since END,
         next_attempt_at = CASE WHEN coalesce($5::boolean, enabled) AND NOT enabled THEN $8 ELSE next_attempt_at END
       WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, c.url ?? null, c.events === undefined ? null : JSON.stringify(c.events), c.enabled ?? null,
        c.disabledReason !== undefined, c.disabledReason ?? null, c.updatedAt],
    );
    return n === 0 ? undefined : this.#endpoint(tenantId, id);
  }

  async rotateSecret(tenantId: string, id: string, sealed: string, previousExpiresAt: string, at: string): Promise<boolean> {
    return (await this.#sql.count(
      'UPDATE webhook_endpoints SET previous_secret = secret, previous_expires_at = $1, secret = $2, updated_at = $3 WHERE tenant_id = $4 AND id = $5',
      [previousExpiresAt, sealed, at, tenantId, id],
    )) > 0;
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    return (await this.#sql.count('DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2', [tenantId, id])) > 0;
  }

  async eventSeq(tenantId: string, eventId: string): Promise<number | undefined> {
    const [r] = await this.#sql.rows<{ seq: number | string }>('SELECT seq FROM outbox_events WHERE tenant_id = $1 AND id = $2', [tenantId, eventId]);
    return r === undefined ? undefined : Number(r.seq);
  }

  async queueReplay(tenantId: string, id: string, fromSeq: number, toSeq: number): Promise<number> {
    return this.#sql.count(
      `INSERT INTO webhook_replays (endpoint_id, seq)
       SELECT e.id, o.seq FROM webhook_endpoints e JOIN outbox_events o ON o.tenant_id = e.tenant_id
       WHERE e.tenant_id = $1 AND e.id = $2 AND o.seq BETWEEN $3 AND $4
       ON CONFLICT DO NOTHING`,
      [tenantId, id, fromSeq, toSeq],
    );
  }

  async listAttempts(tenantId: string, id: string, page: { before?: number; limit: number }): Promise<StoredDeliveryAttempt[]> {
    const rows = await this.#sql.rows<AttemptRow>(
      `SELECT d.* FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
       WHERE e.tenant_id = $1 AND d.endpoint_id = $2 AND d.id < $3 ORDER BY d.id DESC LIMIT $4`,
      [tenantId, id, page.before ?? Number.MAX_SAFE_INTEGER, page.limit],
    );
    return rows.map((r) => ({
      id: Number(r.id), endpointId: r.endpoint_id, eventId: r.event_id, eventSeq: Number(r.event_seq), eventType: r.event_type, attempt: r.attempt,
      at: r.at, status: r.status, latencyMs: r.latency_ms, response: r.response, error: r.error, outcome: r.outcome,
    }));
  }

  async deliveryState(): Promise<WebhookDeliveryState> {
    // An endpoint's head is its lowest owed event of its tenant (per-tenant `seq` follows `gseq`).
    type R = { gseq: string | number; occurred_at: string };
    const [head] = await this.#sql.rows<R>(`SELECT o.gseq, o.occurred_at FROM webhook_endpoints e
        JOIN outbox_events o ON o.tenant_id = e.tenant_id AND o.seq >= e.next_seq
        WHERE e.enabled ORDER BY o.gseq LIMIT 1`);
    const [replay] = await this.#sql.rows<R>(`SELECT o.gseq, o.occurred_at FROM webhook_replays r
        JOIN webhook_endpoints e ON e.id = r.endpoint_id AND e.enabled
        JOIN outbox_events o ON o.tenant_id = e.tenant_id AND o.seq = r.seq ORDER BY o.gseq LIMIT 1`);
    const oldest = [head, replay].filter((r): r is R => r !== undefined).sort((x, y) => Number(x.gseq) - Number(y.gseq))[0];
    const retrying = await this.#sql.count('SELECT 1 FROM webhook_endpoints WHERE enabled AND attempts > 0');
    return { ...(oldest !== undefined ? { oldestOwed: { gseq: Number(oldest.gseq), occurredAt: oldest.occurred_at } } : {}), retrying };
  }

  /** Whether any endpoint would be claimed (a plain read: an idle poll takes no lock). */
  async hasDue(now: string, exclude: ClaimExclusion): Promise<boolean> {
    const rows = await this.#sql.rows(`SELECT 1 FROM webhook_endpoints e WHERE ${DUE_WHERE} LIMIT 1`, [now, exclude.endpoints, exclude.tenants]);
    return rows.length > 0;
  }

  async claim(owner: string, now: string, leaseUntil: string, limit: number, exclude: ClaimExclusion): Promise<ClaimedEndpoint[]> {
    const rows = await this.#sql.rows<Row>(
      `WITH due AS (
         SELECT e.id FROM webhook_endpoints e WHERE ${DUE_WHERE}
         ORDER BY e.next_attempt_at, e.id LIMIT $4 FOR UPDATE OF e SKIP LOCKED
       )
       UPDATE webhook_endpoints e SET lease_owner = $5, lease_expires_at = $6 FROM due WHERE e.id = due.id
       RETURNING ${COLUMNS}`,
      [now, exclude.endpoints, exclude.tenants, limit, owner, leaseUntil],
    );
    rows.sort((a, b) => (a.next_attempt_at < b.next_attempt_at ? -1 : a.next_attempt_at > b.next_attempt_at ? 1 : a.id < b.id ? -1 : 1));
    return rows.map((r) => ({
      ...toEndpoint(r), leaseOwner: owner,
      secrets: { current: r.secret, previous: r.previous_secret, previousExpiresAt: r.previous_expires_at },
    }));
  }

  async nextReplay(id: string): Promise<number | undefined> {
    const [r] = await this.#sql.rows<{ seq: number | string }>('SELECT seq FROM webhook_replays WHERE endpoint_id = $1 ORDER BY seq LIMIT 1', [id]);
    return r === undefined ? undefined : Number(r.seq);
  }

  async skipTo(id: string, owner: string, nextSeq: number): Promise<boolean> {
    return (await this.#sql.count('UPDATE webhook_endpoints SET next_seq = greatest(next_seq, $1) WHERE id = $2 AND lease_owner = $3', [nextSeq, id, owner])) > 0;
  }

  async finishHead(id: string, owner: string, h: HeadResult, attempts: readonly DeliveryAttempt[] = []): Promise<boolean> {
    for (const a of attempts) await this.recordAttempt(a);
    const done = h.kind === 'done';
    const ok = (await this.#sql.count(
      `UPDATE webhook_endpoints SET
         next_seq = CASE WHEN $1::boolean AND NOT $2::boolean THEN greatest(next_seq, $3::bigint + 1) ELSE next_seq END,
         attempts = $4, next_attempt_at = $5, failing_since = $6, lease_expires_at = $7,
         enabled = CASE WHEN $8::text IS NULL THEN enabled ELSE FALSE END,
         disabled_reason = coalesce($8::text, disabled_reason)
       WHERE id = $9 AND lease_owner = $10`,
      [done, h.replay, h.seq, h.attempts, h.nextAttemptAt, h.failingSince, h.leaseUntil, h.disable ?? null, id, owner],
    )) > 0;
    if (ok && done && h.replay) await this.#sql.count('DELETE FROM webhook_replays WHERE endpoint_id = $1 AND seq = $2', [id, h.seq]);
    return ok;
  }

  async release(id: string, owner: string): Promise<void> {
    await this.#sql.count('UPDATE webhook_endpoints SET lease_owner = NULL, lease_expires_at = NULL WHERE id = $1 AND lease_owner = $2', [id, owner]);
  }

  /** Appends an attempt (nothing when the endpoint is gone) and keeps the newest `ATTEMPTS_KEPT`. */
  async recordAttempt(a: DeliveryAttempt): Promise<void> {
    const n = await this.#sql.count(
      `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_seq, event_type, attempt, at, status, latency_ms, response, error, outcome)
       SELECT $1::text, $2::text, $3::bigint, $4::text, $5::int, $6::text, $7::int, $8::int, $9::text, $10::text, $11::text
       WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = $1::text)`,
      [a.endpointId, a.eventId, a.eventSeq, a.eventType, a.attempt, a.at, a.status, Math.round(a.latencyMs), a.response, a.error, a.outcome],
    );
    if (n === 0) return;
    await this.#sql.count(
      `DELETE FROM webhook_deliveries WHERE endpoint_id = $1 AND id <=
         (SELECT id FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)`,
      [a.endpointId, ATTEMPTS_KEPT],
    );
  }
}
