import { test } from 'node:test';
import assert from 'node:assert/strict';
import Big from 'big.js';
import { createFixedRateSource } from '../../src/rates/fixed-source.ts';

test('configured decimals are served exactly', async () => {
  const made = createFixedRateSource({ GBYTE_USD: ' 8.123456789012345678 ', EUR_USD: new Big('1.04') }, 'fixed', () => 1234);
  assert.ok(made.ok);
  assert.equal(made.value.name, 'fixed');
  const result = await made.value.fetch();
  assert.ok(result.ok);
  assert.deepEqual(Object.keys(result.value).sort(), ['EUR_USD', 'GBYTE_USD']);
  assert.equal(result.value.GBYTE_USD?.value.toFixed(), '8.123456789012345678');
  assert.equal(result.value.EUR_USD?.value.toFixed(), '1.04');
  // a fixed rate holds whenever it is asked for
  assert.equal(result.value.EUR_USD?.at, 1234);
});

test('bad configuration is refused with the reason', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ GBYTE_EUR: '1' }, /unknown rate pair GBYTE_EUR/],
    [{ GBYTE_USD: '0' }, /GBYTE_USD: not a positive decimal/],
    [{ GBYTE_USD: '-8' }, /not a positive decimal/],
    [{ RUB_USD: '0,0097' }, /not a positive decimal/],
    [{ BTC_USD: 'lots' }, /not a positive decimal/],
  ];
  for (const [rates, reason] of cases) {
    const made = createFixedRateSource(rates);
    assert.ok(!made.ok);
    assert.match(made.error, reason);
  }
});

test('no rates at all is rate_unavailable, under the given name', async () => {
  const made = createFixedRateSource({}, 'override');
  assert.ok(made.ok);
  assert.equal(made.value.name, 'override');
  const result = await made.value.fetch();
  assert.equal(result.ok ? null : result.error.code, 'rate_unavailable');
});
