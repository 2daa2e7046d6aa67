/**
 * The storage contract of webhooks (docs/webhooks.md): endpoints per tenant with their
 * sealed signing secrets, each endpoint's delivery state (a cursor into the tenant's
 * outbox, the attempts of the event at its head, a lease) and the recorded attempts.
 * Kept apart from `Store` so another store implements it on its own; the contract
 * suite is `webhooks-contract.test-support.ts`.
 *
 * Leases: `claim` takes endpoints with one conditional UPDATE (an endpoint whose
 * lease is held and not expired is never taken), so one worker at a time delivers an
 * endpoint's events; every later write of the worker names its lease (`owner`) and
 * does nothing once the lease was lost. A worker killed mid-delivery leaves its lease
 * to expire; another worker then claims the endpoint and retries the event.
 */

/** A webhook endpoint as the admin API shows it (no secret). */
export interface WebhookEndpoint {
  readonly id: string;
  readonly tenantId: string;
  readonly url: string;
  /** Event types sent (`*` = all). */
  readonly events: readonly string[];
  readonly enabled: boolean;
  /** Why it was disabled (by the delivery rule or an administrator); null when enabled. */
  readonly disabledReason: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The next outbox sequence number of the tenant to consider. */
  readonly nextSeq: number;
  /** Failed attempts of the event at the head. */
  readonly attempts: number;
  /** Not before this time is the head attempted (again). */
  readonly nextAttemptAt: string;
  /** Since when every attempt failed (null after a success). */
  readonly failingSince: string | null;
  /** Events queued by a replay, not yet delivered. */
  readonly pendingReplays: number;
}

/** The signing secrets, sealed (encrypted by the webhooks layer; the store keeps them opaque). */
export interface SealedSecrets {
  readonly current: string;
  readonly previous: string | null;
  /** The previous secret signs until then (the rotation overlap). */
  readonly previousExpiresAt: string | null;
}

/** An endpoint to create; its cursor starts after the tenant's last outbox event. */
export interface NewWebhookEndpoint {
  readonly id: string;
  readonly tenantId: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly secret: string;
  readonly createdAt: string;
}

/** The fields an administrator may change; `disabledReason` is stored only while disabled. */
export interface WebhookEndpointChange {
  readonly url?: string;
  readonly events?: readonly string[];
  readonly enabled?: boolean;
  readonly disabledReason?: string | null;
  readonly updatedAt: string;
}

/** One delivery attempt (docs/webhooks.md "Deliveries"). */
export interface DeliveryAttempt {
  readonly endpointId: string;
  readonly eventId: string;
  readonly eventSeq: number;
  readonly eventType: string;
  /** 1 for the first attempt of the event. */
  readonly attempt: number;
  readonly at: string;
  /** HTTP status, null when no response came. */
  readonly status: number | null;
  readonly latencyMs: number;
  /** The response body's first bytes (at most 1 KiB). */
  readonly response: string | null;
  readonly error: string | null;
  /** `delivered`, `failed` (will be retried) or `gave_up` (the schedule ended). */
  readonly outcome: 'delivered' | 'failed' | 'gave_up';
}

/** A stored attempt, with its position for paging (newest first). */
export interface StoredDeliveryAttempt extends DeliveryAttempt {
  readonly id: number;
}

/** An endpoint claimed by a worker: its lease and its secrets. */
export interface ClaimedEndpoint extends WebhookEndpoint {
  readonly secrets: SealedSecrets;
  readonly leaseOwner: string;
}

/** What a worker reports after it handled the head event (only while it holds the lease). */
export interface HeadResult {
  /** The event handled and whether it came from the replay queue. */
  readonly seq: number;
  readonly replay: boolean;
  /** `done`: delivered or given up (the cursor moves on); `retry`: attempt again at `nextAttemptAt`. */
  readonly kind: 'done' | 'retry';
  /** Whether the endpoint answered 2xx (clears `failingSince`). */
  readonly delivered: boolean;
  readonly attempts: number;
  readonly nextAttemptAt: string;
  readonly failingSince: string | null;
  /** Keeps the lease until then. */
  readonly leaseUntil: string;
  /** Disables the endpoint with this reason (the delivery rule, docs/webhooks.md "Disabling"). */
  readonly disable?: string;
}

