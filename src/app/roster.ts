/**
 * The composition root: builds Roster from its config — the store (through the
 * store factory), the directory (schema registry and SCIM handler), the tenants
 * service and the HTTP mounts — and nothing else does. The CLI (`roster serve`)
 * and the library entry (`src/index.ts`) start here (docs/architecture.md).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { createConfiguredScimHandler, createHttpApp } from '../http/app.ts';
import type { OperatorVerifier } from '../http/admin-mount.ts';
import { createLogger } from '../http/logging.ts';
import { createMetrics } from '../http/metrics.ts';
import type { RosterMetrics } from '../http/metrics.ts';
import { createMetricsServer } from '../http/metrics-mount.ts';
import type { Mount } from '../http/mount.ts';
import type { ListeningAddress, RosterHttpServer } from '../http/server.ts';
import type { ScimHandler } from '../http/types.ts';
import { defaultRegistry } from '../scim/schema/registry.ts';
import type { SchemaRegistry } from '../scim/schema/types.ts';
import { notifyAfterCommit } from '../store/after-commit.ts';
import type { Store } from '../store/store.ts';
import { startWebhookWorker } from '../webhooks/worker.ts';
import type { WebhookWorkerOptions } from '../webhooks/worker.ts';
import { startAuditPruner } from './audit-retention.ts';
import { startOutboxPruner } from './events-retention.ts';
import { createEventDispatcher } from './subscriptions.ts';
import type { EventHandler, SubscribeOptions, Subscription } from './subscriptions.ts';
import { storeOperatorVerifier } from './operator-tokens.ts';
import { openStoreFromConfig } from './store-factory.ts';
import { createTenantsService } from './tenants-service.ts';
import type { TenantsService } from './tenants-service.ts';

export { createLogger };

/** Replaceable parts; everything left out is built from the config. */
export interface RosterParts {
  /** Default: JSON lines to stdout at `config.logLevel`. */
  readonly logger?: Logger;
  /** Default: `openStoreFromConfig(config)`; a given store is closed by `close()` too. */
  readonly store?: Store;
  /** Replaces the real SCIM handler behind the SCIM mount (transport tests). */
  readonly scimHandler?: ScimHandler;
  /**
   * Operator tokens of the admin API (`/api/v1`): a constant-time verifier from the
   * host application. Default: the store's tokens (`roster admin-token create`).
   */
  readonly verifyOperator?: OperatorVerifier;
  /** More HTTP mounts (the console), each at its own prefix. */
  readonly mounts?: readonly Mount[];
  /** Public base URL from the listening port when `config.publicUrl` is unset. */
  readonly publicUrlFor?: (port: number) => string;
  /** Webhook retry schedule and disabling rule (tests shorten them; docs/webhooks.md). */
  readonly webhooks?: Pick<WebhookWorkerOptions, 'retryScheduleMs' | 'disableAfterMs' | 'concurrency' | 'perTenant'>;
}

/** The directory: the schemas and the SCIM use cases behind the SCIM mount. */
export interface DirectoryServices {
  readonly registry: SchemaRegistry;
  /** SCIM requests of an authenticated tenant (RFC 7644), through its identity-provider profile. */
  readonly scimHandler: ScimHandler;
}

/** One Roster, built and ready to serve. */
export interface Roster {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: Store;
  readonly directory: DirectoryServices;
  readonly tenants: TenantsService;
  /** Prometheus metrics (docs/metrics.md); undefined with `--metrics off`. Register more in `metrics.registry`. */
  readonly metrics: RosterMetrics | undefined;
  /** The transport (its own `node:http` server, not yet listening). */
  readonly http: RosterHttpServer;
  /** Every mount behind one `(req, res)` listener, for a host application's `node:http` server. */
  readonly requestListener: (req: IncomingMessage, res: ServerResponse) => void;
  /** Starts Roster's own server on `config.host:config.port` (and the metrics listener when `--metrics-port` is set). */
  listen(): Promise<ListeningAddress>;
  /** The public base URL (`--public-url`, else `http://localhost:<port>`). */
  publicUrl(): string;
  /**
   * A durable in-process subscriber of the outbox (docs/embedding.md "Events in process"):
   * at least once, in commit order, its cursor advanced after `handler` resolves.
   */
  subscribe(opts: SubscribeOptions, handler: EventHandler): Subscription;
  /** `handler` for events of `type` (`*` = all), on the subscriber named `default`. */
  on(type: string, handler: EventHandler): Subscription;
  /** Graceful shutdown (docs/reliability.md CF-6): drains requests, stops the subscribers, then closes the store. */
  close(): Promise<void>;
}

