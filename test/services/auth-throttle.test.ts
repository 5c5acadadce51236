import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthThrottle, type CountFailure } from '../../src/services/auth-throttle.ts';

/** The store's count, in memory: what storage/auth-failures.ts does in SQL. */
function memoryCount(): CountFailure & { writes: number } {
  const rows = new Map<string, { failures: number; since: number }>();
  const count = (async (key: string, now: number, windowMs: number) => {
    count.writes++;
    const row = rows.get(key);
    const next = !row || row.since <= now - windowMs ? { failures: 1, since: now } : { failures: row.failures + 1, since: row.since };
    rows.set(key, next);
    return next;
  }) as CountFailure & { writes: number };
  count.writes = 0;
  return count;
}

test('pairs of (client, partner name) are counted apart; the block lasts until the window has passed', async () => {
  let now = 1_000_000;
  const throttle = new AuthThrottle(2, 60_000, memoryCount(), () => now);
  assert.equal(await throttle.recordFailure('1.2.3.4', 'shop'), false);
  assert.equal(throttle.isBlocked('1.2.3.4', 'shop'), false);
  assert.equal(await throttle.recordFailure('1.2.3.4', 'shop'), false);
  assert.equal(throttle.isBlocked('1.2.3.4', 'shop'), true);
  assert.equal(throttle.isBlocked('1.2.3.4', 'other shop'), false);
  assert.equal(throttle.isBlocked('1.2.3.5', 'shop'), false);
  // a name and a client that run together are still another pair
  assert.equal(throttle.isBlocked('1.2.3.4s', 'hop'), false);
  now += 60_000;
  assert.equal(throttle.isBlocked('1.2.3.4', 'shop'), false);
});

test('a failure past the limit is reported, so that the request is answered as throttled', async () => {
  const throttle = new AuthThrottle(1, 60_000, memoryCount(), () => 0);
  assert.equal(await throttle.recordFailure('c', 'p'), false);
  assert.equal(await throttle.recordFailure('c', 'p'), true);
});

test('the table of blocked pairs is bounded: the least recently seen go first', async () => {
  const throttle = new AuthThrottle(1, 60_000, memoryCount(), () => 0, 3);
  for (const c of ['a', 'b', 'c']) await throttle.recordFailure(c, 'p');
  assert.equal(throttle.isBlocked('a', 'p'), true); // a is now the most recently seen
  await throttle.recordFailure('d', 'p');
  assert.equal(throttle.size, 3);
  assert.equal(throttle.isBlocked('b', 'p'), false, 'b was the least recently seen');
  assert.equal(throttle.isBlocked('a', 'p'), true);
  assert.equal(throttle.isBlocked('d', 'p'), true);
  for (let i = 0; i < 10_000; i++) await throttle.recordFailure(`x${i}`, 'p');
  assert.equal(throttle.size, 3);
});

test('a request that passes costs no store access; only failures are counted there', async () => {
  const count = memoryCount();
  const throttle = new AuthThrottle(5, 60_000, count, () => 0);
  for (let i = 0; i < 1000; i++) throttle.isBlocked(`client-${i}`, 'shop');
  assert.equal(count.writes, 0);
  await throttle.recordFailure('client-1', 'shop');
  assert.equal(count.writes, 1);
});
