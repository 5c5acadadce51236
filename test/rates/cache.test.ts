import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type Big from 'big.js';
import { RateCache } from '../../src/rates/cache.ts';
import { Dec } from '../../src/domain/money.ts';
import { failure, type Failure } from '../../src/domain/errors.ts';
import { err, ok, type Result } from '../../src/domain/result.ts';
import type { Pair, RateSource } from '../../src/rates/types.ts';

const MIN = 60_000;

/** A source whose answers the test sets; it can be held until released. */
class ScriptedSource implements RateSource {
  calls = 0;
  reply: Result<Partial<Record<Pair, Big>>> = err(failure('rate_unavailable', { detail: 'not set' }));
  throws: Error | null = null;
  private gate: Promise<void> | null = null;
  private release: (() => void) | null = null;

  constructor(readonly name: string) {}

  set(rates: Partial<Record<Pair, string>>): void {
    const values: Partial<Record<Pair, Big>> = {};
    for (const [pair, text] of Object.entries(rates)) values[pair as Pair] = Dec(text);
    this.reply = ok(values);
  }

  fail(detail = 'down'): void {
    this.reply = err(failure('rate_unavailable', { detail }));
  }

  hold(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }

  open(): void {
    this.release?.();
    this.gate = null;
  }

  async fetch() {
    this.calls++;
    if (this.gate) await this.gate;
    if (this.throws) throw this.throws;
    return this.reply;
  }
}

function setup(options: { maxAgeMs?: number; refreshAfterMs?: number } = {}) {
  let t = 1_000_000;
  const hub = new ScriptedSource('hub');
  const backup = new ScriptedSource('backup');
  const failures: Array<[string, Failure]> = [];
  const cache = new RateCache({
    sources: [hub, backup],
    maxAgeMs: options.maxAgeMs ?? 60 * MIN,
    refreshAfterMs: options.refreshAfterMs ?? 5 * MIN,
    now: () => t,
    onFailure: (source, f) => failures.push([source, f]),
  });
  return { cache, hub, backup, failures, advance: (ms: number) => (t += ms), now: () => t };
}

function rates(result: Result<{ rates: Partial<Record<Pair, Big>> }>): Record<string, string> {
  if (!result.ok) assert.fail(`expected rates, got ${result.error.detail}`);
  return Object.fromEntries(Object.entries(result.value.rates).map(([k, v]) => [k, v.toFixed()]));
}

test('an empty cache fetches on demand and reports what it used', async () => {
  const { cache, hub, backup, now } = setup();
  hub.set({ GBYTE_USD: '8.5', BTC_USD: '85000' });
  backup.set({ EUR_USD: '1.04' });
  const result = await cache.current(['GBYTE_USD', 'EUR_USD']);
  assert.deepEqual(rates(result), { GBYTE_USD: '8.5', EUR_USD: '1.04' });
  assert.ok(result.ok);
  assert.deepEqual(result.value.sources, { GBYTE_USD: 'hub', EUR_USD: 'backup' });
  assert.equal(result.value.asOf.getTime(), now());
  assert.equal(hub.calls, 1);
});

test('fresh values are served without asking again', async () => {
  const { cache, hub, advance } = setup();
  hub.set({ GBYTE_USD: '8.5' });
  await cache.current(['GBYTE_USD']);
  advance(5 * MIN);
  await cache.current(['GBYTE_USD']);
  assert.equal(hub.calls, 1);
});

test('past refreshAfterMs the cached value is served at once and a refresh starts', async () => {
  const { cache, hub, advance, now } = setup();
  hub.set({ GBYTE_USD: '8.5' });
  await cache.current(['GBYTE_USD']);
  const firstFetch = now();
  advance(5 * MIN + 1);
  hub.set({ GBYTE_USD: '9' });
  hub.hold();
  const served = await cache.current(['GBYTE_USD']);
  assert.deepEqual(rates(served), { GBYTE_USD: '8.5' });
  assert.equal(served.ok && served.value.asOf.getTime(), firstFetch);
  assert.equal(hub.calls, 2);
  hub.open();
  await cache.refresh();
  assert.deepEqual(rates(await cache.current(['GBYTE_USD'])), { GBYTE_USD: '9' });
});

test('a failing source keeps its last good value until maxAgeMs, then it is unavailable', async () => {
  const { cache, hub, failures, advance } = setup();
  hub.set({ GBYTE_USD: '8.5' });
  await cache.current(['GBYTE_USD']);
  hub.fail('hub unreachable');
  advance(59 * MIN);
  assert.deepEqual(rates(await cache.current(['GBYTE_USD'])), { GBYTE_USD: '8.5' });
  await cache.refresh();
  assert.equal(failures.filter(([source]) => source === 'hub').at(-1)?.[1].detail, 'hub unreachable');
  advance(MIN + 1);
  const gone = await cache.current(['GBYTE_USD']);
  assert.ok(!gone.ok);
  assert.equal(gone.error.code, 'rate_unavailable');
  assert.equal(gone.error.message, 'exchange rate unavailable');
  assert.match(gone.error.detail ?? '', /no GBYTE_USD rate/);
});

