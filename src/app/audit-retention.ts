/**
 * The audit retention pruner (docs/audit.md "Retention"): every so often, deletes
 * the audit rows older than `--audit-retention`, 500 at a time, each batch its own
 * short write transaction (the writer is free between batches). Pruning is not a
 * directory change: it writes no audit row and no event. Its timer is unref'd, so
 * it never keeps the process alive.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';

/** Rows deleted per write transaction. */
export const AUDIT_PRUNE_BATCH = 500;

/** A running pruner. */
export interface AuditPruner {
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
  /** Runs one pass now (all batches); resolves with the rows deleted. */
  runOnce(): Promise<number>;
}

/** How often a pass runs: a quarter of the retention, from 1 second to 1 hour. */
export function pruneIntervalMs(retentionMs: number): number {
  return Math.min(Math.max(Math.floor(retentionMs / 4), 1000), 3_600_000);
}

/**
 * A retention pruner: every `pruneIntervalMs(retentionMs)` (not at start: a pass then would
 * take a place in the write queue while the server warms up, RL-8), `prepare` is asked what
 * the pass may delete, then `prune(before, batch, prepared)` runs until a batch comes back
 * short, yielding to queued writers between batches. Shared by the audit and the outbox.
 */
export function startRetentionPruner<P>(opts: {
  retentionMs: number; logger: Logger; what: string; batch: number; now?: () => number;
  prepare: () => Promise<P>; prune: (before: string, batch: number, prepared: P) => Promise<number>;
}): AuditPruner {
  const { retentionMs, logger, batch } = opts;
  const now = opts.now ?? Date.now;
  let running: Promise<number> | undefined;
  let stopped = false;
  const pass = async (): Promise<number> => {
    const before = new Date(now() - retentionMs).toISOString();
    const prepared = await opts.prepare();
    let total = 0;
    for (;;) {
      if (stopped) break;
      const n = await opts.prune(before, batch, prepared);
      total += n;
      if (n < batch) break;
      await new Promise((r) => setImmediate(r)); // let queued writers in between batches
    }
    if (total > 0) logger.info({ pruned: total, before }, `${opts.what}: old rows deleted`);
    return total;
  };
  const runOnce = (): Promise<number> => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };
  let timer: NodeJS.Timeout | undefined;
  if (retentionMs > 0) {
    const tick = (): void => {
      runOnce()
        .catch((err: unknown) => logger.error({ err }, `${opts.what} pass failed`))
        .finally(() => {
          if (!stopped) timer = setTimeout(tick, pruneIntervalMs(retentionMs)).unref();
        });
    };
    timer = setTimeout(tick, pruneIntervalMs(retentionMs)).unref();
  }
  return {
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running?.catch(() => undefined);
    },
    runOnce,
  };
}

/** Starts pruning; `retentionMs` 0 keeps everything (no timer). */
export function startAuditPruner(opts: { store: Store; retentionMs: number; logger: Logger; now?: () => number }): AuditPruner {
  return startRetentionPruner({
    ...opts, what: 'audit retention', batch: AUDIT_PRUNE_BATCH,
    prepare: async () => undefined, prune: (before, n) => opts.store.pruneAuditEvents(before, n),
  });
}
