/**
 * The retry schedule of webhook deliveries (docs/webhooks.md "Retries"): after the
 * first failed attempt of an event the next comes 5 s later, then after 5 min, 30 min,
 * 2 h, 5 h, 10 h, 10 h, 10 h, 14 h and 20 h, each delay jittered by ±10 % so endpoints
 * failing together do not retry together: 11 attempts over about 3 days. After the
 * last the event is given up and the endpoint moves on to its next event.
 */

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;

/** Delays after the 1st, 2nd … failed attempt of one event (ms). */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = Object.freeze([5 * S, 5 * MIN, 30 * MIN, 2 * H, 5 * H, 10 * H, 10 * H, 10 * H, 14 * H, 20 * H]);

/** An endpoint whose every attempt failed for this long is disabled (docs/webhooks.md "Disabling"). */
export const DEFAULT_DISABLE_AFTER_MS = 5 * 24 * H;

/** Jitter as a fraction of the delay, either way. */
export const JITTER = 0.1;

/**
 * The delay before the next attempt after `failed` failed attempts (1-based), or
 * undefined when the schedule is over (give the event up).
 */
export function retryDelay(failed: number, schedule: readonly number[], random: () => number = Math.random): number | undefined {
  const base = schedule[failed - 1];
  if (base === undefined) return undefined;
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}
