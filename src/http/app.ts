/**
 * The HTTP side of Roster, as the composition root (`src/app/roster.ts`) asks
 * for it: the health, SCIM and admin API mounts behind one router, on the
 * `node:http` transport. Nothing here opens a store or reads the environment.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { SchemaRegistry } from '../scim/schema/types.ts';
import type { Store } from '../store/store.ts';
import { createAdminMount } from './admin-mount.ts';
import type { OperatorVerifier } from './admin-mount.ts';
import { createHealthMounts } from './health-mount.ts';
import type { RosterMetrics } from './metrics.ts';
import { createMetricsMount } from './metrics-mount.ts';
import type { Mount } from './mount.ts';
import { createRouter } from './router.ts';
import { createScimMount } from './scim-mount.ts';
import { createScimHandler } from './scim-routes.ts';
import type { ScimLimits } from './scim-routes.ts';
import { createHttpServer } from './server.ts';
import type { RosterHttpServer } from './server.ts';
import type { ScimHandler } from './types.ts';

/** The SCIM handler's limits, taken from the config table. */
export function scimLimits(config: Config): Partial<ScimLimits> {
  return {
    maxResults: config.maxResults,
    defaultCount: config.defaultPageSize,
    listMaxMembers: config.listMaxMembers,
    maxGroupMembers: config.maxGroupMembers,
    maxOperations: config.maxPatchOperations,
    maxMultiValued: config.maxMultiValued,
    bulkMaxOperations: config.bulkMaxOperations,
    bulkMaxPayloadSize: config.bulkMaxPayloadSize,
    filterMaxLength: config.filterMaxLength,
    filterMaxDepth: config.filterMaxDepth,
  };
}

/** The real SCIM handler (`scim-routes.ts`) with the limits of the config. */
export function createConfiguredScimHandler(config: Config, store: Store, registry: SchemaRegistry): ScimHandler {
  return createScimHandler({ store, registry, limits: scimLimits(config) });
}

/** What the HTTP side is built from. */
export interface HttpAppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: Store;
  readonly scimHandler: ScimHandler;
  /** Operator tokens of the admin API (`admin-mount.ts`). */
  readonly verifyOperator: OperatorVerifier;
  /** More mounts (the console), each at its own prefix. */
  readonly extraMounts?: readonly Mount[];
  /** Prometheus metrics (docs/metrics.md); `/metrics` is mounted here when `config.metricsPort` is 0. */
  readonly metrics?: RosterMetrics;
  readonly publicUrlFor?: (port: number) => string;
  /** Runs once the server has closed every connection (closes the store). */
  readonly onClosed?: () => Promise<void>;
}

/** The mounts, the router and the transport, not yet listening. */
export function createHttpApp(deps: HttpAppDeps): RosterHttpServer {
  const { config, store } = deps;
  const mounts: Mount[] = [
    ...createHealthMounts(() => store.ping()),
    createScimMount({ config, store, scimHandler: deps.scimHandler, ...(deps.metrics !== undefined ? { observe: deps.metrics.observeScim } : {}) }),
    createAdminMount({ config, store, verifyOperator: deps.verifyOperator }),
    ...(deps.metrics !== undefined && config.metricsPort === 0 ? [createMetricsMount(deps.metrics.registry, deps.verifyOperator)] : []),
    ...(deps.extraMounts ?? []),
  ];
  return createHttpServer({
    config,
    logger: deps.logger,
    router: createRouter(mounts),
    ...(deps.publicUrlFor !== undefined ? { publicUrlFor: deps.publicUrlFor } : {}),
    ...(deps.onClosed !== undefined ? { onClosed: deps.onClosed } : {}),
  });
}
