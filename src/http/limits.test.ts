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

test('time share: a tenant charged more than its share of the server is refused; a light tenant is not', () => {
  const c = clock();
  // 50 % share, a 1 s bucket: a tenant may use about half of the server over time.
  const l = new TenantLimiter({ ratePerSecond: 0, burst: 1, maxInflight: 0, timeShare: 0.5, timeBurstMs: 1000 }, c.now);
  // A: one request at a time, each 400 ms on the server, while B is active too (a short
  // request of B's every round keeps the server contended).
  let refusedAt = -1;
  for (let i = 0; i < 10 && refusedAt < 0; i++) {
    const bb = l.admit('b');
    if (bb.ok) bb.release();
    const a = l.admit('a');
    if (!a.ok) {
      refusedAt = i;
      assert.equal(a.error.status, 429);
      assert.ok(Number.isInteger(a.retryAfterSeconds) && a.retryAfterSeconds >= 1);
      break;
    }
    c.advance(400);
    a.release();
  }
  assert.ok(refusedAt > 0, `A was refused once its share was spent (after ${refusedAt} requests)`);
  // B sends short requests meanwhile: never refused.
  for (let i = 0; i < 50; i++) {
    const b = l.admit('b');
    assert.equal(b.ok, true, `light tenant refused at request ${i}`);
    c.advance(2);
    if (b.ok) b.release();
    c.advance(20);
  }
  // A earns its time back at the share's pace: after enough idle time it is admitted again.
  c.advance(3000);
  assert.equal(l.admit('a').ok, true);
});

test('time share: requests in flight together share the server, each is charged its part', () => {
  const c = clock();
  const l = new TenantLimiter({ ratePerSecond: 0, burst: 1, maxInflight: 0, timeShare: 0.5, timeBurstMs: 1000 }, c.now);
  // A and B in flight together for 800 ms: each is charged 400 ms (half the thread), not 800.
  const a = l.admit('a');
  const b = l.admit('b');
  c.advance(800);
  assert.ok(a.ok && b.ok);
  if (a.ok) a.release();
  if (b.ok) b.release();
  // 1000 ms bucket − 400 ms + refill (800 ms × 0.5 = 400, capped at 1000): A still has time left.
  assert.equal(l.admit('a').ok, true);
});

test('time share: a tenant that spent most of its time keeps fewer requests in flight', () => {
  const c = clock();
  const l = new TenantLimiter({ ratePerSecond: 0, burst: 1, maxInflight: 8, timeShare: 0.5, timeBurstMs: 1000 }, c.now);
  // Fresh: 8 in flight allowed.
  const fresh = Array.from({ length: 8 }, () => l.admit('b'));
  assert.ok(fresh.every((r) => r.ok));
  for (const r of fresh) if (r.ok) r.release();
  // A runs for 1900 ms: charged 1900, refilled 950 meanwhile → 50 ms of its 1000 ms bucket left.
  const heavy = l.admit('a');
  c.advance(1900);
  if (heavy.ok) heavy.release();
  // B is being served: the server is contended.
  const bIn = l.admit('b');
  assert.equal(bIn.ok, true);
  const first = l.admit('a');
  assert.equal(first.ok, true);
  const second = l.admit('a');
  assert.equal(second.ok, false, 'with 5 % of its bucket left, A keeps one request in flight');
  if (first.ok) first.release();
});

test('time share is work-conserving: a tenant alone may use the whole server, and yields once another arrives', () => {
  const c = clock();
  const l = new TenantLimiter({ ratePerSecond: 0, burst: 1, maxInflight: 4, timeShare: 0.5, timeBurstMs: 1000 }, c.now);
  // A alone: 30 s of back-to-back heavy requests, never refused, always 4 in flight.
  for (let i = 0; i < 30; i++) {
    const batch = Array.from({ length: 4 }, () => l.admit('a'));
    assert.ok(batch.every((r) => r.ok), `alone, A was refused in second ${i}`);
    c.advance(1000);
    for (const r of batch) if (r.ok) r.release();
  }
  // B arrives: A's debt is bounded by one bucket, so it is refused now and admitted again within seconds.
  const b = l.admit('b');
  assert.equal(b.ok, true);
  const a = l.admit('a');
  assert.equal(a.ok, false);
  if (!a.ok) assert.ok(a.retryAfterSeconds <= 5, `Retry-After ${a.retryAfterSeconds}`);
  if (b.ok) b.release();
  c.advance(4100);
  const bAgain = l.admit('b');
  assert.equal(l.admit('a').ok, true);
  if (bAgain.ok) bAgain.release();
});
