/**
 * The outbox retention pruner (docs/events.md "Retention"): every so often, deletes
 * the outbox events older than `--events-retention`, 500 at a time, each batch its own
 * short write transaction, delivered or not — but only the oldest: what stays is
 * always a suffix of the global order (`Store.pruneOutboxEvents`), so a feed cursor
 * older than it gets 410 `cursor_expired` instead of a silent gap.
 *
 * `keepFrom` is the hook for whoever still needs old rows (webhook deliveries not yet
 * done): it answers the lowest global position (`gseq`) still needed, and nothing
 * from it on is pruned. Like the audit pruner (`audit-retention.ts`) it writes no
 * audit row or event, and its timer is unref'd.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';
import { pruneIntervalMs } from './audit-retention.ts';
import type { AuditPruner } from './audit-retention.ts';

/** Rows deleted per write transaction. */
export const OUTBOX_PRUNE_BATCH = 500;

/** Answers the lowest `gseq` some reader still needs (undefined: none). */
export type OutboxKeepFrom = () => Promise<number | undefined>;

/** Starts pruning; `retentionMs` 0 keeps every event forever (no timer). */
export function startOutboxPruner(opts: {
  store: Store; retentionMs: number; logger: Logger; now?: () => number; keepFrom?: readonly OutboxKeepFrom[];
}): AuditPruner {
  const { store, retentionMs, logger } = opts;
  const now = opts.now ?? Date.now;
  let running: Promise<number> | undefined;
  let stopped = false;
  const pass = async (): Promise<number> => {
    const before = new Date(now() - retentionMs).toISOString();
    let keepFrom: number | undefined;
    for (const k of opts.keepFrom ?? []) {
      const v = await k();
      if (v !== undefined) keepFrom = Math.min(keepFrom ?? v, v);
    }
    let total = 0;
    for (;;) {
      if (stopped) break;
      const n = await store.pruneOutboxEvents(before, OUTBOX_PRUNE_BATCH, keepFrom);
      total += n;
      if (n < OUTBOX_PRUNE_BATCH) break;
      await new Promise((r) => setImmediate(r)); // let queued writers in between batches
    }
    if (total > 0) logger.info({ pruned: total, before }, 'events retention: old outbox events deleted');
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
        .catch((err: unknown) => logger.error({ err }, 'events retention pass failed'))
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
