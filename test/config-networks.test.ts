// The network kind of each ledger and what it decides in the configuration: protocol, oracle, rate sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../src/config.ts';

const load = (env: Record<string, string>) => loadConfig({ DATA_DIR: '/tmp/cashback-config-test', ...env }, '/');

test('MAIN_HUB_URL alone: the main network is livenet with live rate sources; the embedded test devnet keeps the demo rates', () => {
  const c = load({ MAIN_HUB_URL: 'wss://obyte.org/bb' });
  const { main, test: testnet } = c.networks;
  assert.equal(main.kind, 'livenet');
  assert.deepEqual(main.protocol, { version: '4.0', alt: '1' });
  assert.equal(main.embeddedDevhubPort, null);
  assert.equal(main.oracleAddress, 'JPQKPRI5FMTQRJF4ZZMYZYDQVRD55OTC');
  assert.deepEqual(Object.keys(main.rates.fixed), [], 'no demo fixed rates on livenet');
  assert.equal(main.rates.fiat, true, 'ECB / Bank of Russia on');
  assert.equal(testnet.kind, 'devnet');
  assert.deepEqual(Object.fromEntries(Object.entries(testnet.rates.fixed).map(([k, v]) => [k, v.toString()])), { EUR_USD: '1.08', RUB_USD: '0.011' });
  assert.equal(testnet.rates.fiat, false);
});

test('TEST_HUB_URL alone means testnet; both hub URLs: livenet and testnet, no demo rates anywhere', () => {
  const t = load({ TEST_HUB_URL: 'wss://obyte.org/bb-test' }).networks.test;
  assert.equal(t.kind, 'testnet');
  assert.deepEqual(t.protocol, { version: '4.0t', alt: '2' });
  const both = load({ MAIN_HUB_URL: 'wss://obyte.org/bb', TEST_HUB_URL: 'wss://obyte.org/bb-test' });
  for (const n of Object.values(both.networks)) {
    assert.deepEqual(n.rates.fixed, {});
    assert.equal(n.rates.fiat, true);
  }
});

test('a devnet hub must be named as one; then it is priced as a devnet', () => {
  const n = load({ MAIN_HUB_URL: 'ws://10.0.0.5:6611', MAIN_NETWORK: 'devnet' }).networks.main;
  assert.equal(n.kind, 'devnet');
  assert.deepEqual(n.protocol, { version: '4.0dev', alt: '3' });
  assert.equal(n.oracleAddress, null);
  assert.equal(n.rates.fiat, false);
  assert.ok(n.rates.fixed.EUR_USD);
});

test('what the operator sets explicitly wins: FIXED_RATES on livenet, FIAT_RATES=off', () => {
  const n = load({ MAIN_HUB_URL: 'wss://obyte.org/bb', FIXED_RATES: 'EUR_USD=1.05', FIAT_RATES: 'off' }).networks.main;
  assert.deepEqual(Object.keys(n.rates.fixed), ['EUR_USD']);
  assert.equal(n.rates.fixed.EUR_USD!.toString(), '1.05');
  assert.equal(n.rates.fiat, false);
  const d = load({ FIAT_RATES: 'on' }).networks.main;
  assert.equal(d.rates.fiat, true, 'a devnet may use the live fiat sources when asked');
});

test('a real network without a hub URL, or a bad kind, is a configuration error', () => {
  assert.throws(() => load({ MAIN_NETWORK: 'livenet' }), (e: Error) => e instanceof ConfigError && /MAIN_NETWORK=livenet needs MAIN_HUB_URL/.test(e.message));
  assert.throws(() => load({ TEST_NETWORK: 'testnet' }), /TEST_NETWORK=testnet needs TEST_HUB_URL/);
  assert.throws(() => load({ MAIN_HUB_URL: 'wss://obyte.org/bb', MAIN_NETWORK: 'mainnet' }), /MAIN_NETWORK must be one of livenet, testnet, devnet/);
});