/** Builds Roster from `config`. Opening the store is the only I/O before `listen()`. */
export async function createRoster(config: Config, parts: RosterParts = {}): Promise<Roster> {
  const logger = parts.logger ?? createLogger({ level: config.logLevel });
  const opened = parts.store ?? (await openStoreFromConfig(config));
  // The metrics are built further down; the worker reports each attempt to them once they exist.
  let onAttempt: ((outcome: 'delivered' | 'failed' | 'gave_up') => void) | undefined;
  const webhooks = config.webhooks
    ? startWebhookWorker({
      store: opened, logger, pollIntervalMs: config.webhooksPollIntervalMs, timeoutMs: config.webhooksTimeoutMs,
      allowPrivateNetworks: config.webhooksAllowPrivateNetworks, ...parts.webhooks, onAttempt: (outcome) => onAttempt?.(outcome),
    })
    : undefined;
  // Writes of this process wake the worker at once (src/store/after-commit.ts).
  const store = webhooks === undefined ? opened : notifyAfterCommit(opened, () => webhooks.wake());
  const registry = defaultRegistry;
  const scimHandler = parts.scimHandler ?? createConfiguredScimHandler(config, store, registry);
  const pruner = startAuditPruner({ store, retentionMs: config.auditRetentionMs, logger });
  // docs/events.md "Retention": never an event an enabled webhook endpoint still owes (whichever
  // process delivers it), so a slow or failing endpoint loses nothing while it is retried.
  const outboxPruner = startOutboxPruner({
    store, retentionMs: config.eventsRetentionMs, logger, keepFrom: [async () => (await store.webhooks.deliveryState()).oldestOwed?.gseq],
  });
  const events = createEventDispatcher({ store, logger, pollMs: config.eventsPollIntervalMs, stopTimeoutMs: config.shutdownTimeoutMs });
  const metrics = config.metrics ? createMetrics({ store, subscriberLag: () => events.lag() }) : undefined;
  if (metrics !== undefined) onAttempt = (outcome) => metrics.observeWebhookAttempt(outcome);
  const metricsServer = metrics !== undefined && config.metricsPort > 0
    ? createMetricsServer(metrics.registry, (err) => logger.error({ err }, 'metrics scrape failed'))
    : undefined;
  const http = createHttpApp({
    config,
    logger,
    store,
    scimHandler,
    verifyOperator: parts.verifyOperator ?? storeOperatorVerifier(store),
    ...(metrics !== undefined ? { metrics } : {}),
    ...(parts.mounts !== undefined ? { extraMounts: parts.mounts } : {}),
    ...(parts.publicUrlFor !== undefined ? { publicUrlFor: parts.publicUrlFor } : {}),
    onClosed: async () => {
      // In-flight webhook requests are abandoned and their leases given back: retried later (docs/webhooks.md).
      await webhooks?.stop();
      await metricsServer?.close();
      metrics?.close();
      await events.close();
      await pruner.stop();
      await outboxPruner.stop();
      await store.close();
    },
  });
  return {
    config,
    logger,
    store,
    directory: { registry, scimHandler },
    tenants: createTenantsService(store, config, () => http.publicUrl()),
    http,
    requestListener: http.requestListener,
    metrics,
    listen: async () => {
      const addr = await http.listen();
      try {
        await metricsServer?.listen(config.metricsPort, config.metricsHost);
      } catch (e) {
        // Both or neither: a Roster whose metrics port is taken does not half-start.
        await new Promise<void>((resolve) => http.server.close(() => resolve()));
        throw new Error(`the metrics listener (--metrics-port) on ${config.metricsHost}:${config.metricsPort}: ${(e as Error).message}`);
      }
      return addr;
    },
    publicUrl: () => http.publicUrl(),
    subscribe: (opts, handler) => events.subscribe(opts, handler),
    on: (type, handler) => events.on(type, handler),
    close: () => http.close(),
  };
}
