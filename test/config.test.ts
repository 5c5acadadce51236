import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig, rateMaxAgeMs, type Config } from '../src/config.ts';
import { RATE_PAIRS } from '../src/domain/money.ts';

const ages = (config: Config) => Object.fromEntries(RATE_PAIRS.map((pair) => [pair, rateMaxAgeMs(config, pair)]));

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const load = (env: Record<string, string> = {}) => loadConfig({ DATA_DIR: '/tmp/cashback-config-test', ...env }, '/tmp');

test('rate trust defaults: minutes for the crypto pairs, days for the fiat reference rates, 5% tolerance, 20% step', () => {
  const config = load();
  const { rateTrust, devhubClockOffsetMs } = config;
  assert.deepEqual(ages(config), { GBYTE_USD: 15 * MIN, GBYTE_BTC: 15 * MIN, BTC_USD: 15 * MIN, EUR_USD: 6 * DAY, RUB_USD: 6 * DAY });
  assert.equal(rateTrust.tolerance.toFixed(), '0.05');
  assert.equal(rateTrust.step.toFixed(), '0.2');
  assert.equal(devhubClockOffsetMs, 0);
  assert.ok(Object.isFrozen(rateTrust.pairMaxAgeMs));
});

test('rate trust settings: ages per kind and per pair, tolerance and step in percent, a devhub clock behind', () => {
  const config = load({
    RATE_MAX_AGE_MS: '1200000',
    FIAT_RATE_MAX_AGE_MS: String(4 * DAY),
    RATE_PAIR_MAX_AGE_MS: ' RUB_USD=1036800000 , GBYTE_BTC=600000',
    RATE_TOLERANCE_PCT: '2.5',
    RATE_STEP_PCT: '50',
    DEVHUB_CLOCK_OFFSET_MS: '-7200000',
  });
  const { rateTrust, devhubClockOffsetMs } = config;
  assert.deepEqual(ages(config), { GBYTE_USD: 20 * MIN, GBYTE_BTC: 10 * MIN, BTC_USD: 20 * MIN, EUR_USD: 4 * DAY, RUB_USD: 12 * DAY });
  assert.equal(rateTrust.tolerance.toFixed(), '0.025');
  assert.equal(rateTrust.step.toFixed(), '0.5');
  assert.equal(devhubClockOffsetMs, -7_200_000);
});

test('bad rate trust settings stop the start with the reason', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ RATE_PAIR_MAX_AGE_MS: 'XAU_USD=1000' }, /RATE_PAIR_MAX_AGE_MS: "XAU_USD=1000" is not PAIR=milliseconds/],
    [{ RATE_PAIR_MAX_AGE_MS: 'EUR_USD=5d' }, /RATE_PAIR_MAX_AGE_MS/],
    [{ RATE_PAIR_MAX_AGE_MS: 'EUR_USD=10' }, /at least 1000/],
    [{ RATE_TOLERANCE_PCT: '0' }, /must be above 0/],
    [{ RATE_STEP_PCT: '-5' }, /RATE_STEP_PCT must be a non-negative decimal/],
    [{ FIAT_RATE_MAX_AGE_MS: '3 days' }, /FIAT_RATE_MAX_AGE_MS must be a whole number/],
    [{ DEVHUB_CLOCK_OFFSET_MS: '-2h' }, /DEVHUB_CLOCK_OFFSET_MS must be a whole number of milliseconds/],
  ];
  for (const [env, reason] of cases) assert.throws(() => load(env), (e: unknown) => e instanceof ConfigError && reason.test(e.message), JSON.stringify(env));
});
