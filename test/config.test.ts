// The configuration: which settings exist (the README's table lists exactly them), CONFIG_FILE keys, wallet policy.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CONFIG_KEYS, ConfigError, loadConfig, rateMaxAgeMs, type Config } from '../src/config.ts';
import { RATE_PAIRS } from '../src/domain/money.ts';

const ROOT = resolve(import.meta.dirname, '..');

/** The settings src/config.ts reads, from its text: r.int('NAME', …) and `${prefix}_NAME` for both networks. */
function settingsReadBySource(): Set<string> {
  const source = readFileSync(join(ROOT, 'src/config.ts'), 'utf8');
  const read = new Set<string>(['CONFIG_FILE']); // read straight from the environment, before any file
  for (const m of source.matchAll(/r\.(?:raw|str|int|signedInt|decimal|bool|oneOf)\(\s*(['`])([^'`]+)\1/g)) {
    const key = m[2]!;
    if (key.startsWith('${prefix}_')) for (const p of ['MAIN', 'TEST']) read.add(key.replace('${prefix}', p));
    else read.add(key);
  }
  return read;
}

/** The variables named in the first column of the README's configuration table. */
function settingsInReadme(): Set<string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'));
  const table = section.slice(0, section.indexOf('\n## '));
  const names = new Set<string>();
  for (const row of table.split('\n').filter((l) => l.startsWith('| `'))) {
    for (const m of row.split('|')[1]!.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(m[1]!);
  }
  return names;
}

const sorted = (s: Set<string>) => [...s].sort();

describe('the settings', () => {
  test('the README table lists every setting the config reads, and no other', () => {
    const read = settingsReadBySource();
    assert.ok(read.size > 40, 'the source scan finds the reads');
    const readme = settingsInReadme();
    assert.deepEqual(
      { missing_from_readme: sorted(read).filter((k) => !readme.has(k)), not_read: sorted(readme).filter((k) => !read.has(k)) },
      { missing_from_readme: [], not_read: [] },
    );
  });

  test('CONFIG_KEYS is exactly what the config reads', () => {
    assert.deepEqual(sorted(new Set(CONFIG_KEYS)), sorted(settingsReadBySource()));
  });
});

describe('CONFIG_FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cashback-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const withFile = (content: Record<string, unknown>, env: Record<string, string> = {}) => {
    const file = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(content));
    return () => loadConfig({ CONFIG_FILE: file, ...env }, dir);
  };

  test('a known setting is taken, the environment wins', () => {
    assert.equal(withFile({ PORT: 9000, TRUST_PROXY: '127.0.0.1' })().http.port, 9000);
    assert.equal(withFile({ PORT: 9000 }, { PORT: '9001' })().http.port, 9001);
  });

  test('an unknown or misspelt key is refused, named in one line', () => {
    for (const key of ['SMTP_URI', 'port', 'CONFIG_FILE']) {
      assert.throws(withFile({ [key]: 'x' }), (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, new RegExp(`unknown setting "${key}"`));
        assert.doesNotMatch(e.message, /\n/);
        return true;
      });
    }
  });
});

describe('wallet creation', () => {
  test('made without being asked only when both networks are devnets', () => {
    assert.equal(loadConfig({}).wallet.create, true);
    assert.equal(loadConfig({ MAIN_HUB_URL: 'ws://127.0.0.1:1' }).wallet.create, false, 'main is a real network');
    assert.equal(loadConfig({ TEST_HUB_URL: 'wss://obyte.org/bb-test' }).wallet.create, false, 'test is a real network');
    assert.equal(loadConfig({ MAIN_HUB_URL: 'ws://127.0.0.1:1', WALLET_CREATE: 'true' }).wallet.create, true);
    assert.equal(loadConfig({ WALLET_CREATE: 'false' }).wallet.create, false);
  });

  test('WALLET_MNEMONIC is checked whole: a wrong word or checksum is refused, never derived', () => {
    assert.throws(() => loadConfig({ WALLET_MNEMONIC: 'abandon '.repeat(12).trim() }), /^Error: WALLET_MNEMONIC is not a valid BIP39 mnemonic/);
  });
});

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
  const live = { ...base, MAIN_HUB_URL: 'wss://obyte.org/bb', TEST_HUB_URL: 'wss://obyte.org/bb-test', WALLET_MNEMONIC: 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about' };
  assert.equal(loadConfig(live).policy.partnerDailyBudgetUsd.toFixed(), '1000');
  assert.equal(loadConfig(base).policy.partnerDailyBudgetUsd.toFixed(), '1000000');
  assert.equal(loadConfig({ ...base, PARTNER_DAILY_BUDGET_USD: '250.5' }).policy.partnerDailyBudgetUsd.toFixed(), '250.5');
  assert.throws(() => loadConfig({ ...base, PARTNER_DAILY_BUDGET_USD: '-1' }), ConfigError);
});

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
