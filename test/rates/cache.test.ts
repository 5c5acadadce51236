import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { RateCache, type RateEvent, type RateSnapshot } from '../../src/rates/cache.ts';
import { Dec } from '../../src/domain/money.ts';
import { failure, type Failure } from '../../src/domain/errors.ts';
import { err, ok, type Result } from '../../src/domain/result.ts';
import type { Pair, Quotes, RateSource } from '../../src/rates/types.ts';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;

/** A source whose answers the test sets, each value with its own time; it can be held until released. */
class ScriptedSource implements RateSource {
  calls = 0;
  reply: Result<Quotes> = err(failure('rate_unavailable', { detail: 'not set' }));
  throws: Error | null = null;
  private gate: Promise<void> | null = null;
  private release: (() => void) | null = null;

  constructor(readonly name: string) {}

  /** Values as of `at` (the source's own time). */
  set(rates: Partial<Record<Pair, string>>, at: number): void {
    const quotes: Quotes = {};
    for (const [pair, text] of Object.entries(rates)) quotes[pair as Pair] = { value: Dec(text), at };
    this.reply = ok(quotes);
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

const AGES: Record<Pair, number> = { GBYTE_USD: 15 * MIN, GBYTE_BTC: 15 * MIN, BTC_USD: 15 * MIN, EUR_USD: 5 * DAY, RUB_USD: 5 * DAY };

function setup(options: { lastUsed?: ConstructorParameters<typeof RateCache>[0]['lastUsed'] } = {}) {
  let t = 1_000_000_000;
  const oracle = new ScriptedSource('oracle');
  const hub = new ScriptedSource('hub');
  const failures: Array<[string, Failure]> = [];
  const events: RateEvent[] = [];
  const cache = new RateCache({
    sources: [oracle, hub],
    maxAgeMs: (pair) => AGES[pair],
    refreshAfterMs: 5 * MIN,
    intervalMs: MIN,
    now: () => t,
    onFailure: (source, f) => failures.push([source, f]),
    onEvent: (e) => events.push(e),
    ...(options.lastUsed ? { lastUsed: options.lastUsed } : {}),
  });
  return { cache, oracle, hub, failures, events, advance: (ms: number) => (t += ms), now: () => t };
}

function rates(result: Result<RateSnapshot>): Record<string, string> {
  if (!result.ok) assert.fail(`expected rates, got ${result.error.detail}`);
  return Object.fromEntries(Object.entries(result.value.rates).map(([k, v]) => [k, v.toFixed()]));
}

function unavailable(result: Result<RateSnapshot>): string {
  if (result.ok) assert.fail(`expected rate_unavailable, got ${JSON.stringify(rates(result))}`);
  assert.equal(result.error.code, 'rate_unavailable');
  assert.equal(result.error.message, 'exchange rate unavailable');
  return result.error.detail ?? '';
}

test('an empty cache fetches on demand; each pair tells its source, the source own time, and what checked it', async () => {
  const { cache, oracle, hub, now } = setup();
  oracle.set({ GBYTE_USD: '8.5' }, now() - 4 * MIN);
  hub.set({ GBYTE_USD: '8.6', EUR_USD: '1.04' }, now());
  const result = await cache.current(['GBYTE_USD', 'EUR_USD']);
  assert.deepEqual(rates(result), { GBYTE_USD: '8.5', EUR_USD: '1.04' });
  assert.ok(result.ok);
  assert.deepEqual(result.value.sources.GBYTE_USD, {
    value: '8.5', source: 'oracle', at: now() - 4 * MIN, checked_with: [{ source: 'hub', value: '8.6', at: now() }],
  });
  assert.equal(result.value.sources.EUR_USD?.source, 'hub');
  assert.equal(result.value.asOf.getTime(), now() - 4 * MIN);
  assert.equal(oracle.calls, 1);
});

test("staleness counts from the source's own time: a feed the oracle stopped posting ages though it is read again", async () => {
  const { cache, oracle, advance, now } = setup();
  const posted = now();
  oracle.set({ GBYTE_USD: '8.5' }, posted);
  assert.deepEqual(rates(await cache.current(['GBYTE_USD'])), { GBYTE_USD: '8.5' });
  advance(15 * MIN);
  await cache.refresh();
  assert.deepEqual(rates(await cache.current(['GBYTE_USD'])), { GBYTE_USD: '8.5' }, 'exactly at its age it is still used');
  advance(1);
  assert.match(unavailable(await cache.current(['GBYTE_USD'])), /no GBYTE_USD rate: none within its age \(900000 ms\)/);
  assert.ok(oracle.calls >= 3, 'it was asked again, and answered the same old unit');
  assert.equal(cache.status().pairs[0]?.state, 'stale');
  oracle.set({ GBYTE_USD: '8.5' }, now());
  await cache.refresh();
  assert.deepEqual(rates(await cache.current(['GBYTE_USD'])), { GBYTE_USD: '8.5' });
});

test('each pair has its own age: a weekend-old ECB rate is used, a minutes-old GBYTE rate is not', async () => {
  const { cache, oracle, hub, advance, now } = setup();
  // a Friday reference rate on Monday night: 3 days old
  hub.set({ EUR_USD: '1.0412' }, now() - 3 * DAY);
  oracle.set({ GBYTE_USD: '8.5' }, now() - 16 * MIN);
  assert.deepEqual(rates(await cache.current(['EUR_USD'])), { EUR_USD: '1.0412' });
  assert.match(unavailable(await cache.current(['GBYTE_USD'])), /GBYTE_USD/);
  // the same document, still the latest, two days later (a long holiday): too old
  advance(2 * DAY + 1);
  await cache.refresh();
  assert.match(unavailable(await cache.current(['EUR_USD'])), /no EUR_USD rate/);
});

test('two sources of a pair must agree within the tolerance, else the pair is unavailable and the disagreement told', async () => {
  const { cache, oracle, hub, events, now } = setup();
  oracle.set({ GBYTE_USD: '8' }, now());
  hub.set({ GBYTE_USD: '8.4', EUR_USD: '1.04' }, now());
  assert.deepEqual(rates(await cache.current(['GBYTE_USD'])), { GBYTE_USD: '8' }, 'exactly 5% apart agree');
  hub.set({ GBYTE_USD: '8.400001', EUR_USD: '1.04' }, now());
  await cache.refresh();
  const detail = unavailable(await cache.current(['GBYTE_USD', 'EUR_USD']));
  assert.equal(detail, 'GBYTE_USD: hub 8.400001 and oracle 8 differ by more than 5%');
  assert.deepEqual(rates(await cache.current(['EUR_USD'])), { EUR_USD: '1.04' }, 'other pairs go on');
  assert.deepEqual(events, [{ kind: 'disagreement', pair: 'GBYTE_USD', detail: 'hub 8.400001 and oracle 8 differ by more than 5%' }]);
  const status = cache.status().pairs.find((p) => p.pair === 'GBYTE_USD');
  assert.equal(status?.state, 'disagreement');
  assert.equal(status?.disagreements, 1);
  assert.equal(status?.in_use, null);
  assert.deepEqual(status?.sources.map((s) => [s.source, s.value, s.in_use]), [['oracle', '8', false], ['hub', '8.400001', false]]);
  hub.set({ GBYTE_USD: '8.1' }, now());
  await cache.refresh();
  assert.deepEqual(rates(await cache.current(['GBYTE_USD'])), { GBYTE_USD: '8' });
  assert.deepEqual(events.at(-1), { kind: 'agreement', pair: 'GBYTE_USD' });
});

test('a stale source is not cross-checked: the fresh one prices alone', async () => {
  const { cache, oracle, hub, now } = setup();
  oracle.set({ GBYTE_USD: '1' }, now() - 20 * MIN);
  hub.set({ GBYTE_USD: '8.5' }, now());
  const result = await cache.current(['GBYTE_USD']);
  assert.deepEqual(rates(result), { GBYTE_USD: '8.5' });
  assert.ok(result.ok);
  assert.deepEqual(result.value.sources.GBYTE_USD, { value: '8.5', source: 'hub', at: now(), checked_with: [] });
  const status = cache.status().pairs[0];
  assert.deepEqual(status?.sources.map((s) => [s.source, s.in_use]), [['oracle', false], ['hub', true]]);
});

test('GBYTE_USD must agree with GBYTE_BTC × BTC_USD', async () => {
  const { cache, oracle, hub, events, now } = setup();
  oracle.set({ GBYTE_USD: '8.5', GBYTE_BTC: '0.00008947' }, now());
  hub.set({ BTC_USD: '95000' }, now());
  assert.deepEqual(rates(await cache.current(['GBYTE_USD', 'GBYTE_BTC'])), { GBYTE_USD: '8.5', GBYTE_BTC: '0.00008947' });
  hub.set({ BTC_USD: '105000' }, now());
  await cache.refresh();
  assert.equal(
    unavailable(await cache.current(['GBYTE_USD'])),
    'GBYTE_USD: GBYTE_USD 8.5 and GBYTE_BTC × BTC_USD 9.39435 differ by more than 5%',
  );
  assert.deepEqual(cache.status().pairs.map((p) => [p.pair, p.state]), [['BTC_USD', 'disagreement'], ['GBYTE_BTC', 'disagreement'], ['GBYTE_USD', 'disagreement']]);
  // told and counted once, however many rounds it lasts
  const told = events.length;
  await cache.refresh();
  await cache.refresh();
  assert.equal(events.length, told);
  assert.equal(cache.status().pairs.find((p) => p.pair === 'GBYTE_USD')?.disagreements, 1);
  hub.set({ BTC_USD: '95000' }, now());
  await cache.refresh();
  assert.deepEqual(rates(await cache.current(['GBYTE_USD'])), { GBYTE_USD: '8.5' });
  assert.deepEqual(events.slice(told).map((e) => e.kind), ['agreement', 'agreement', 'agreement']);
});

test('a jump beyond the step is held, the last value serving meanwhile, until a later round confirms it', async () => {
  const { cache, oracle, hub, events, advance, now } = setup();
  oracle.set({ GBYTE_USD: '8.5' }, now());
  hub.fail();
  assert.deepEqual(rates(await cache.current(['GBYTE_USD'])), { GBYTE_USD: '8.5' });
  advance(MIN);
  oracle.set({ GBYTE_USD: '0.85' }, now());
  await cache.refresh();
  const held = await cache.current(['GBYTE_USD']);
  assert.deepEqual(rates(held), { GBYTE_USD: '8.5' });
  assert.deepEqual(events, [{ kind: 'held', pair: 'GBYTE_USD', value: '0.85', lastUsed: '8.5', source: 'oracle' }]);
  const status = cache.status().pairs[0];
  assert.equal(status?.state, 'held');
  assert.equal(status?.held?.value, '0.85');
  assert.deepEqual(status?.sources.map((s) => [s.value, s.in_use]), [['0.85', false]]);
  // a round that follows at once (a request waiting for a refresh) does not confirm it
  advance(MIN - 1);
  await cache.refresh();
  assert.deepEqual(rates(await cache.current(['GBYTE_USD'])), { GBYTE_USD: '8.5' });
  advance(1);
  oracle.set({ GBYTE_USD: '0.86' }, now());
  await cache.refresh();
  assert.deepEqual(rates(await cache.current(['GBYTE_USD'])), { GBYTE_USD: '0.86' });
  assert.deepEqual(events.at(-1), { kind: 'confirmed', pair: 'GBYTE_USD', value: '0.86', source: 'oracle' });
  assert.equal(cache.status().pairs[0]?.holds, 1);
});

test('while a jump is held, the last value serves only within its age', async () => {
  const { cache, oracle, advance, now } = setup();
  oracle.set({ GBYTE_USD: '8.5' }, now());
  await cache.refresh();
  advance(14.5 * MIN);
  oracle.set({ GBYTE_USD: '85' }, now());
  await cache.refresh();
  assert.deepEqual(rates(await cache.current(['GBYTE_USD'])), { GBYTE_USD: '8.5' });
  // the last value is now too old, and the round this request starts comes too soon to confirm the jump
  advance(0.5 * MIN + 1);
  assert.match(unavailable(await cache.current(['GBYTE_USD'])), /a jump to 85 awaits confirmation and the last value is too old/);
});

test('a blip that comes back within the step is used at once and the hold is dropped', async () => {
  const { cache, oracle, advance, now } = setup();
  oracle.set({ GBYTE_USD: '8.5' }, now());
  await cache.refresh();
  advance(MIN);
  oracle.set({ GBYTE_USD: '20' }, now());
  await cache.refresh();
  advance(MIN);
  oracle.set({ GBYTE_USD: '8.6' }, now());
  await cache.refresh();
  assert.deepEqual(rates(await cache.current(['GBYTE_USD'])), { GBYTE_USD: '8.6' });
  assert.equal(cache.status().pairs[0]?.held, null);
  assert.equal(cache.status().pairs[0]?.state, 'ok');
});

test('the values used before a restart still bound the next ones', async () => {
  const { cache, oracle, now } = setup({ lastUsed: { GBYTE_USD: { value: '8.5', source: 'oracle', at: 1 } } });
  oracle.set({ GBYTE_USD: '0.85' }, now());
  assert.match(unavailable(await cache.current(['GBYTE_USD'])), /a jump to 0.85 awaits confirmation/);
});

test('a failing source keeps its last value while that is within its age; failures are told and shown', async () => {
  const { cache, oracle, failures, advance, now } = setup();
  oracle.set({ GBYTE_USD: '8.5' }, now());
  await cache.refresh();
  oracle.fail('hub unreachable');
  advance(10 * MIN);
  await cache.refresh();
  assert.deepEqual(rates(await cache.current(['GBYTE_USD'])), { GBYTE_USD: '8.5' });
  assert.equal(failures.filter(([source]) => source === 'oracle').at(-1)?.[1].detail, 'hub unreachable');
  assert.deepEqual(cache.status().failures.find((f) => f.source === 'oracle'), { source: 'oracle', at: now(), error: 'hub unreachable' });
});

test('past refreshAfterMs the value is served at once and a round starts', async () => {
  const { cache, oracle, advance, now } = setup();
  oracle.set({ GBYTE_USD: '8.5' }, now());
  await cache.current(['GBYTE_USD']);
  advance(5 * MIN + 1);
  oracle.set({ GBYTE_USD: '9' }, now());
  oracle.hold();
  assert.deepEqual(rates(await cache.current(['GBYTE_USD'])), { GBYTE_USD: '8.5' });
  assert.equal(oracle.calls, 2);
  oracle.open();
  await cache.refresh();
  assert.deepEqual(rates(await cache.current(['GBYTE_USD'])), { GBYTE_USD: '9' });
});

test('a pair nobody gives is unavailable; the others do not mask it', async () => {
  const { cache, oracle, now } = setup();
  oracle.set({ GBYTE_USD: '8.5' }, now());
  assert.match(unavailable(await cache.current(['GBYTE_USD', 'RUB_USD'])), /RUB_USD/);
});

test('concurrent callers share one round of fetches', async () => {
  const { cache, oracle, hub, now } = setup();
  oracle.set({ GBYTE_USD: '8.5' }, now());
  oracle.hold();
  const all = Promise.all([cache.current(['GBYTE_USD']), cache.current(['GBYTE_USD']), cache.refresh()]);
  oracle.open();
  const [a, b] = await all;
  assert.ok(a.ok && b.ok);
  assert.equal(oracle.calls, 1);
  assert.equal(hub.calls, 1);
});

test('a source that throws is recorded as internal and does not stop the others', async () => {
  const { cache, oracle, hub, failures, now } = setup();
  oracle.throws = new Error('bug');
  hub.set({ GBYTE_USD: '8.4' }, now());
  assert.deepEqual(rates(await cache.current(['GBYTE_USD'])), { GBYTE_USD: '8.4' });
  assert.equal(failures[0]?.[1].code, 'internal');
  assert.match(failures[0]?.[1].detail ?? '', /oracle threw: bug/);
});

test('non-positive values and unknown pairs from a source are not stored', async () => {
  const { cache, oracle, now } = setup();
  oracle.reply = ok({
    GBYTE_USD: { value: Dec('0'), at: now() },
    BTC_USD: { value: Dec('-5'), at: now() },
    ['XAU_USD' as Pair]: { value: Dec('2000'), at: now() },
    EUR_USD: { value: Dec('1.1'), at: now() },
  });
  await cache.refresh();
  assert.deepEqual(cache.status().pairs.map((p) => p.pair), ['EUR_USD']);
});

test('every round reports the status', async () => {
  const statuses: unknown[] = [];
  const oracle = new ScriptedSource('oracle');
  oracle.set({ GBYTE_USD: '8.5' }, 5);
  const cache = new RateCache({ sources: [oracle], now: () => 10, onStatus: (s) => statuses.push(s) });
  await cache.refresh();
  assert.deepEqual(statuses, [cache.status()]);
});

test('source names must be distinct', () => {
  const a = new ScriptedSource('same');
  assert.throws(() => new RateCache({ sources: [a, new ScriptedSource('same')] }), /distinct names/);
});

test('start() refreshes now and on the interval; stop() ends it', async () => {
  const oracle = new ScriptedSource('oracle');
  oracle.set({ GBYTE_USD: '8.5' }, Date.now());
  const cache = new RateCache({ sources: [oracle], intervalMs: 20 });
  cache.start();
  cache.start();
  assert.equal(oracle.calls, 1);
  // Poll rather than sleep a fixed time: the machine may be busy.
  const deadline = Date.now() + 5000;
  while (oracle.calls < 3 && Date.now() < deadline) await sleep(10);
  cache.stop();
  const calls = oracle.calls;
  assert.ok(calls >= 3, `${calls} calls`);
  await sleep(100);
  assert.equal(oracle.calls, calls);
  assert.ok((await cache.current(['GBYTE_USD'])).ok);
});

test('malformed values from the store are not taken as the last used', async () => {
  const bad = { value: 'lots', source: 'oracle', at: 1 };
  const { cache, oracle, now } = setup({ lastUsed: { GBYTE_USD: bad, BTC_USD: { value: '1', at: Number.NaN } as never } });
  oracle.set({ GBYTE_USD: '0.85' }, now());
  assert.deepEqual(rates(await cache.current(['GBYTE_USD'])), { GBYTE_USD: '0.85' });
});
