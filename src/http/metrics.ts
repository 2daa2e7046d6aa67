/**
 * Prometheus metrics (docs/metrics.md) with `prom-client`, in a registry of this Roster
 * (never the library's global one: several Rosters may share a process). Label values
 * are bounded sets — route templates, methods, status codes, identity-provider names,
 * subscriber names chosen by the host — never a tenant id, a user id or a raw path.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { IDPS } from '../domain/tenant.ts';
import type { Store } from '../store/store.ts';
import type { ScimRequestSample } from './route-template.ts';

export type { ScimRequestSample };

/** Lag of one in-process subscriber (docs/embedding.md). */
export interface SubscriberLag {
  readonly name: string;
  /** Events committed and not yet handled. */
  readonly events: number;
  /** Age of the oldest of them (0 when none). */
  readonly seconds: number;
}

/** What the metrics read at scrape time. */
export interface MetricsSources {
  readonly store: Store;
  /** The in-process subscribers' lag (default: none). */
  readonly subscriberLag?: () => Promise<readonly SubscriberLag[]>;
}

/** The metrics of one Roster. */
export interface RosterMetrics {
  /** This Roster's registry: other parts (webhook delivery) register their metrics here. */
  readonly registry: Registry;
  /** Records one SCIM request (the SCIM mount calls it when the answer is finished). */
  observeScim(sample: ScimRequestSample): void;
  /** Counts one finished webhook attempt (the delivery worker calls it). */
  observeWebhookAttempt(outcome: 'delivered' | 'failed' | 'gave_up'): void;
  /** Stops listening to the store. */
  close(): void;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const KNOWN_IDPS = new Set<string>([...IDPS, 'none']);

/** Creates the registry and the metrics (docs/metrics.md lists them). */
export function createMetrics(src: MetricsSources): RosterMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'roster_scim_requests_total', help: 'SCIM requests answered, by route template, method, status and identity provider.',
    labelNames: ['route', 'method', 'status', 'idp'] as const, registers: [registry],
  });
  const duration = new Histogram({
    name: 'roster_scim_request_duration_seconds', help: 'SCIM request latency from the request to the end of the answer.',
    labelNames: ['route', 'method', 'idp'] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry],
  });
  const writeWait = new Histogram({
    name: 'roster_store_write_wait_seconds', help: 'Time a write transaction waited for the writer (SQLite write lock queue); outcome granted or refused (503).',
    labelNames: ['outcome'] as const, buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10], registers: [registry],
  });
  const { store } = src;
  new Gauge({
    name: 'roster_store_write_waiting', help: 'Write transactions waiting for the writer now.', registers: [registry],
    collect() { this.set(store.stats().writeWaiting); },
  });
  new Gauge({
    name: 'roster_store_read_queued', help: 'Reads queued for a reader worker or pooled connection now.', registers: [registry],
    collect() { this.set(store.stats().readQueued); },
  });
  new Gauge({
    name: 'roster_store_readers', help: 'Reader workers or pooled connections open.', registers: [registry],
    collect() { this.set(store.stats().readers); },
  });
  new Gauge({
    name: 'roster_outbox_last_position', help: 'Global position of the last outbox event committed (grows by one per event).', registers: [registry],
    async collect() { this.set((await store.readEventFeed({ after: 0, limit: 1 })).last); },
  });
  const retrying = new Gauge({
    name: 'roster_webhook_retrying_endpoints', help: 'Enabled webhook endpoints whose head event failed and waits for its next attempt (the retry queue).', registers: [],
  });
  // One read per scrape sets both (registered after its sibling is filled).
  registry.registerMetric(new Gauge({
    name: 'roster_outbox_lag_seconds', help: 'Age of the oldest outbox event an enabled webhook endpoint still owes; 0 when none.', registers: [],
    async collect() {
      const s = await store.webhooks.deliveryState();
      this.set(s.oldestOwed === undefined ? 0 : Math.max(0, (Date.now() - Date.parse(s.oldestOwed.occurredAt)) / 1000));
      retrying.set(s.retrying);
    },
  }));
  registry.registerMetric(retrying);
  const deliveries = new Counter({
    name: 'roster_webhook_deliveries_total', help: 'Webhook delivery attempts by outcome (delivered, failed: retried later, gave_up: the last attempt failed).',
    labelNames: ['outcome'] as const, registers: [registry],
  });
  const subAge = new Gauge({
    name: 'roster_event_subscriber_lag_seconds', help: 'Age of the oldest event an in-process subscriber has not handled yet.', labelNames: ['subscriber'] as const, registers: [],
  });
  // Registered after its sibling is filled: one read per scrape sets both.
  registry.registerMetric(new Gauge({
    name: 'roster_event_subscriber_lag_events', help: 'Events committed and not yet handled by an in-process subscriber.', labelNames: ['subscriber'] as const, registers: [],
    async collect() {
      this.reset();
      subAge.reset();
      for (const l of (await src.subscriberLag?.()) ?? []) {
        this.set({ subscriber: l.name }, l.events);
        subAge.set({ subscriber: l.name }, l.seconds);
      }
    },
  }));
  registry.registerMetric(subAge);
  const unobserve = store.observe({ writeWait: (ms, refused) => writeWait.observe({ outcome: refused ? 'refused' : 'granted' }, ms / 1000) });
  return {
    registry,
    observeScim(s) {
      // Bounded labels whatever the client sent: an unknown method or IdP collapses to `other`.
      const method = METHODS.has(s.method) ? s.method : 'other';
      const idp = KNOWN_IDPS.has(s.idp) ? s.idp : 'other';
      const status = s.status >= 100 && s.status < 600 ? String(s.status) : 'other';
      requests.inc({ route: s.route, method, status, idp });
      duration.observe({ route: s.route, method, idp }, s.seconds);
    },
    observeWebhookAttempt(outcome) {
      deliveries.inc({ outcome });
    },
    close() {
      unobserve();
    },
  };
}
