/**
 * The webhook delivery worker (docs/webhooks.md "Delivery"). Every poll it leases the
 * endpoints that have a due event (`WebhookStore.claim`, at most `concurrency` at a
 * time in this process) and delivers each endpoint's events one after the other, in
 * the tenant's sequence order: an endpoint's next event waits until the one before it
 * was delivered (2xx) or given up after the retry schedule. Endpoints are independent:
 * a slow or dead endpoint holds one slot for at most the timeout per attempt and then
 * waits for its retry without a slot, so other tenants' endpoints keep being served.
 *
 * Delivery is at least once: the cursor moves only after the answer, so a process
 * killed between commit and delivery, or mid-request, delivers the event again once
 * its lease expired (`webhook-id` is the event's id: the receiver's idempotency key).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { OutboxEvent, Store } from '../store/store.ts';
import type { ClaimedEndpoint } from '../store/webhooks.ts';
import { postWebhook } from './deliver.ts';
import { subscribes } from './event-types.ts';
import { DEFAULT_DISABLE_AFTER_MS, DEFAULT_RETRY_SCHEDULE_MS, retryDelay } from './schedule.ts';
import { SEAL_KEY_NAME, secretBox, sign } from './secrets.ts';
import type { SecretBox } from './secrets.ts';

/** The worker's settings; tests shorten the schedule. */
export interface WebhookWorkerOptions {
  readonly store: Store;
  readonly logger: Logger;
  readonly pollIntervalMs: number;
  readonly timeoutMs: number;
  readonly allowPrivateNetworks: boolean;
  /** Endpoints delivered at once by this process (default 16). */
  readonly concurrency?: number;
  /** Endpoints of one tenant delivered at once by this process (default 4). */
  readonly perTenant?: number;
  /** Delays after each failed attempt (default `DEFAULT_RETRY_SCHEDULE_MS`). */
  readonly retryScheduleMs?: readonly number[];
  /** Disable an endpoint whose attempts all failed for this long (default 5 days). */
  readonly disableAfterMs?: number;
  readonly random?: () => number;
}

/** A running worker. */
export interface WebhookWorker {
  /** Polls now (e.g. after a commit) instead of at the next interval. */
  wake(): void;
  /** Stops polling, aborts requests in flight and gives their leases back (the events are retried later). */
  stop(): Promise<void>;
}

/** Events read per page while looking for the next subscribed one. */
const PAGE = 100;
/** Events one endpoint delivers per lease before it lets others go first. */
const PER_LEASE = 100;
/** How long an endpoint whose delivery failed unexpectedly (not an attempt: e.g. a secret that does not open) is left alone. */
const COOL_DOWN_MS = 60_000;