test('the next source stands in when the preferred one is too old, and steps back when it recovers', async () => {
  const { cache, hub, backup, advance } = setup();
  hub.set({ GBYTE_USD: '8.5' });
  backup.set({ GBYTE_USD: '8.4' });
  const both = await cache.current(['GBYTE_USD']);
  assert.equal(both.ok && both.value.sources.GBYTE_USD, 'hub');
  hub.fail();
  advance(61 * MIN);
  const fallback = await cache.current(['GBYTE_USD']);
  assert.deepEqual(rates(fallback), { GBYTE_USD: '8.4' });
  assert.equal(fallback.ok && fallback.value.sources.GBYTE_USD, 'backup');
  hub.set({ GBYTE_USD: '8.6' });
  await cache.refresh();
  assert.deepEqual(rates(await cache.current(['GBYTE_USD'])), { GBYTE_USD: '8.6' });
});

test('asOf is the oldest of the pairs used, and a value is as old as the moment it was asked for', async () => {
  const { cache, hub, backup, advance, now } = setup();
  hub.set({ GBYTE_USD: '8.5' });
  backup.set({ EUR_USD: '1.04' });
  await cache.refresh();
  const first = now();
  advance(MIN);
  backup.fail();
  hub.hold();
  const pending = cache.refresh();
  advance(MIN);
  hub.open();
  await pending;
  const result = await cache.current(['GBYTE_USD', 'EUR_USD']);
  assert.ok(result.ok);
  assert.equal(result.value.asOf.getTime(), first);
  const status = cache.status();
  assert.equal(status[0]?.rates.GBYTE_USD?.fetchedAt.getTime(), first + MIN);
  assert.equal(status[1]?.rates.EUR_USD?.fetchedAt.getTime(), first);
  assert.equal(status[1]?.lastFailure?.failure.code, 'rate_unavailable');
  assert.equal(status[0]?.lastFailure, null);
});

test('a pair nobody gives is unavailable; the others do not mask it', async () => {
  const { cache, hub } = setup();
  hub.set({ GBYTE_USD: '8.5' });
  const result = await cache.current(['GBYTE_USD', 'RUB_USD']);
  assert.ok(!result.ok);
  assert.match(result.error.detail ?? '', /RUB_USD/);
});

test('concurrent callers share one round of fetches', async () => {
  const { cache, hub, backup } = setup();
  hub.set({ GBYTE_USD: '8.5' });
  hub.hold();
  const all = Promise.all([cache.current(['GBYTE_USD']), cache.current(['GBYTE_USD']), cache.refresh()]);
  hub.open();
  const [a, b] = await all;
  assert.ok(a.ok && b.ok);
  assert.equal(hub.calls, 1);
  assert.equal(backup.calls, 1);
});

test('a source that throws is recorded as internal and does not stop the others', async () => {
  const { cache, hub, backup, failures } = setup();
  hub.throws = new Error('bug');
  backup.set({ GBYTE_USD: '8.4' });
  assert.deepEqual(rates(await cache.current(['GBYTE_USD'])), { GBYTE_USD: '8.4' });
  assert.equal(failures[0]?.[1].code, 'internal');
  assert.match(failures[0]?.[1].detail ?? '', /hub threw: bug/);
});

test('non-positive values and unknown pairs from a source are not stored', async () => {
  const { cache, hub } = setup();
  hub.reply = ok({ GBYTE_USD: Dec('0'), BTC_USD: Dec('-5'), ['XAU_USD' as Pair]: Dec('2000'), EUR_USD: Dec('1.1') });
  await cache.refresh();
  assert.deepEqual(Object.keys(cache.status()[0]?.rates ?? {}), ['EUR_USD']);
});

test('source names must be distinct', () => {
  const a = new ScriptedSource('same');
  assert.throws(() => new RateCache({ sources: [a, new ScriptedSource('same')] }), /distinct names/);
});

test('start() refreshes now and on the interval; stop() ends it', async () => {
  const hub = new ScriptedSource('hub');
  hub.set({ GBYTE_USD: '8.5' });
  const cache = new RateCache({ sources: [hub], intervalMs: 20 });
  cache.start();
  cache.start();
  assert.equal(hub.calls, 1);
  // Poll rather than sleep a fixed time: the machine may be busy.
  const deadline = Date.now() + 5000;
  while (hub.calls < 3 && Date.now() < deadline) await sleep(10);
  cache.stop();
  const calls = hub.calls;
  assert.ok(calls >= 3, `${calls} calls`);
  await sleep(100);
  assert.equal(hub.calls, calls);
  assert.ok((await cache.current(['GBYTE_USD'])).ok);
});
