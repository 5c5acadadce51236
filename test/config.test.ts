import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../src/config.ts';

const base = { DATA_DIR: '/tmp/cashback-config-test' };

test('TRUST_PROXY takes addresses, CIDR ranges and proxy-addr names; off by default', () => {
  assert.deepEqual(loadConfig(base).http.trustProxy, []);
  assert.deepEqual(loadConfig({ ...base, TRUST_PROXY: 'false' }).http.trustProxy, []);
  assert.deepEqual(loadConfig({ ...base, TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1,fd00::/8,loopback' }).http.trustProxy, [
    '127.0.0.1',
    '10.0.0.0/8',
    '::1',
    'fd00::/8',
    'loopback',
  ]);
});

test('TRUST_PROXY=true is refused with a clear message, as are malformed entries', () => {
  for (const v of ['true', 'TRUE', 'yes', '1']) {
    assert.throws(() => loadConfig({ ...base, TRUST_PROXY: v }), (e: unknown) => e instanceof ConfigError && /list your proxies/.test(e.message));
  }
  for (const v of ['10.0.0.0/33', '300.1.1.1', 'proxy.example', '::1/129', '10.0.0.1,']) {
    assert.throws(() => loadConfig({ ...base, TRUST_PROXY: v }), ConfigError, v);
  }
});

test('PARTNER_DAILY_BUDGET_USD: 1,000 USD by default, 1,000,000 on the embedded devnets', () => {
  const live = { ...base, MAIN_HUB_URL: 'wss://obyte.org/bb', TEST_HUB_URL: 'wss://obyte.org/bb-test', WALLET_MNEMONIC: 'a b c' };
  assert.equal(loadConfig(live).policy.partnerDailyBudgetUsd.toFixed(), '1000');
  assert.equal(loadConfig(base).policy.partnerDailyBudgetUsd.toFixed(), '1000000');
  assert.equal(loadConfig({ ...base, PARTNER_DAILY_BUDGET_USD: '250.5' }).policy.partnerDailyBudgetUsd.toFixed(), '250.5');
  assert.throws(() => loadConfig({ ...base, PARTNER_DAILY_BUDGET_USD: '-1' }), ConfigError);
});
