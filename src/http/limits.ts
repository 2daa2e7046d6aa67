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
}

/** Entries kept before idle ones (full bucket, nothing in flight) are dropped. */
const PRUNE_AT = 10_000;

/** Per-tenant token buckets and in-flight counts, in memory (one process). */
export class TenantLimiter {
  readonly #settings: TenantLimitSettings;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(settings: TenantLimitSettings, now: () => number = () => performance.now()) {
    this.#settings = settings;
    this.#now = now;
  }

  /** Admits one request of `tenantId` (taking a token and an in-flight slot) or refuses it. */
  admit(tenantId: string): Admission {
    const { ratePerSecond, burst, maxInflight } = this.#settings;
    const now = this.#now();
    let b = this.#buckets.get(tenantId);
    if (!b) {
      if (this.#buckets.size >= PRUNE_AT) this.#prune(now);
      b = { tokens: burst, at: now, inflight: 0 };
      this.#buckets.set(tenantId, b);
    }
    if (maxInflight > 0 && b.inflight >= maxInflight) {
      return refuse(`Too many concurrent requests for this tenant (limit ${maxInflight}); retry later`, 1);
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
    const bucket = b;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        bucket.inflight--;
      },
    };
  }

  /** Tenants tracked now (bounded by the number of tenants that called recently). */
  get size(): number {
    return this.#buckets.size;
  }

  #prune(now: number): void {
    const { ratePerSecond, burst } = this.#settings;
    for (const [id, b] of this.#buckets) {
      const full = ratePerSecond === 0 || b.tokens + ((now - b.at) / 1000) * ratePerSecond >= burst;
      if (b.inflight === 0 && full) this.#buckets.delete(id);
    }
  }
}

function refuse(detail: string, retryAfterSeconds: number): Admission {
  return { ok: false, error: tooManyRequests(detail), retryAfterSeconds };
}
