/**
 * In-process subscriptions (docs/embedding.md "Events in process"): a host application
 * embedding Roster gets the outbox's events in its own process, at least once, in the
 * global commit order of the feed (docs/events.md).
 *
 * Each subscriber has a name and a durable cursor in the store (`Store.subscribers`, a
 * global feed position). Its loop reads the feed after the cursor, calls the handler
 * for each event in turn and moves the cursor only once the handler has resolved; a
 * handler that throws gets the same event again after an exponential back-off with
 * jitter, for as long as it takes (later events wait: order is kept). It wakes at
 * once after a commit of this process (`Store.observe`) and polls otherwise, so writes
 * from another process sharing the database are seen too. A crash between a handler's
 * success and the cursor's write means that event comes again: consumers deduplicate
 * by the envelope's `id`.
 *
 * `on(type, handler)` is sugar: every `on` handler belongs to the one subscriber named
 * `default`, which reads every type and calls each handler whose type matches.
 */
import type { Logger } from 'pino';
import { FEED_DEFAULT_LIMIT, FeedExpiredError, FeedPositionUnknownError, readFeed, toEnvelope } from '../directory/event-feed.ts';
import type { EventEnvelope } from '../directory/event-feed.ts';
import type { Store } from '../store/store.ts';

/** Handles one event; resolve when done, throw (reject) to have it again later. */
export type EventHandler = (event: EventEnvelope) => unknown;

/** Called with what went wrong: a handler that threw (with its event and attempt), or events missed. */
export type SubscriptionErrorHandler = (error: unknown, event: EventEnvelope | undefined, attempt: number) => void;

/** A durable subscriber. */
export interface SubscribeOptions {
  /** Stable name: the cursor is stored under it, so a restart resumes where it stopped (1–200 characters). */
  readonly name: string;
  /** Only these types (default: every type); the cursor still moves past the others. */
  readonly types?: readonly string[];
  /**
   * Where a subscriber seen for the first time starts: `now` (default: the events
   * committed after this call) or `oldest` (every event retention kept). A known
   * subscriber always resumes from its stored cursor.
   */
  readonly from?: 'now' | 'oldest';
  /** Told about handler failures and missed events (default: logged). */
  readonly onError?: SubscriptionErrorHandler;
}

/** A running subscriber. */
export interface Subscription {
  readonly name: string;
  /** Resolves once the subscriber has handled every event committed before this call; rejects if it stops first. */
  caughtUp(): Promise<void>;
  /** Stops it: waits for the handler in progress (bounded), stores the cursor. */
  stop(): Promise<void>;
}

/** Back-off before retry `attempt` (1, 2, …): 100 ms doubling up to 30 s, with ±50 % jitter. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 100 * 2 ** Math.min(attempt - 1, 20));
  return Math.round(base * (0.5 + random()));
}

/** The subscribers of one Roster. */
export interface EventDispatcher {
  subscribe(opts: SubscribeOptions, handler: EventHandler): Subscription;
  /** Adds `handler` for `type` (`*` = every type) to the `default` subscriber (`from: 'now'` the first time). */
  on(type: string, handler: EventHandler): Subscription;
  /** Each running subscriber's backlog: events after its cursor and the age of the oldest (docs/metrics.md). */
  lag(): Promise<{ name: string; events: number; seconds: number }[]>;
  /** Stops every subscriber (the composition root calls it before closing the store). */
  close(): Promise<void>;
}

/** The name `on` handlers share. */
export const DEFAULT_SUBSCRIBER = 'default';
const NAME = /^[\w.:-]{1,200}$/;

