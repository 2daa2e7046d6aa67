/**
 * Per-tenant request counters for sync health (docs/audit.md "Sync health"):
 * every authenticated SCIM request is counted in memory (no write per request;
 * lookups run at thousands a second) and the counts are flushed every few
 * seconds in ONE small write (`Store.recordRequestStats`). Error answers keep their
 * SCIM error body, the latest 20 per tenant. The timer is unref'd; a crash loses
 * at most one flush interval of counts.
 */
import type { Store, RequestErrorRecord, RequestHour } from '../store/store.ts';

/** How often the counts are written. */
export const REQUEST_STATS_FLUSH_MS = 2000;
const PENDING_ERRORS = 20;
const MAX_PENDING_TENANTS = 10_000;

/** The in-memory aggregation, flushed to the store. */
export class RequestStats {
  readonly #store: Store;
  readonly #onError: (err: unknown) => void;
  #hours = new Map<string, { tenantId: string; hour: string; requests: number; errors: number; lastAt: string }>();
  #errors = new Map<string, RequestErrorRecord[]>();
  /** API key id → when it last authenticated a request, in ms (docs/scim-api.md "API keys"). */
  #keys = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;

  constructor(store: Store, onError: (err: unknown) => void, flushMs = REQUEST_STATS_FLUSH_MS) {
    this.#store = store;
    this.#onError = onError;
    this.#timer = setInterval(() => void this.flush(), flushMs).unref();
  }

  /** Counts one answered request of the tenant; `errorBody` for a status of 400 or more. */
  note(tenantId: string, status: number, method: string, path: string, errorBody?: unknown): void {
    const at = new Date().toISOString();
    const hour = at.slice(0, 13);
    const key = `${tenantId}\u0000${hour}`;
    let h = this.#hours.get(key);
    if (h === undefined) {
      if (this.#hours.size >= MAX_PENDING_TENANTS) return; // bounded: beyond it, counts wait for the next flush window
      this.#hours.set(key, (h = { tenantId, hour, requests: 0, errors: 0, lastAt: at }));
    }
    h.requests++;
    h.lastAt = at;
    if (status < 400) return;
    h.errors++;
    let list = this.#errors.get(tenantId);
    if (list === undefined) this.#errors.set(tenantId, (list = []));
    list.push({ tenantId, at, status, method, path, body: errorBody ?? null });
    if (list.length > PENDING_ERRORS) list.shift();
  }

  /** Notes that the key authenticated a request now; its last-use time is written with the next flush. */
  noteKey(keyId: string): void {
    if (this.#keys.size >= MAX_PENDING_TENANTS && !this.#keys.has(keyId)) return;
    this.#keys.set(keyId, Date.now());
  }

  /** Writes what was counted since the last flush (one write; nothing when idle). */
  flush(): Promise<void> {
    if (this.#flushing !== undefined) return this.#flushing;
    if (this.#hours.size === 0 && this.#keys.size === 0) return Promise.resolve();
    const hours: RequestHour[] = [...this.#hours.values()];
    const errors = [...this.#errors.values()].flat();
    const keys = [...this.#keys].map(([id, at]) => ({ id, at: new Date(at).toISOString() }));
    this.#hours = new Map();
    this.#errors = new Map();
    this.#keys = new Map();
    const stats = hours.length > 0 ? this.#store.recordRequestStats(hours, errors) : Promise.resolve();
    this.#flushing = stats.then(() => this.#store.touchApiKeys(keys))
      .catch(this.#onError)
      .finally(() => {
        this.#flushing = undefined;
      });
    return this.#flushing;
  }

  /** Stops the timer and writes the rest. */
  async close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#flushing;
    await this.flush();
  }
}