/** What a claim leaves out: endpoints this worker delivers already, tenants at its per-tenant cap. */
export interface ClaimExclusion {
  readonly endpoints: readonly string[];
  readonly tenants: readonly string[];
}

/** What enabled endpoints still owe, across tenants (retention and metrics, docs/webhooks.md). */
export interface WebhookDeliveryState {
  /** The owed event with the lowest global position (`gseq`): an endpoint's head or a queued replay. */
  readonly oldestOwed?: { readonly gseq: number; readonly occurredAt: string };
  /** Enabled endpoints whose head event failed at least once and waits for its next attempt. */
  readonly retrying: number;
}

/** Webhook endpoints, their delivery state and attempts. */
export interface WebhookStore {
  /** What enabled endpoints still owe: events retention must keep, the metrics' lag and retry queue. */
  deliveryState(): Promise<WebhookDeliveryState>;
  create(endpoint: NewWebhookEndpoint): Promise<WebhookEndpoint>;
  get(tenantId: string, id: string): Promise<WebhookEndpoint | undefined>;
  list(tenantId: string): Promise<WebhookEndpoint[]>;
  /** Re-enabling resets the head's attempts and clears the reason; undefined when unknown. */
  update(tenantId: string, id: string, change: WebhookEndpointChange): Promise<WebhookEndpoint | undefined>;
  /** Stores a new current secret; the old one becomes `previous` until `previousExpiresAt`. */
  rotateSecret(tenantId: string, id: string, sealed: string, previousExpiresAt: string, at: string): Promise<boolean>;
  /** Deletes the endpoint with its queue and attempts. */
  delete(tenantId: string, id: string): Promise<boolean>;
  /** The sequence number of the tenant's outbox event with this id. */
  eventSeq(tenantId: string, eventId: string): Promise<number | undefined>;
  /** Queues the tenant's outbox events with `fromSeq <= seq <= toSeq` for redelivery; returns how many. */
  queueReplay(tenantId: string, id: string, fromSeq: number, toSeq: number): Promise<number>;
  /** The endpoint's attempts, newest first, those with id below `before` when given. */
  listAttempts(tenantId: string, id: string, page: { before?: number; limit: number }): Promise<StoredDeliveryAttempt[]>;

  /**
   * Leases at most `limit` enabled endpoints that have something to deliver (a queued
   * replay, or an outbox event at or past their cursor) and whose next attempt is due,
   * whose lease is free or expired, and that `exclude` does not leave out.
   */
  claim(owner: string, now: string, leaseUntil: string, limit: number, exclude: ClaimExclusion): Promise<ClaimedEndpoint[]>;
  /** The lowest queued replay sequence of the endpoint. */
  nextReplay(id: string): Promise<number | undefined>;
  /** Moves the cursor past unsubscribed events (only while `owner` holds the lease); false when the lease was lost. */
  skipTo(id: string, owner: string, nextSeq: number): Promise<boolean>;
  /**
   * Records the head's outcome (see `HeadResult`) and, in the same write, the attempts
   * that led to it (a worker may report several delivered events at once: the cursor
   * moves past the last); false when the lease was lost (the attempts are still recorded).
   */
  finishHead(id: string, owner: string, result: HeadResult, attempts?: readonly DeliveryAttempt[]): Promise<boolean>;
  /** Gives the lease back. */
  release(id: string, owner: string): Promise<void>;
  /** Appends an attempt; keeps the newest 1000 per endpoint. */
  recordAttempt(attempt: DeliveryAttempt): Promise<void>;
}
