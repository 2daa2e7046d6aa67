/**
 * A FIFO async mutex with a bounded wait queue. `transaction(fn)` awaits `fn`,
 * so without it another request could run statements on the writer connection
 * inside someone else's open transaction; with it, one process has at most one
 * write transaction at a time.
 *
 * The queue is bounded in length and in waiting time (docs/reliability.md RL-8):
 * an unbounded queue turns overload into ever-growing latency and memory, while
 * a refusal (503 with Retry-After, RFC 9110 §15.6.4) lets the client back off.
 */
import { ScimError } from '../../scim/errors.ts';

/** Bounds of the wait queue. */
export interface MutexLimits {
  /** Most acquirers waiting at once (not counting the holder); `Infinity` = unbounded. */
  readonly maxWaiting?: number;
  /** Longest wait in milliseconds; 0 or undefined = no limit. */
  readonly maxWaitMs?: number;
}

interface Waiter {
  readonly grant: (release: () => void) => void;
  timer: NodeJS.Timeout | undefined;
  done: boolean;
}

/** Seconds a refused writer is told to wait before retrying (the header is whole seconds, RFC 9110 §10.2.3). */
export const WRITE_QUEUE_RETRY_AFTER_SECONDS = 1;

/**
 * The error a refused acquirer gets: 503 without scimType (RFC 7644 §3.12 has
 * none for it), carrying the Retry-After the HTTP layer sends (`src/http/render.ts`).
 */
export class WriteQueueFullError extends ScimError {
  readonly retryAfterSeconds = WRITE_QUEUE_RETRY_AFTER_SECONDS;
  constructor(detail: string) {
    super(503, detail);
  }
}

const queueFull = (detail: string): ScimError => new WriteQueueFullError(detail);

export class Mutex {
  readonly #maxWaiting: number;
  readonly #maxWaitMs: number;
  #held = false;
  /** Waiters in arrival order; entries from `#head` on are live or timed out. */
  #queue: Waiter[] = [];
  #head = 0;
  /** Waiters still waiting (timed-out ones leave the count at once). */
  #waiting = 0;

  constructor(limits: MutexLimits = {}) {
    this.#maxWaiting = limits.maxWaiting ?? Infinity;
    this.#maxWaitMs = limits.maxWaitMs ?? 0;
  }

  /** How many acquirers are waiting now. */
  get waiting(): number {
    return this.#waiting;
  }

  /**
   * Resolves with a release function once every earlier holder has released.
   * @throws ScimError 503 (rejected promise) when the queue is full or the wait exceeds `maxWaitMs`.
   *   `bounded: false` waits whatever the limits (closing the store must not be refused).
   */
  acquire(opts: { readonly bounded?: boolean } = {}): Promise<() => void> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve(this.#releaser());
    }
    const bounded = opts.bounded !== false;
    if (bounded && this.#waiting >= this.#maxWaiting) {
      return Promise.reject(queueFull(`Too many writes are waiting (${this.#waiting}); retry later`));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { grant: resolve, timer: undefined, done: false };
      if (bounded && this.#maxWaitMs > 0) {
        waiter.timer = setTimeout(() => {
          waiter.done = true;
          this.#waiting--;
          reject(queueFull(`A write waited more than ${this.#maxWaitMs} ms for its turn; retry later`));
        }, this.#maxWaitMs);
      }
      this.#queue.push(waiter);
      this.#waiting++;
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#next();
    };
  }

  #next(): void {
    while (this.#head < this.#queue.length) {
      const w = this.#queue[this.#head++] as Waiter;
      if (w.done) continue;
      w.done = true;
      this.#waiting--;
      if (w.timer !== undefined) clearTimeout(w.timer);
      this.#compact();
      w.grant(this.#releaser());
      return;
    }
    this.#queue = [];
    this.#head = 0;
    this.#held = false;
  }

  /** Drops consumed entries once they dominate the array (amortised O(1) per waiter). */
  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}