/** Creates the dispatcher: `pollMs` is how often a subscriber looks for other processes' commits. */
export function createEventDispatcher(opts: { store: Store; logger: Logger; pollMs: number; stopTimeoutMs: number }): EventDispatcher {
  const { store, logger } = opts;
  const running = new Map<string, Runner>();
  const unobserve = store.observe({ committed: () => { for (const r of running.values()) r.wake(); } });
  const handlers: { type: string; handler: EventHandler }[] = [];
  let defaultSub: Subscription | undefined;

  const subscribe = (o: SubscribeOptions, handler: EventHandler): Subscription => {
    if (!NAME.test(o.name)) throw new TypeError('subscriber name: 1–200 letters, digits, "_", ".", ":" or "-"');
    if (running.has(o.name)) throw new TypeError(`a subscriber named "${o.name}" is already running`);
    const runner = new Runner(store, logger, o, handler, opts.pollMs, opts.stopTimeoutMs, () => running.delete(o.name));
    running.set(o.name, runner);
    return runner;
  };

  return {
    subscribe,
    on(type, handler) {
      const entry = { type, handler };
      handlers.push(entry);
      defaultSub ??= subscribe({ name: DEFAULT_SUBSCRIBER }, async (event) => {
        // Each matching handler once per delivery; a throw retries the event for all of them (at least once).
        for (const h of [...handlers]) if (h.type === '*' || h.type === event.type) await h.handler(event);
      });
      const sub = defaultSub;
      return {
        name: DEFAULT_SUBSCRIBER,
        caughtUp: () => sub.caughtUp(),
        async stop() {
          const i = handlers.indexOf(entry);
          if (i >= 0) handlers.splice(i, 1);
          if (handlers.length === 0 && defaultSub === sub) {
            defaultSub = undefined;
            await sub.stop();
          }
        },
      };
    },
    async lag() {
      const out: { name: string; events: number; seconds: number }[] = [];
      for (const r of running.values()) {
        const cursor = r.position;
        if (cursor === undefined) continue;
        const page = await store.readEventFeed({ after: cursor, limit: 1 });
        const oldest = page.events[0];
        out.push({ name: r.name, events: Math.max(0, page.last - cursor), seconds: oldest === undefined ? 0 : Math.max(0, (Date.now() - Date.parse(oldest.occurredAt)) / 1000) });
      }
      return out;
    },
    async close() {
      unobserve();
      await Promise.all([...running.values()].map((r) => r.stop()));
    },
  };
}

/** Waits `ms` or until woken; the timer keeps the process alive only while someone awaits `caughtUp()`. */
const sleep = (ms: number, signal: Signal, keepAlive: boolean): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(done, ms);
    if (!keepAlive) t.unref();
    function done(): void {
      clearTimeout(t);
      signal.wake = undefined;
      signal.timer = undefined;
      resolve();
    }
    signal.wake = done;
    signal.timer = t;
  });

/** Wakes a sleep early; `timer` is the sleep's, so a later `caughtUp()` can keep the process alive through it. */
interface Signal {
  wake?: () => void;
  timer?: NodeJS.Timeout;
}

