/**
 * `WebhookStore` over one SQLite connection (migration 13, docs/webhooks.md). The
 * store wraps it: reads on the reader connection, writes in their own transaction
 * on the writer, or inside the caller's unit of work (`tx.webhooks`).
 */
import type { StatementCache } from './connection.ts';
import type { ClaimExclusion, ClaimedEndpoint, DeliveryAttempt, HeadResult, NewWebhookEndpoint, StoredDeliveryAttempt, WebhookDeliveryState, WebhookEndpoint, WebhookEndpointChange, WebhookStore } from '../webhooks.ts';

/** Attempts kept per endpoint. */
export const ATTEMPTS_KEPT = 1000;

interface Row {
  id: string; tenant_id: string; url: string; events: string; enabled: number; disabled_reason: string | null;
  secret: string; previous_secret: string | null; previous_expires_at: string | null; created_at: string; updated_at: string;
  next_seq: number; attempts: number; next_attempt_at: string; failing_since: string | null;
  lease_owner: string | null; lease_expires_at: string | null; pending: number;
}

const COLUMNS = `e.*, (SELECT count(*) FROM webhook_replays r WHERE r.endpoint_id = e.id) AS pending`;

const toEndpoint = (r: Row): WebhookEndpoint => ({
  id: r.id, tenantId: r.tenant_id, url: r.url, events: JSON.parse(r.events) as string[], enabled: r.enabled === 1,
  disabledReason: r.disabled_reason, createdAt: r.created_at, updatedAt: r.updated_at, nextSeq: r.next_seq,
  attempts: r.attempts, nextAttemptAt: r.next_attempt_at, failingSince: r.failing_since, pendingReplays: r.pending,
});

/** Endpoints with work that is due and a free lease (the `?`s: now, now, excluded endpoint and tenant ids as JSON arrays, limit). */
const DUE = `SELECT e.id FROM webhook_endpoints e
  WHERE e.enabled = 1 AND e.next_attempt_at <= ? AND (e.lease_owner IS NULL OR e.lease_expires_at <= ?)
    AND e.id NOT IN (SELECT value FROM json_each(?)) AND e.tenant_id NOT IN (SELECT value FROM json_each(?))
    AND (EXISTS (SELECT 1 FROM webhook_replays r WHERE r.endpoint_id = e.id)
      OR e.next_seq <= (SELECT c.outbox_seq FROM event_counters c WHERE c.tenant_id = e.tenant_id))
  ORDER BY e.next_attempt_at LIMIT ?`;

interface AttemptRow {
  id: number; endpoint_id: string; event_id: string; event_seq: number; event_type: string; attempt: number; at: string;
  status: number | null; latency_ms: number; response: string | null; error: string | null; outcome: DeliveryAttempt['outcome'];
}

/** The SQLite webhook operations on one connection's statements (synchronous under the async contract). */
export class SqliteWebhooks implements WebhookStore {
  readonly #s: StatementCache;

  constructor(stmts: StatementCache) {
    this.#s = stmts;
  }

