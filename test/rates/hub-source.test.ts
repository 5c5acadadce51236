import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createExchangeRateSource, createOracleRateSource, type HubRequester } from '../../src/rates/hub-source.ts';
import { startDevHub } from '../../src/devhub/index.ts';
import { HubClient } from '../../src/obyte/hub-client.ts';

const ORACLE = 'JPQKPRI5FMTQRJF4ZZMYZYDQVRD55OTC';
const OTHER = 'F4KHJUCLJKY4JV7M5F754LAJX4EB7M4N';

interface FakeUnit {
  timestamp?: unknown;
  author?: string;
  payload: Record<string, unknown>;
}

/**
 * A hub that answers like ocore's network.js: light/get_data_feed with what: 'unit' gives the unit of the latest
 * feed, get_joint the joint; errors are rejections.
 */
function fakeHub(feeds: Record<string, string>, units: Record<string, FakeUnit>, exchangeRates: unknown | Error = {}) {
  const calls: Array<{ command: string; params: unknown }> = [];
  const hub: HubRequester = {
    async request(command, params) {
      calls.push({ command, params });
      if (command === 'light/get_data_feed') {
        const p = params as { feed_name: string; what?: string };
        if (p.what !== 'unit') throw new Error('this fake answers only what: unit');
        if (!Object.hasOwn(feeds, p.feed_name)) throw new Error(`data feed ${p.feed_name} not found`);
        return feeds[p.feed_name];
      }
      if (command === 'get_joint') {
        const u = units[params as string];
        if (!u) return { joint_not_found: params };
        const messages = [{ app: 'data_feed', payload: u.payload }, { app: 'payment', payload: {} }];
        return { joint: { unit: { unit: params, timestamp: u.timestamp, authors: [{ address: u.author ?? ORACLE }], messages } } };
      }
      if (command === 'hub/get_exchange_rates') {
        if (exchangeRates instanceof Error) throw exchangeRates;
        return exchangeRates;
      }
      throw new Error(`unknown command ${command}`);
    },
  };
  return { hub, calls };
}

test("oracle feeds: the value exactly as posted, with the time of the unit that posted it, each unit read once", async () => {
  const { hub, calls } = fakeHub(
    { GBYTE_USD: 'u1', GBYTE_BTC: 'u1', BTC_USD: 'u2' },
    { u1: { timestamp: 1_700_000_000, payload: { GBYTE_USD: '8.123456', GBYTE_BTC: '0.00009551' } }, u2: { timestamp: 1_700_000_300, payload: { BTC_USD: 85046 } } },
  );
  const source = createOracleRateSource({ hub, oracles: [ORACLE] });
  assert.equal(source.name, 'oracle');
  const result = await source.fetch();
  assert.ok(result.ok, result.ok ? '' : result.error.detail);
  assert.deepEqual(
    Object.fromEntries(Object.entries(result.value).map(([pair, q]) => [pair, [q.value.toFixed(), q.at, q.ref]])),
    { GBYTE_USD: ['8.123456', 1_700_000_000_000, 'u1'], GBYTE_BTC: ['0.00009551', 1_700_000_000_000, 'u1'], BTC_USD: ['85046', 1_700_000_300_000, 'u2'] },
  );
  const asked = calls.filter((c) => c.command === 'light/get_data_feed').map((c) => c.params);
  assert.deepEqual(asked, ['GBYTE_USD', 'GBYTE_BTC', 'BTC_USD'].map((feed_name) => ({ oracles: [ORACLE], feed_name, what: 'unit' })));
  assert.equal(calls.filter((c) => c.command === 'get_joint').length, 2);
  // the same units next time: no get_joint again (units never change)
  await source.fetch();
  assert.equal(calls.filter((c) => c.command === 'get_joint').length, 2);
});

