import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TenantLimiter } from './limits.ts';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

test('token bucket: a burst is admitted, then refusals say how many whole seconds to wait', () => {
  const c = clock();
  const l = new TenantLimiter({ ratePerSecond: 2, burst: 4, maxInflight: 0 }, c.now);
  for (let i = 0; i < 4; i++) assert.equal(l.admit('a').ok, true);
  const refused = l.admit('a');
  assert.equal(refused.ok, false);
  if (!refused.ok) {
    assert.equal(refused.error.status, 429);
    assert.equal(refused.retryAfterSeconds, 1);
  }
  c.advance(500);
  assert.equal(l.admit('a').ok, true, 'half a second refills one token at 2/s');
  assert.equal(l.admit('a').ok, false);
  assert.equal(l.admit('b').ok, true, 'another tenant has its own bucket');
});

test('Retry-After rounds the refill time up to whole seconds, at least 1', () => {
  const c = clock();
  const l = new TenantLimiter({ ratePerSecond: 1, burst: 1, maxInflight: 0 }, c.now);
  assert.equal(l.admit('a').ok, true);
  c.advance(100);
  const r = l.admit('a');
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.retryAfterSeconds, 1);
  const slow = new TenantLimiter({ ratePerSecond: 1, burst: 1, maxInflight: 0 }, c.now);
  slow.admit('x');
  const s = slow.admit('x');
  if (!s.ok) assert.ok(Number.isInteger(s.retryAfterSeconds) && s.retryAfterSeconds >= 1);
});

test('in-flight limit: refusals until a request releases; release is idempotent', () => {
  const l = new TenantLimiter({ ratePerSecond: 0, burst: 1, maxInflight: 2 });
  const a = l.admit('t');
  const b = l.admit('t');
  assert.ok(a.ok && b.ok);
  const c = l.admit('t');
  assert.equal(c.ok, false);
  if (!c.ok) assert.equal(c.retryAfterSeconds, 1);
  assert.equal(l.admit('u').ok, true, 'another tenant is not affected');
  if (a.ok) {
    a.release();
    a.release();
  }
  assert.equal(l.admit('t').ok, true);
  assert.equal(l.admit('t').ok, false, 'a second release of the same request frees nothing');
});

test('0 turns both limits off', () => {
  const l = new TenantLimiter({ ratePerSecond: 0, burst: 1, maxInflight: 0 });
  for (let i = 0; i < 10_000; i++) assert.equal(l.admit('t').ok, true);
});
