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
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { ClaimedEndpoint, DeliveryAttempt, HeadResult } from '../store/webhooks.ts';
import { attemptDelivery } from './attempt.ts';
import type { AttemptTarget } from './attempt.ts';
import { subscribes } from './event-types.ts';
import { DEFAULT_DISABLE_AFTER_MS, DEFAULT_RETRY_SCHEDULE_MS, retryDelay } from './schedule.ts';
import { SEAL_KEY_NAME, secretBox } from './secrets.ts';
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
  /** Called with each finished attempt's outcome (the metrics' deliveries counter). */
  readonly onAttempt?: (outcome: 'delivered' | 'failed' | 'gave_up') => void;
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
const PER_LEASE = 1000;
/** Delivered events reported in one write at most, and the longest wait before reporting them. */
const FLUSH_EVENTS = 100;
const FLUSH_MS = 250;
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
  // Keep-alive connections, bounded per host and in all (docs/webhooks.md "Delivery and ordering").
  const agentOptions = { keepAlive: true, maxSockets: 4, maxTotalSockets: 256, maxFreeSockets: 64, timeout: o.timeoutMs };
  const agents = { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };
  let ticking = false;
  let again = false;

  const iso = (ms = Date.now()): string => new Date(ms).toISOString();

  /** The secrets that sign now, opened, the current one first. */
  async function openSecrets(ep: ClaimedEndpoint): Promise<string[]> {
    const b = await (box ??= o.store.secret(SEAL_KEY_NAME).then(secretBox));
    const out = [b.open(ep.secrets.current)];
    if (ep.secrets.previous !== null && ep.secrets.previousExpiresAt !== null && ep.secrets.previousExpiresAt > iso()) out.push(b.open(ep.secrets.previous));
    return out;
  }

  /**
   * Delivers the endpoint's events while it holds the lease: queued replays first, then
   * the subscribed events from its cursor, in sequence order. Delivered events are
   * reported to the store in batches (at most `FLUSH_EVENTS`, or every `FLUSH_MS`), each
   * batch one write that records the attempts and moves the cursor past the last: a
   * crash before the write delivers the batch again (at least once). A failure is
   * written at once: the batch before it, then the failed head with its next attempt.
   */
  async function run(ep: ClaimedEndpoint): Promise<void> {
    let cursor = ep.nextSeq;
    let attempts = ep.attempts;
    let failingSince = ep.failingSince;
    let replays = ep.pendingReplays > 0;
    let page: OutboxEvent[] = [];
    let delivered: DeliveryAttempt[] = [];
    let lastFlush = Date.now();
    const headResult = (seq: number, replay: boolean, now: number): HeadResult => ({
      seq, replay, kind: 'done', delivered: true, attempts: 0, failingSince: null, nextAttemptAt: iso(now), leaseUntil: iso(now + leaseMs),
    });
    /** Writes the delivered batch; false when the lease was lost. */
    const flush = async (): Promise<boolean> => {
      lastFlush = Date.now();
      if (delivered.length === 0) return true;
      const last = delivered[delivered.length - 1]!;
      const batch = delivered;
      delivered = [];
      return o.store.webhooks.finishHead(ep.id, ep.leaseOwner, headResult(last.eventSeq, false, lastFlush), batch);
    };
    try {
      const target: AttemptTarget = {
        endpointId: ep.id, url: ep.url, secrets: await openSecrets(ep), timeoutMs: o.timeoutMs,
        allowPrivateNetworks: o.allowPrivateNetworks, signal: stopping.signal, agents,
      };
      for (let n = 0; n < PER_LEASE && !stopping.signal.aborted; n++) {
        let event: OutboxEvent | undefined;
        let replay = false;
        if (replays) {
          const seq = await o.store.webhooks.nextReplay(ep.id);
          if (seq === undefined) replays = false;
          else {
            if (!(await flush())) return;
            [event] = await o.store.listOutboxEvents(ep.tenantId, { afterSeq: seq - 1, limit: 1 });
            if (event?.seq !== seq) {
              // The event is gone (outbox retention): drop it from the queue, keep the endpoint's state.
              const now = Date.now();
              const kept = await o.store.webhooks.finishHead(ep.id, ep.leaseOwner, {
                ...headResult(seq, true, now), delivered: false, attempts, failingSince,
              });
              if (!kept) return;
              continue;
            }
            replay = true;
          }
        }
        if (event === undefined) {
          if (page.length === 0) {
            page = await o.store.listOutboxEvents(ep.tenantId, { afterSeq: cursor - 1, limit: PAGE });
            if (page.length === 0) return;
            const first = page.findIndex((e) => subscribes(ep.events, e.type));
            if (first < 0) {
              cursor = page[page.length - 1]!.seq + 1;
              page = [];
              if (!(await flush()) || !(await o.store.webhooks.skipTo(ep.id, ep.leaseOwner, cursor))) return;
              continue;
            }
            page = page.slice(first).filter((e) => subscribes(ep.events, e.type));
          }
          event = page.shift()!;
        }
        const attempt = attempts + 1;
        const last = retryDelay(attempt, schedule, () => 0.5) === undefined;
        const { res, record } = await attemptDelivery(target, event, attempt, last ? 'gave_up' : 'failed');
        if (record !== undefined) o.onAttempt?.(record.outcome);
        if (record === undefined) return;
        if (res.ok) {
          attempts = 0;
          failingSince = null;
          if (replay) {
            const now = Date.now();
            if (!(await o.store.webhooks.finishHead(ep.id, ep.leaseOwner, headResult(event.seq, true, now), [record]))) return;
          } else {
            cursor = event.seq + 1;
            delivered.push(record);
            if ((delivered.length >= FLUSH_EVENTS || Date.now() - lastFlush >= FLUSH_MS) && !(await flush())) return;
          }
          continue;
        }
        o.logger.warn({ webhook: ep.id, tenantId: ep.tenantId, event: event.id, attempt, status: res.status, error: res.error }, 'Webhook delivery failed');
        if (!(await flush())) return;
        const now = Date.now();
        failingSince ??= iso(now);
        const delay = retryDelay(attempt, schedule, o.random);
        attempts = delay === undefined ? 0 : attempt;
        const disable = now - Date.parse(failingSince) >= disableAfterMs
          ? `Disabled at ${iso(now)}: every delivery attempt failed since ${failingSince} (last: ${res.error ?? `HTTP ${res.status}`})`
          : undefined;
        const kind = delay === undefined ? 'done' : 'retry';
        const kept = await o.store.webhooks.finishHead(ep.id, ep.leaseOwner, {
          seq: event.seq, replay, kind, delivered: false, attempts, failingSince,
          nextAttemptAt: iso(now + (delay ?? 0)), leaseUntil: iso(now + leaseMs), ...(disable !== undefined ? { disable } : {}),
        }, [record]);
        if (disable !== undefined) o.logger.warn({ webhook: ep.id, tenantId: ep.tenantId }, 'Webhook endpoint disabled');
        if (!kept || kind === 'retry' || disable !== undefined) return;
        if (!replay) cursor = event.seq + 1;
        // A given-up event: the held page may hold later events only; they follow.
      }
    } finally {
      // Events delivered before a stop or an error are reported; the lease is given back.
      await flush().catch(() => undefined);
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
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