test('a unit that is not the oracle, has no timestamp or no usable value gives nothing for its pair', async () => {
  const { hub } = fakeHub(
    { GBYTE_USD: 'u1', GBYTE_BTC: 'u2', BTC_USD: 'u3' },
    {
      u1: { timestamp: 1_700_000_000, author: OTHER, payload: { GBYTE_USD: '8.5' } },
      u2: { timestamp: 'yesterday', payload: { GBYTE_BTC: '0.0001' } },
      u3: { timestamp: 1_700_000_000, payload: { BTC_USD: '-5' } },
    },
  );
  const result = await createOracleRateSource({ hub, oracles: [ORACLE] }).fetch();
  assert.ok(!result.ok);
  assert.equal(result.error.code, 'rate_unavailable');
  assert.match(result.error.detail ?? '', /unit u1 is not the oracle's/);
  assert.match(result.error.detail ?? '', /unit u2 has no timestamp/);
  assert.match(result.error.detail ?? '', /data feed BTC_USD: unusable value "-5"/);
});

test('a missing feed or unit is a reason, and the other pairs still come', async () => {
  const { hub } = fakeHub({ GBYTE_USD: 'u1', GBYTE_BTC: 'gone' }, { u1: { timestamp: 1_700_000_000, payload: { GBYTE_USD: 9 } } });
  const result = await createOracleRateSource({ hub, oracles: [ORACLE] }).fetch();
  assert.ok(result.ok);
  assert.deepEqual(Object.keys(result.value), ['GBYTE_USD']);
  const none = await createOracleRateSource({ hub: fakeHub({}, {}).hub, oracles: [ORACLE], pairs: ['BTC_USD'] }).fetch();
  assert.match(none.ok ? '' : (none.error.detail ?? ''), /^oracle: data feed BTC_USD: data feed BTC_USD not found$/);
  const noOracle = await createOracleRateSource({ hub, oracles: [] }).fetch();
  assert.match(noOracle.ok ? '' : (noOracle.error.detail ?? ''), /no oracle configured/);
});

test("the hub's exchange rates are as old as the moment they were asked for", async () => {
  const { hub } = fakeHub({}, {}, { GBYTE_USD: 7.25, BTC_USD: 90000, GBYTE_BTC: '0x10', OUSD_USD: 1 });
  const result = await createExchangeRateSource({ hub, now: () => 42 }).fetch();
  assert.ok(result.ok);
  assert.deepEqual(
    Object.fromEntries(Object.entries(result.value).map(([pair, q]) => [pair, [q.value.toFixed(), q.at]])),
    { GBYTE_USD: ['7.25', 42], BTC_USD: ['90000', 42] },
  );
  const down = await createExchangeRateSource({ hub: fakeHub({}, {}, new Error('disconnected')).hub }).fetch();
  assert.match(down.ok ? '' : (down.error.detail ?? ''), /^hub: exchange rates: disconnected$/);
  const odd = await createExchangeRateSource({ hub: fakeHub({}, {}, 'odd').hub }).fetch();
  assert.match(odd.ok ? '' : (odd.error.detail ?? ''), /not an object/);
  const empty = await createExchangeRateSource({ hub: fakeHub({}, {}, {}).hub }).fetch();
  assert.match(empty.ok ? '' : (empty.error.detail ?? ''), /none of GBYTE_USD, GBYTE_BTC, BTC_USD/);
});

test('over the wire: the devhub oracle posts a feed at a chosen time, and the source reads that time', async () => {
  let clock = Date.UTC(2026, 0, 5, 12);
  const devhub = await startDevHub({
    port: 0,
    now: () => clock,
    clockOffsetMs: -3600_000,
    oracle: { feeds: { GBYTE_USD: 8.123456, BTC_USD: 85046.5 } },
    exchangeRates: { GBYTE_USD: 9, GBYTE_BTC: 0.00009551, BTC_USD: 1 },
  });
  const client = new HubClient({ url: devhub.url, requestTimeoutMs: 5000 });
  try {
    await client.connect();
    const oracle = createOracleRateSource({ hub: client, oracles: [devhub.oracleAddress] });
    const first = await oracle.fetch();
    assert.ok(first.ok, first.ok ? '' : first.error.detail);
    assert.equal(first.value.GBYTE_USD?.value.toFixed(), '8.123456');
    assert.equal(first.value.GBYTE_USD?.at, clock - 3600_000, "posted at start, on the hub's clock an hour behind");
    assert.equal(first.value.BTC_USD?.value.toFixed(), '85046.5');

    devhub.setClockOffset(0);
    const unit = await devhub.publishFeeds({ GBYTE_USD: '8.2', GBYTE_BTC: '0.0000964' }, clock - 20 * 60_000);
    const second = await oracle.fetch();
    assert.ok(second.ok);
    assert.deepEqual([second.value.GBYTE_USD?.value.toFixed(), second.value.GBYTE_USD?.at, second.value.GBYTE_USD?.ref], ['8.2', clock - 20 * 60_000, unit]);
    assert.equal(second.value.GBYTE_BTC?.at, clock - 20 * 60_000);
    assert.equal(second.value.BTC_USD?.at, clock - 3600_000);
    // older than the units before it: refused as ocore refuses it
    await assert.rejects(devhub.publishFeeds({ GBYTE_USD: 1 }, clock - 30 * 60_000), /timestamp decreased from parent/);

    clock += 1000;
    const hubRates = await createExchangeRateSource({ hub: client, now: () => clock }).fetch();
    assert.ok(hubRates.ok);
    assert.deepEqual([hubRates.value.GBYTE_BTC?.value.toFixed(), hubRates.value.GBYTE_BTC?.at], ['0.00009551', clock]);

    const wrongOracle = await createOracleRateSource({ hub: client, oracles: [devhub.faucetAddress] }).fetch();
    assert.match(wrongOracle.ok ? '' : (wrongOracle.error.detail ?? ''), /data feed GBYTE_USD not found/);
  } finally {
    await client.close();
    await devhub.close();
  }
});
