import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isScimError } from '../../scim/errors.ts';
import { Mutex, WriteQueueFullError } from './mutex.ts';

test('holders run one at a time, in arrival order', async () => {
  const m = new Mutex();
  const order: number[] = [];
  let inside = 0;
  await Promise.all(
    [0, 1, 2, 3].map(async (i) => {
      const release = await m.acquire();
      inside++;
      assert.equal(inside, 1);
      order.push(i);
      await sleep(1);
      inside--;
      release();
    }),
  );
  assert.deepEqual(order, [0, 1, 2, 3]);
});

test('past maxWaiting an acquirer is refused with 503 and a whole-second Retry-After', async () => {
  const m = new Mutex({ maxWaiting: 2 });
  const first = await m.acquire();
  const waiting = [m.acquire(), m.acquire()];
  assert.equal(m.waiting, 2);
  await assert.rejects(m.acquire(), (e) => e instanceof WriteQueueFullError && isScimError(e) && e.status === 503 && e.retryAfterSeconds >= 1);
  first();
  (await waiting[0]!)();
  (await waiting[1]!)();
  assert.equal(m.waiting, 0);
  (await m.acquire())();
});

test('a waiter past maxWaitMs is refused and leaves the queue; the lock goes to the next one', async () => {
  const m = new Mutex({ maxWaitMs: 20 });
  const first = await m.acquire();
  const late = m.acquire();
  await assert.rejects(late, (e) => e instanceof WriteQueueFullError);
  assert.equal(m.waiting, 0);
  const next = m.acquire();
  first();
  const release = await next;
  release();
  release(); // a second release is ignored
  (await m.acquire())();
});

test('bounded: false waits whatever the limits (closing the store)', async () => {
  const m = new Mutex({ maxWaiting: 0, maxWaitMs: 5 });
  const first = await m.acquire();
  await assert.rejects(m.acquire());
  const closer = m.acquire({ bounded: false });
  await sleep(20);
  first();
  (await closer)();
});
