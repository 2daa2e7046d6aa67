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
import { startRetentionPruner } from './audit-retention.ts';
import type { AuditPruner } from './audit-retention.ts';

/** Rows deleted per write transaction. */
export const OUTBOX_PRUNE_BATCH = 500;

/** Answers the lowest `gseq` some reader still needs (undefined: none). */
export type OutboxKeepFrom = () => Promise<number | undefined>;

/** Starts pruning; `retentionMs` 0 keeps every event forever (no timer). */
export function startOutboxPruner(opts: {
  store: Store; retentionMs: number; logger: Logger; now?: () => number; keepFrom?: readonly OutboxKeepFrom[];
}): AuditPruner {
  return startRetentionPruner({
    ...opts, what: 'events retention', batch: OUTBOX_PRUNE_BATCH,
    // The lowest position any reader still needs, asked once per pass.
    prepare: async () => {
      let keepFrom: number | undefined;
      for (const k of opts.keepFrom ?? []) {
        const v = await k();
        if (v !== undefined) keepFrom = Math.min(keepFrom ?? v, v);
      }
      return keepFrom;
    },
    prune: (before, n, keepFrom) => opts.store.pruneOutboxEvents(before, n, keepFrom),
  });
}