  #row(tenantId: string, id: string): Row | undefined {
    return this.#s.get(`SELECT ${COLUMNS} FROM webhook_endpoints e WHERE e.tenant_id = ? AND e.id = ?`).get(tenantId, id) as Row | undefined;
  }

  async create(e: NewWebhookEndpoint): Promise<WebhookEndpoint> {
    this.#s.get(`INSERT INTO webhook_endpoints (id, tenant_id, url, events, enabled, secret, created_at, updated_at, next_seq, next_attempt_at)
      VALUES (?, ?, ?, ?, 1, ?, ?, ?, coalesce((SELECT outbox_seq FROM event_counters WHERE tenant_id = ?), 0) + 1, ?)`)
      .run(e.id, e.tenantId, e.url, JSON.stringify(e.events), e.secret, e.createdAt, e.createdAt, e.tenantId, e.createdAt);
    return toEndpoint(this.#row(e.tenantId, e.id)!);
  }

  async get(tenantId: string, id: string): Promise<WebhookEndpoint | undefined> {
    const r = this.#row(tenantId, id);
    return r === undefined ? undefined : toEndpoint(r);
  }

  async list(tenantId: string): Promise<WebhookEndpoint[]> {
    return (this.#s.get(`SELECT ${COLUMNS} FROM webhook_endpoints e WHERE e.tenant_id = ? ORDER BY e.id`).all(tenantId) as Row[]).map(toEndpoint);
  }

  async update(tenantId: string, id: string, c: WebhookEndpointChange): Promise<WebhookEndpoint | undefined> {
    const cur = this.#row(tenantId, id);
    if (cur === undefined) return undefined;
    const enabled = c.enabled ?? cur.enabled === 1;
    const reenabled = enabled && cur.enabled === 0;
    const reason = enabled ? null : c.disabledReason !== undefined ? c.disabledReason : cur.disabled_reason;
    this.#s.get(`UPDATE webhook_endpoints SET url = ?, events = ?, enabled = ?, disabled_reason = ?, updated_at = ?,
        attempts = CASE WHEN ? THEN 0 ELSE attempts END,
        failing_since = CASE WHEN ? THEN NULL ELSE failing_since END,
        next_attempt_at = CASE WHEN ? THEN ? ELSE next_attempt_at END
      WHERE tenant_id = ? AND id = ?`)
      .run(c.url ?? cur.url, JSON.stringify(c.events ?? JSON.parse(cur.events)), enabled ? 1 : 0, reason, c.updatedAt,
        reenabled ? 1 : 0, reenabled ? 1 : 0, reenabled ? 1 : 0, c.updatedAt, tenantId, id);
    return toEndpoint(this.#row(tenantId, id)!);
  }

  async rotateSecret(tenantId: string, id: string, sealed: string, previousExpiresAt: string, at: string): Promise<boolean> {
    return this.#s.get(`UPDATE webhook_endpoints SET previous_secret = secret, previous_expires_at = ?, secret = ?, updated_at = ?
      WHERE tenant_id = ? AND id = ?`).run(previousExpiresAt, sealed, at, tenantId, id).changes > 0;
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    return this.#s.get('DELETE FROM webhook_endpoints WHERE tenant_id = ? AND id = ?').run(tenantId, id).changes > 0;
  }

  async eventSeq(tenantId: string, eventId: string): Promise<number | undefined> {
    const r = this.#s.get('SELECT seq FROM outbox_events WHERE id = ? AND tenant_id = ?').get(eventId, tenantId) as { seq: number } | undefined;
    return r?.seq;
  }

  async queueReplay(tenantId: string, id: string, fromSeq: number, toSeq: number): Promise<number> {
    return this.#s.get(`INSERT OR IGNORE INTO webhook_replays (endpoint_id, seq)
      SELECT e.id, o.seq FROM webhook_endpoints e JOIN outbox_events o ON o.tenant_id = e.tenant_id
      WHERE e.tenant_id = ? AND e.id = ? AND o.seq BETWEEN ? AND ?`).run(tenantId, id, fromSeq, toSeq).changes;
  }

  async listAttempts(tenantId: string, id: string, page: { before?: number; limit: number }): Promise<StoredDeliveryAttempt[]> {
    if (this.#row(tenantId, id) === undefined) return [];
    const rows = this.#s.get('SELECT * FROM webhook_deliveries WHERE endpoint_id = ? AND id < ? ORDER BY id DESC LIMIT ?')
      .all(id, page.before ?? Number.MAX_SAFE_INTEGER, page.limit) as AttemptRow[];
    return rows.map((r) => ({
      id: r.id, endpointId: r.endpoint_id, eventId: r.event_id, eventSeq: r.event_seq, eventType: r.event_type, attempt: r.attempt, at: r.at,
      status: r.status, latencyMs: r.latency_ms, response: r.response, error: r.error, outcome: r.outcome,
    }));
  }

  /** Whether any endpoint would be claimed (a read, so an idle poll takes no write lock). */
  hasDue(now: string, exclude: ClaimExclusion): boolean {
    return this.#s.get(DUE).get(now, now, JSON.stringify(exclude.endpoints), JSON.stringify(exclude.tenants), 1) !== undefined;
  }

  async claim(owner: string, now: string, leaseUntil: string, limit: number, exclude: ClaimExclusion): Promise<ClaimedEndpoint[]> {
    // One conditional UPDATE: the lease condition is re-checked on the row it writes.
    const rows = this.#s.get(`UPDATE webhook_endpoints SET lease_owner = ?, lease_expires_at = ?
      WHERE id IN (${DUE}) AND enabled = 1 AND (lease_owner IS NULL OR lease_expires_at <= ?) RETURNING id, tenant_id`)
      .all(owner, leaseUntil, now, now, JSON.stringify(exclude.endpoints), JSON.stringify(exclude.tenants), limit, now) as { id: string; tenant_id: string }[];
    return rows.map((k) => {
      const r = this.#row(k.tenant_id, k.id)!;
      return {
        ...toEndpoint(r), leaseOwner: owner,
        secrets: { current: r.secret, previous: r.previous_secret, previousExpiresAt: r.previous_expires_at },
      };
    });
  }

  async deliveryState(): Promise<WebhookDeliveryState> {
    // An endpoint's head is its lowest owed event of its tenant (per-tenant `seq` follows `gseq`).
    const head = this.#s.get(`SELECT o.gseq, o.occurred_at FROM webhook_endpoints e
        JOIN outbox_events o ON o.tenant_id = e.tenant_id AND o.seq >= e.next_seq
        WHERE e.enabled = 1 ORDER BY o.gseq LIMIT 1`).get() as { gseq: number; occurred_at: string } | undefined;
    const replay = this.#s.get(`SELECT o.gseq, o.occurred_at FROM webhook_replays r
        JOIN webhook_endpoints e ON e.id = r.endpoint_id AND e.enabled = 1
        JOIN outbox_events o ON o.tenant_id = e.tenant_id AND o.seq = r.seq ORDER BY o.gseq LIMIT 1`).get() as { gseq: number; occurred_at: string } | undefined;
    const oldest = [head, replay].filter((r) => r !== undefined).sort((a, b) => a.gseq - b.gseq)[0];
    const { n } = this.#s.get('SELECT count(*) AS n FROM webhook_endpoints WHERE enabled = 1 AND attempts > 0').get() as { n: number };
    return { ...(oldest !== undefined ? { oldestOwed: { gseq: oldest.gseq, occurredAt: oldest.occurred_at } } : {}), retrying: n };
  }

  async nextReplay(id: string): Promise<number | undefined> {
    const r = this.#s.get('SELECT seq FROM webhook_replays WHERE endpoint_id = ? ORDER BY seq LIMIT 1').get(id) as { seq: number } | undefined;
    return r?.seq;
  }

  async skipTo(id: string, owner: string, nextSeq: number): Promise<boolean> {
    return this.#s.get('UPDATE webhook_endpoints SET next_seq = max(next_seq, ?) WHERE id = ? AND lease_owner = ?').run(nextSeq, id, owner).changes > 0;
  }

  async finishHead(id: string, owner: string, h: HeadResult, attempts: readonly DeliveryAttempt[] = []): Promise<boolean> {
    for (const a of attempts) await this.recordAttempt(a);
    const done = h.kind === 'done';
    const ok = this.#s.get(`UPDATE webhook_endpoints SET
        next_seq = CASE WHEN ? AND NOT ? THEN max(next_seq, ? + 1) ELSE next_seq END,
        attempts = ?, next_attempt_at = ?, failing_since = ?, lease_expires_at = ?,
        enabled = CASE WHEN ? IS NULL THEN enabled ELSE 0 END,
        disabled_reason = coalesce(?, disabled_reason)
      WHERE id = ? AND lease_owner = ?`)
      .run(done ? 1 : 0, h.replay ? 1 : 0, h.seq, h.attempts, h.nextAttemptAt, h.failingSince, h.leaseUntil,
        h.disable ?? null, h.disable ?? null, id, owner).changes > 0;
    if (ok && done && h.replay) this.#s.get('DELETE FROM webhook_replays WHERE endpoint_id = ? AND seq = ?').run(id, h.seq);
    return ok;
  }

  async release(id: string, owner: string): Promise<void> {
    this.#s.get('UPDATE webhook_endpoints SET lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_owner = ?').run(id, owner);
  }

  async recordAttempt(a: DeliveryAttempt): Promise<void> {
    const info = this.#s.get(`INSERT INTO webhook_deliveries (endpoint_id, event_id, event_seq, event_type, attempt, at, status, latency_ms, response, error, outcome)
      SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = ?)`)
      .run(a.endpointId, a.eventId, a.eventSeq, a.eventType, a.attempt, a.at, a.status, Math.round(a.latencyMs), a.response, a.error, a.outcome, a.endpointId);
    if (info.changes > 0) {
      this.#s.get(`DELETE FROM webhook_deliveries WHERE endpoint_id = ? AND id <=
        (SELECT id FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`).run(a.endpointId, a.endpointId, ATTEMPTS_KEPT);
    }
  }
}