class Runner implements Subscription {
  readonly name: string;
  #cursor: number | undefined;
  #stored: number | undefined;
  #stopped = false;
  #woken = false;
  readonly #signal: Signal = {};
  /** Woken only by stop(): a commit must not cut a retry's back-off short. */
  readonly #retrySignal: Signal = {};
  readonly #loop: Promise<void>;
  readonly #waiters: { upTo: number; resolve: () => void; reject: (e: Error) => void }[] = [];

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly opts: SubscribeOptions,
    private readonly handler: EventHandler,
    private readonly pollMs: number,
    private readonly stopTimeoutMs: number,
    private readonly onStopped: () => void,
  ) {
    this.name = opts.name;
    // `now` is the moment of subscribe(): read the end of the feed before any later commit can pass it.
    const start = store.readEventFeed({ after: 0, limit: 1 }).then((p) => (opts.from === 'oldest' ? p.firstKept - 1 : p.last));
    start.catch(() => undefined); // unused (and its failure moot) when the subscriber is known; #run reports it otherwise
    this.#loop = this.#run(start).catch((err: unknown) => logger.error({ err, subscriber: this.name }, 'event subscriber stopped on an error'));
  }

  /** The last position handled (undefined before the subscriber started). */
  get position(): number | undefined {
    return this.#cursor;
  }

  wake(): void {
    this.#woken = true;
    this.#signal.wake?.();
  }

  #error(error: unknown, event: EventEnvelope | undefined, attempt: number): void {
    if (this.opts.onError !== undefined) {
      try {
        this.opts.onError(error, event, attempt);
      } catch { /* the error handler's own failure is not ours to retry */ }
    } else {
      this.logger.error({ err: error, subscriber: this.name, eventId: event?.id, eventType: event?.type, attempt }, 'event subscriber: handler failed; retrying');
    }
  }

  async #persist(): Promise<void> {
    if (this.#cursor === undefined || this.#cursor === this.#stored) return;
    const c = this.#cursor;
    await this.store.subscribers.set(this.name, c);
    this.#stored = c;
  }

  #settle(): void {
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const w = this.#waiters[i]!;
      if (this.#cursor !== undefined && this.#cursor >= w.upTo) {
        this.#waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  async #run(start: Promise<number>): Promise<void> {
    const known = await this.store.subscribers.get(this.name);
    this.#cursor = known ?? (await start);
    this.#stored = known;
    await this.#persist(); // a new subscriber's starting point is durable at once
    let failures = 0;
    while (!this.#stopped) {
      this.#woken = false;
      let page;
      try {
        page = await readFeed(this.store, { after: this.#cursor, ...(this.opts.types !== undefined ? { types: this.opts.types } : {}), limit: FEED_DEFAULT_LIMIT });
        failures = 0;
      } catch (e) {
        if (this.#stopped) break;
        if (e instanceof FeedExpiredError) {
          // Retention pruned events this subscriber never saw (docs/events.md "Retention"): say so, go on from the oldest kept.
          this.#error(e, undefined, 0);
          this.#cursor = e.firstKept - 1;
          continue;
        }
        if (e instanceof FeedPositionUnknownError) {
          // The stored cursor is past the last event: the database was restored from an older copy. Say so, and
          // go on from its end, so the events written from now on (which reuse those positions) are not skipped.
          this.#error(e, undefined, 0);
          this.#cursor = (await this.store.readEventFeed({ after: 0, limit: 1 })).last;
          this.#stored = undefined;
          continue;
        }
        this.#error(e, undefined, ++failures);
        await sleep(retryDelayMs(failures), this.#signal, this.#waiters.length > 0);
        continue;
      }
      for (const stored of page.events) {
        const event = toEnvelope(stored);
        for (let attempt = 1; !this.#stopped; attempt++) {
          try {
            await this.handler(event);
            break;
          } catch (e) {
            this.#error(e, event, attempt);
            if (attempt === 1) await this.#persist().catch(() => undefined); // what succeeded so far stays done
            await sleep(retryDelayMs(attempt), this.#retrySignal, this.#waiters.length > 0);
          }
        }
        if (this.#stopped) break;
        this.#cursor = stored.gseq;
      }
      if (!this.#stopped && !page.hasMore) this.#cursor = Math.max(this.#cursor, page.next);
      await this.#persist().catch((err: unknown) => this.logger.error({ err, subscriber: this.name }, 'event subscriber: cursor not stored'));
      this.#settle();
      if (!this.#stopped && !page.hasMore && !this.#woken) await sleep(this.pollMs, this.#signal, this.#waiters.length > 0);
    }
    await this.#persist().catch(() => undefined);
  }

  async caughtUp(): Promise<void> {
    const upTo = (await this.store.readEventFeed({ after: 0, limit: 1 })).last;
    if (this.#stopped) throw new Error(`subscriber "${this.name}" is stopped`);
    await new Promise<void>((resolve, reject) => {
      this.#waiters.push({ upTo, resolve, reject });
      // Someone now awaits this subscriber: a back-off already running must keep the process alive too.
      this.#retrySignal.timer?.ref();
      this.#settle();
      this.wake();
    });
  }

  async stop(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#signal.wake?.();
      this.#retrySignal.wake?.();
      this.onStopped();
      for (const w of this.#waiters.splice(0)) w.reject(new Error(`subscriber "${this.name}" stopped`));
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#loop, new Promise((r) => { timer = setTimeout(r, this.stopTimeoutMs).unref(); })]);
    clearTimeout(timer);
  }
}