/** Starts the worker. */
export function startWebhookWorker(o: WebhookWorkerOptions): WebhookWorker {
  const owner = randomUUID();
  const concurrency = o.concurrency ?? 16;
  const perTenant = o.perTenant ?? 4;
  const schedule = o.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS;
  const disableAfterMs = o.disableAfterMs ?? DEFAULT_DISABLE_AFTER_MS;
  const leaseMs = 2 * o.timeoutMs + 1000;
  /** Endpoint id → its run and tenant. */
  const active = new Map<string, { run: Promise<void>; tenantId: string }>();
  const cooling = new Map<string, number>();
  const stopping = new AbortController();
  let box: Promise<SecretBox> | undefined;
  let ticking = false;
  let again = false;

  const iso = (ms = Date.now()): string => new Date(ms).toISOString();

  async function deliver(ep: ClaimedEndpoint, event: OutboxEvent, attempt: number) {
    const b = await (box ??= o.store.secret(SEAL_KEY_NAME).then(secretBox));
    const body = JSON.stringify({ type: event.type, timestamp: event.occurredAt, tenantId: event.tenantId, sequence: event.seq, data: event.payload });
    const ts = Math.floor(Date.now() / 1000);
    const secrets = [ep.secrets.current];
    if (ep.secrets.previous !== null && ep.secrets.previousExpiresAt !== null && ep.secrets.previousExpiresAt > iso()) secrets.push(ep.secrets.previous);
    const signature = secrets.map((s) => sign(b.open(s), event.id, ts, body)).join(' ');
    const res = await postWebhook({
      url: ep.url, body, timeoutMs: o.timeoutMs, allowPrivateNetworks: o.allowPrivateNetworks, signal: stopping.signal,
      headers: { 'webhook-id': event.id, 'webhook-timestamp': String(ts), 'webhook-signature': signature },
    });
    if (!res.aborted) {
      const failed = !res.ok;
      const gaveUp = failed && retryDelay(attempt, schedule, () => 0.5) === undefined;
      await o.store.webhooks.recordAttempt({
        endpointId: ep.id, eventId: event.id, eventSeq: event.seq, eventType: event.type, attempt, at: iso(), status: res.status,
        latencyMs: res.latencyMs, response: res.response, error: res.error, outcome: !failed ? 'delivered' : gaveUp ? 'gave_up' : 'failed',
      });
      if (failed) o.logger.warn({ webhook: ep.id, tenantId: ep.tenantId, event: event.id, attempt, status: res.status, error: res.error }, 'Webhook delivery failed');
    }
    return res;
  }

  /** The endpoint's next event: a queued replay first, else the first subscribed event at or past the cursor. */
  async function head(ep: ClaimedEndpoint, cursor: number): Promise<{ event: OutboxEvent; replay: boolean } | 'lost' | undefined> {
    for (let replaySeq = await o.store.webhooks.nextReplay(ep.id); replaySeq !== undefined; replaySeq = await o.store.webhooks.nextReplay(ep.id)) {
      const [event] = await o.store.listOutboxEvents(ep.tenantId, { afterSeq: replaySeq - 1, limit: 1 });
      if (event !== undefined && event.seq === replaySeq) return { event, replay: true };
      // The event is gone (outbox retention): drop it from the queue, keep the endpoint's state.
      const now = Date.now();
      const dropped = await o.store.webhooks.finishHead(ep.id, ep.leaseOwner, {
        seq: replaySeq, replay: true, kind: 'done', delivered: false, attempts: ep.attempts, failingSince: ep.failingSince,
        nextAttemptAt: iso(now), leaseUntil: iso(now + leaseMs),
      });
      if (!dropped) return 'lost';
    }
    for (let from = cursor; ; ) {
      const page = await o.store.listOutboxEvents(ep.tenantId, { afterSeq: from - 1, limit: PAGE });
      const event = page.find((e) => subscribes(ep.events, e.type));
      if (event !== undefined) return { event, replay: false };
      if (page.length === 0) return undefined;
      from = page[page.length - 1]!.seq + 1;
      if (!(await o.store.webhooks.skipTo(ep.id, ep.leaseOwner, from))) return 'lost';
    }
  }

  async function run(ep: ClaimedEndpoint): Promise<void> {
    let cursor = ep.nextSeq;
    let attempts = ep.attempts;
    let failingSince = ep.failingSince;
    try {
      for (let n = 0; n < PER_LEASE && !stopping.signal.aborted; n++) {
        const h = await head(ep, cursor);
        if (h === undefined || h === 'lost') return;
        const attempt = attempts + 1;
        const res = await deliver(ep, h.event, attempt);
        if (res.aborted) return;
        const now = Date.now();
        let delay: number | undefined;
        let disable: string | undefined;
        if (res.ok) {
          attempts = 0;
          failingSince = null;
        } else {
          failingSince ??= iso(now);
          delay = retryDelay(attempt, schedule, o.random);
          attempts = delay === undefined ? 0 : attempt;
          if (now - Date.parse(failingSince) >= disableAfterMs) {
            disable = `Disabled at ${iso(now)}: every delivery attempt failed since ${failingSince} (last: ${res.error ?? `HTTP ${res.status}`})`;
          }
        }
        const kind = delay === undefined ? 'done' : 'retry';
        const kept = await o.store.webhooks.finishHead(ep.id, ep.leaseOwner, {
          seq: h.event.seq, replay: h.replay, kind, delivered: res.ok, attempts, failingSince,
          nextAttemptAt: iso(now + (delay ?? 0)), leaseUntil: iso(now + leaseMs), ...(disable !== undefined ? { disable } : {}),
        });
        if (disable !== undefined) o.logger.warn({ webhook: ep.id, tenantId: ep.tenantId }, 'Webhook endpoint disabled');
        if (!kept || kind === 'retry' || disable !== undefined) return;
        if (!h.replay) cursor = h.event.seq + 1;
      }
    } finally {
      await o.store.webhooks.release(ep.id, ep.leaseOwner).catch(() => undefined);
    }
  }

  async function tick(): Promise<void> {
    if (ticking) {
      again = true;
      return;
    }
    ticking = true;
    try {
      do {
        again = false;
        const free = concurrency - active.size;
        if (free <= 0 || stopping.signal.aborted) break;
        const now = Date.now();
        for (const [id, until] of cooling) if (until <= now) cooling.delete(id);
        const perTenantNow = new Map<string, number>();
        for (const a of active.values()) perTenantNow.set(a.tenantId, (perTenantNow.get(a.tenantId) ?? 0) + 1);
        const full = [...perTenantNow].filter(([, n]) => n >= perTenant).map(([t]) => t);
        const claimed = await o.store.webhooks.claim(owner, iso(now), iso(now + leaseMs), free, { endpoints: [...active.keys(), ...cooling.keys()], tenants: full });
        for (const ep of claimed) {
          // One claim may take several endpoints of a tenant: past its cap they go back at once.
          const n = (perTenantNow.get(ep.tenantId) ?? 0) + 1;
          if (n > perTenant) {
            await o.store.webhooks.release(ep.id, ep.leaseOwner);
            again = true;
            continue;
          }
          perTenantNow.set(ep.tenantId, n);
          const p = run(ep)
            .catch((e: unknown) => {
              cooling.set(ep.id, Date.now() + COOL_DOWN_MS);
              if (!stopping.signal.aborted) o.logger.error({ webhook: ep.id, err: e }, 'Webhook worker error');
            })
            .finally(() => {
              active.delete(ep.id);
              if (!stopping.signal.aborted) void tick();
            });
          active.set(ep.id, { run: p, tenantId: ep.tenantId });
        }
      } while (again);
    } catch (e) {
      if (!stopping.signal.aborted) o.logger.error({ err: e }, 'Webhook poll failed');
    } finally {
      ticking = false;
    }
  }

  const timer = setInterval(() => void tick(), o.pollIntervalMs);
  timer.unref();
  void tick();
  return {
    wake: () => void tick(),
    async stop() {
      clearInterval(timer);
      stopping.abort();
      while (ticking) await new Promise((r) => setTimeout(r, 5));
      await Promise.all([...active.values()].map((a) => a.run));
    },
  };
}
