/**
 * Per-tenant fairness limits (docs/reliability.md LD-2): a token bucket for the
 * request rate and a count of requests in flight. Both are keyed on the
 * authenticated tenant, never on the remote address or `X-Forwarded-For`
 * (there is no trusted proxy), so one tenant's load or a stranger's
 * unauthenticated requests never spend another tenant's budget.
 *
 * A refusal is a 429 (RFC 6585 §4) whose `Retry-After` is whole seconds
 * (RFC 9110 §10.2.3; Okta reads it only as an integer) and whose body is a
 * SCIM error without scimType (RFC 7644 §3.12 defines none for 429).
 */
import { performance } from 'node:perf_hooks';
import { tooManyRequests } from '../scim/errors.ts';
import type { ScimError } from '../scim/errors.ts';

/** The limits of one tenant; 0 turns a limit off. */
export interface TenantLimitSettings {
  /** Sustained requests per second. */
  readonly ratePerSecond: number;
  /** Bucket size: requests that may arrive at once. */
  readonly burst: number;
  /** Requests being served at the same time. */
  readonly maxInflight: number;
  /**
   * Share of the server's time one tenant may use over time (0–1; 0 = off): the
   * tenant's requests are charged the server time they occupied, and a tenant past
   * its share gets 429 until it has earned the time back.
   */
  readonly timeShare?: number;
  /** Server time (ms) a tenant may use at once before its share applies. */
  readonly timeBurstMs?: number;
}

/** The outcome of `admit`: a release to call when the request ends, or a refusal. */
export type Admission =
  | { readonly ok: true; readonly release: () => void }
  | { readonly ok: false; readonly error: ScimError; readonly retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms, monotonic). */
  at: number;
  inflight: number;
  /** Server time (ms) the tenant may still use; negative = owed. */
  time: number;
  /** When `time` was last refilled (ms, monotonic). */
  timeAt: number;
}

/** How recently another tenant must have been admitted for the time share to apply. */
const ACTIVE_WINDOW_MS = 1000;

/** Entries kept before idle ones (full bucket, nothing in flight) are dropped. */
const PRUNE_AT = 10_000;

/** Per-tenant token buckets and in-flight counts, in memory (one process). */
export class TenantLimiter {
  readonly #settings: TenantLimitSettings;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();
  /**
   * The server's time as each request sees it under processor sharing: it grows by
   * dt / n while n requests are in flight (all of Roster's work, SQLite included,
   * runs on one thread). A request is charged the growth between its start and end:
   * its share of the thread, not the time it spent waiting behind others.
   */
  #shared = 0;
  #sharedAt = 0;
  #inflight = 0;
  /** Tenants admitted within `ACTIVE_WINDOW_MS`, oldest first (re-inserted on each admission). */
  readonly #recent = new Map<string, number>();

  constructor(settings: TenantLimitSettings, now: () => number = () => performance.now()) {
    this.#settings = settings;
    this.#now = now;
  }

  /** Admits one request of `tenantId` (taking a token and an in-flight slot) or refuses it. */
  admit(tenantId: string): Admission {
    const { ratePerSecond, burst, maxInflight } = this.#settings;
    const share = this.#settings.timeShare ?? 0;
    const timeBurst = this.#settings.timeBurstMs ?? 0;
    const now = this.#now();
    this.#advance(now);
    let b = this.#buckets.get(tenantId);
    if (!b) {
      if (this.#buckets.size >= PRUNE_AT) this.#prune(now);
      b = { tokens: burst, at: now, inflight: 0, time: timeBurst, timeAt: now };
      this.#buckets.set(tenantId, b);
    }
    if (share > 0) {
      b.time = Math.min(timeBurst, b.time + (now - b.timeAt) * share);
      b.timeAt = now;
    }
    // The share is work-conserving: it applies only while another tenant is being
    // served or was admitted within the last second. A tenant alone (an initial sync at
    // night) may use the whole server; it is still charged, with its debt bounded by
    // one bucket, so it yields within seconds once another tenant arrives.
    const contended = share > 0 && this.#othersActive(tenantId, b, now);
    // A tenant that has spent most of its time bucket keeps fewer requests in flight
    // (down to one), so its queued work cannot stand many deep in front of another
    // tenant's request; a tenant with time to spare keeps the whole limit.
    const allowed = maxInflight > 0 && contended ? Math.max(1, Math.ceil((maxInflight * Math.max(0, b.time)) / timeBurst)) : maxInflight;
    if (allowed > 0 && b.inflight >= allowed) {
      return refuse(`Too many concurrent requests for this tenant (limit ${allowed} now, ${maxInflight} at most); retry later`, 1);
    }
    if (contended) {
      if (b.time <= 0) {
        const seconds = Math.max(1, Math.ceil((-b.time / share + 1) / 1000));
        return refuse(`This tenant used more than its share of the server's time (${Math.round(share * 100)}%); retry later`, seconds);
      }
    }
    if (ratePerSecond > 0) {
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * ratePerSecond);
      b.at = now;
      if (b.tokens < 1) {
        const seconds = Math.max(1, Math.ceil((1 - b.tokens) / ratePerSecond));
        return refuse(`Too many requests for this tenant (limit ${ratePerSecond} per second); retry later`, seconds);
      }
      b.tokens -= 1;
    }
    b.inflight++;
    this.#inflight++;
    if (share > 0) {
      this.#recent.delete(tenantId);
      this.#recent.set(tenantId, now);
    }
    const bucket = b;
    const startShared = this.#shared;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.#advance(this.#now());
        bucket.inflight--;
        this.#inflight--;
        if (share > 0) bucket.time = Math.max(-timeBurst, bucket.time - (this.#shared - startShared));
      },
    };
  }

  /** Whether a tenant other than `tenantId` has requests in flight or was admitted recently. */
  #othersActive(tenantId: string, b: Bucket, now: number): boolean {
    if (this.#inflight - b.inflight > 0) return true;
    for (const [id, at] of this.#recent) {
      if (now - at <= ACTIVE_WINDOW_MS) break;
      this.#recent.delete(id);
    }
    return this.#recent.size - (this.#recent.has(tenantId) ? 1 : 0) > 0;
  }

  /** Brings the shared clock up to `now`. */
  #advance(now: number): void {
    if (this.#inflight > 0) this.#shared += (now - this.#sharedAt) / this.#inflight;
    this.#sharedAt = now;
  }

  /** Tenants tracked now (bounded by the number of tenants that called recently). */
  get size(): number {
    return this.#buckets.size;
  }

  #prune(now: number): void {
    const { ratePerSecond, burst } = this.#settings;
    for (const [id, b] of this.#buckets) {
      const full = ratePerSecond === 0 || b.tokens + ((now - b.at) / 1000) * ratePerSecond >= burst;
      const share = this.#settings.timeShare ?? 0;
      const owes = share > 0 && b.time + (now - b.timeAt) * share < (this.#settings.timeBurstMs ?? 0);
      if (b.inflight === 0 && full && !owes) this.#buckets.delete(id);
    }
  }
}

function refuse(detail: string, retryAfterSeconds: number): Admission {
  return { ok: false, error: tooManyRequests(detail), retryAfterSeconds };
}
