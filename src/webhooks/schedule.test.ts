import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RETRY_SCHEDULE_MS, JITTER, retryDelay } from './schedule.ts';

describe('webhook retry schedule (docs/webhooks.md "Retries")', () => {
  it('retries first within 30 s and last after about 3 days, then gives up', () => {
    const first = retryDelay(1, DEFAULT_RETRY_SCHEDULE_MS, () => 1)!;
    assert.ok(first <= 30_000, `first retry after ${first} ms`);
    const total = DEFAULT_RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0);
    assert.ok(total >= 2.5 * 86_400_000 && total <= 3.5 * 86_400_000, `last retry after ${total / 3_600_000} h`);
    assert.equal(retryDelay(DEFAULT_RETRY_SCHEDULE_MS.length + 1, DEFAULT_RETRY_SCHEDULE_MS), undefined);
  });

  it('grows and stays within the jitter bounds', () => {
    let prev = 0;
    for (let i = 1; i <= DEFAULT_RETRY_SCHEDULE_MS.length; i++) {
      const base = DEFAULT_RETRY_SCHEDULE_MS[i - 1]!;
      assert.ok(base >= prev);
      prev = base;
      for (const r of [0, 0.5, 0.999]) {
        const d = retryDelay(i, DEFAULT_RETRY_SCHEDULE_MS, () => r)!;
        assert.ok(d >= base * (1 - JITTER) - 1 && d <= base * (1 + JITTER) + 1);
      }
    }
  });
});
