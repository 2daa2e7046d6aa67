/**
 * The event feed (docs/events.md): the outbox read as an ordered, resumable stream,
 * one tenant's by its `sequence` or every tenant's by the global commit order. The
 * admin API (`GET /api/v1/events`, `…/tenants/{id}/events`) and the in-process
 * subscribers (docs/embedding.md) both read through here, so both see the same
 * envelope and the same expiry rule: a position older than what retention kept is
 * an error, never a silent gap.
 */
import type { FeedEvent, Store } from '../store/store.ts';

/** Default and largest page of the feed. */
export const FEED_DEFAULT_LIMIT = 100;
export const FEED_MAX_LIMIT = 1000;

/** One event as the feed, the subscribers and the client see it (docs/events.md "Envelope"). */
export interface EventEnvelope {
  /** Globally unique and stable: the idempotency key of a consumer. */
  readonly id: string;
  /** `user.created`, `role.member_added` … (docs/events.md "Event types"). */
  readonly type: string;
  readonly tenantId: string;
  /** Per tenant, strictly increasing, gap-free (retention removes only the oldest). */
  readonly sequence: number;
  /** ISO 8601 UTC, when the change was made. */
  readonly occurredAt: string;
  /** The platform-side view of the change (docs/audit.md "Events"); never a secret. */
  readonly payload: unknown;
}

/** The envelope of a stored event. */
export function toEnvelope(e: FeedEvent): EventEnvelope {
  return { id: e.id, type: e.type, tenantId: e.tenantId, sequence: e.seq, occurredAt: e.occurredAt, payload: e.payload };
}

/** The reader's position is older than the oldest event kept (docs/events.md "Retention"). */
export class FeedExpiredError extends Error {
  /** The oldest position still kept. */
  readonly firstKept: number;
  constructor(firstKept: number) {
    super('The cursor points before the oldest event kept (--events-retention); events were pruned since');
    this.name = 'FeedExpiredError';
    this.firstKept = firstKept;
  }
}

/** The position is past the last event ever written: not from this database. */
export class FeedPositionUnknownError extends Error {
  constructor() {
    super('The cursor is past the last event of this server');
    this.name = 'FeedPositionUnknownError';
  }
}

/** What to read. */
export interface FeedRead {
  /** One tenant's feed (positions are its `sequence`); absent = all tenants (positions are the global order). */
  readonly tenantId?: string;
  /** The last position the reader has; absent = from the oldest event kept. */
  readonly after?: number;
  readonly types?: readonly string[];
  readonly limit: number;
}

/** One page: the events, the position to resume from, whether more are waiting now. */
export interface FeedResult {
  readonly events: readonly FeedEvent[];
  /** Where to resume (always present: at the end of the feed, the last position read). */
  readonly next: number;
  readonly hasMore: boolean;
  /** The feed holds nothing for this tenant and never did. */
  readonly empty: boolean;
}

/** The position of an event in the feed it was read from. */
export const positionOf = (e: FeedEvent, tenantFeed: boolean): number => (tenantFeed ? e.seq : e.gseq);

/**
 * Reads one page. Rows and bounds come from one snapshot of the store, so the answer
 * is exact: every committed event exactly once, in order, across pages.
 * @throws FeedExpiredError when `after` is older than retention kept; FeedPositionUnknownError past the end.
 */
export async function readFeed(store: Store, q: FeedRead): Promise<FeedResult> {
  const tenantFeed = q.tenantId !== undefined;
  const page = await store.readEventFeed({
    ...(q.tenantId !== undefined ? { tenantId: q.tenantId } : {}),
    after: q.after ?? 0,
    ...(q.types !== undefined && q.types.length > 0 ? { types: q.types } : {}),
    limit: q.limit,
  });
  if (q.after !== undefined) {
    if (q.after > page.last) throw new FeedPositionUnknownError();
    if (q.after + 1 < page.firstKept) throw new FeedExpiredError(page.firstKept);
  }
  const hasMore = page.events.length === q.limit;
  const lastRead = page.events.length > 0 ? positionOf(page.events[page.events.length - 1]!, tenantFeed) : undefined;
  // A short page read everything up to `last` (filtered by type or not): resume from there.
  const next = hasMore ? lastRead! : Math.max(page.last, q.after ?? 0);
  return { events: page.events, next, hasMore, empty: page.last === 0 };
}
