import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHubRateSource, type HubRequester } from '../../src/rates/hub-source.ts';
import { startDevHub } from '../../src/devhub/index.ts';
import { HubClient } from '../../src/obyte/hub-client.ts';

const ORACLE = 'JPQKPRI5FMTQRJF4ZZMYZYDQVRD55OTC';

/** A hub that answers like ocore's network.js: feeds by name, errors as rejections. */
function fakeHub(feeds: Record<string, unknown>, exchangeRates: unknown | Error) {
  const calls: Array<{ command: string; params: unknown }> = [];
  const hub: HubRequester = {
    async request(command, params) {
      calls.push({ command, params });
      if (command === 'light/get_data_feed') {
        const name = (params as { feed_name: string }).feed_name;
        if (!Object.hasOwn(feeds, name)) throw new Error(`data feed ${name} not found`);
        return feeds[name];
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

test('oracle feeds first, read exactly; no exchange-rate request when they are complete', async () => {
  const { hub, calls } = fakeHub({ GBYTE_USD: 8.123456, GBYTE_BTC: 0.00009551, BTC_USD: '85046.5' }, { GBYTE_USD: 1 });
  const result = await createHubRateSource({ hub, oracles: [ORACLE] }).fetch();
  assert.ok(result.ok);
  assert.equal(result.value.GBYTE_USD?.toFixed(), '8.123456');
  assert.equal(result.value.GBYTE_BTC?.toFixed(), '0.00009551');
  assert.equal(result.value.BTC_USD?.toFixed(), '85046.5');
  assert.deepEqual(
    calls.map((c) => c.params),
    ['GBYTE_USD', 'GBYTE_BTC', 'BTC_USD'].map((feed_name) => ({ oracles: [ORACLE], feed_name })),
  );
});

test('hub exchange rates fill the feeds that are missing or unusable', async () => {
  const { hub, calls } = fakeHub(
    { GBYTE_USD: 8.5, GBYTE_BTC: 'n/a' },
    { GBYTE_USD: 9, GBYTE_BTC: 0.0001, BTC_USD: 85000, OUSD_USD: 1 },
  );
  const result = await createHubRateSource({ hub, oracles: [ORACLE] }).fetch();
  assert.ok(result.ok);
  assert.equal(result.value.GBYTE_USD?.toFixed(), '8.5');
  assert.equal(result.value.GBYTE_BTC?.toFixed(), '0.0001');
  assert.equal(result.value.BTC_USD?.toFixed(), '85000');
  assert.equal(calls.filter((c) => c.command === 'hub/get_exchange_rates').length, 1);
});

test('exchange rates alone when no oracle is configured', async () => {
  const { hub, calls } = fakeHub({}, { GBYTE_USD: 7.25, BTC_USD: 90000 });
  const result = await createHubRateSource({ hub, name: 'testnet-hub' }).fetch();
  assert.ok(result.ok);
  assert.deepEqual(Object.keys(result.value).sort(), ['BTC_USD', 'GBYTE_USD']);
  assert.deepEqual(calls.map((c) => c.command), ['hub/get_exchange_rates']);
});

test('the pairs asked for can be narrowed', async () => {
  const { hub, calls } = fakeHub({ GBYTE_USD: 8 }, new Error('down'));
  const result = await createHubRateSource({ hub, oracles: [ORACLE], pairs: ['GBYTE_USD'] }).fetch();
  assert.ok(result.ok);
  assert.deepEqual(Object.keys(result.value), ['GBYTE_USD']);
  assert.equal(calls.length, 1);
});

test('non-positive, non-numeric and exotic values are dropped', async () => {
  const { hub } = fakeHub({ GBYTE_USD: 0, GBYTE_BTC: -1, BTC_USD: { v: 1 } }, { GBYTE_USD: '1e3', GBYTE_BTC: '0x10', BTC_USD: null });
  const result = await createHubRateSource({ hub, oracles: [ORACLE] }).fetch();
  assert.ok(result.ok);
  assert.deepEqual(Object.keys(result.value), ['GBYTE_USD']);
  assert.equal(result.value.GBYTE_USD?.toFixed(), '1000');
});

test('nothing usable is rate_unavailable with the reasons', async () => {
  const { hub } = fakeHub({}, new Error('disconnected'));
  const result = await createHubRateSource({ hub, oracles: [ORACLE] }).fetch();
  assert.ok(!result.ok);
  assert.equal(result.error.code, 'rate_unavailable');
  assert.match(result.error.detail ?? '', /data feed GBYTE_USD not found/);
  assert.match(result.error.detail ?? '', /exchange rates: disconnected/);

  const { hub: odd } = fakeHub({}, 'not an object');
  const oddResult = await createHubRateSource({ hub: odd }).fetch();
  assert.match(oddResult.ok ? '' : (oddResult.error.detail ?? ''), /exchange rates: not an object/);

  const { hub: off } = fakeHub({}, {});
  const offResult = await createHubRateSource({ hub: off, exchangeRates: false }).fetch();
  assert.match(offResult.ok ? '' : (offResult.error.detail ?? ''), /nothing asked/);
});

test('over the wire: the local devhub and the real HubClient', async () => {
  const devhub = await startDevHub({
    port: 0,
    oracle: { feeds: { GBYTE_USD: 8.123456, BTC_USD: 85046.5 } },
    exchangeRates: { GBYTE_USD: 9, GBYTE_BTC: 0.00009551, BTC_USD: 1 },
  });
  const client = new HubClient({ url: devhub.url, requestTimeoutMs: 5000 });
  try {
    await client.connect();
    const source = createHubRateSource({ hub: client, oracles: [devhub.oracleAddress] });
    const result = await source.fetch();
    assert.ok(result.ok, result.ok ? '' : result.error.detail);
    assert.equal(result.value.GBYTE_USD?.toFixed(), '8.123456');
    assert.equal(result.value.BTC_USD?.toFixed(), '85046.5');
    assert.equal(result.value.GBYTE_BTC?.toFixed(), '0.00009551');

    const wrongOracle = await createHubRateSource({ hub: client, oracles: [devhub.faucetAddress], exchangeRates: false }).fetch();
    assert.ok(!wrongOracle.ok);
    assert.match(wrongOracle.error.detail ?? '', /data feed GBYTE_USD not found/);
  } finally {
    await client.close();
    await devhub.close();
  }
});
