import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import Big from 'big.js';
import fc from 'fast-check';
import { convertPurchase, type Conversion } from '../../src/domain/conversion.ts';
import {
  CURRENCIES,
  Dec,
  MAX_BYTES,
  decimalText,
  floorToBytes,
  parseDecimal,
  requiredPairs,
  type Rates,
} from '../../src/domain/money.ts';
import type { Result } from '../../src/domain/result.ts';

const RATES: Rates = {
  GBYTE_USD: Dec('8.5'),
  GBYTE_BTC: Dec('0.0001'),
  BTC_USD: Dec('85000'),
  EUR_USD: Dec('1.0412'),
  RUB_USD: Dec('0.0097488'),
};

function value(result: Result<Conversion>): Conversion {
  if (!result.ok) assert.fail(`expected ok, got ${result.error.code}`);
  return result.value;
}

describe('money', () => {
  test('parseDecimal is exact and strict', () => {
    assert.equal(parseDecimal('0.12345678900000001')?.toFixed(), '0.12345678900000001');
    assert.equal(parseDecimal('5.0E-5')?.toFixed(), '0.00005');
    for (const text of ['', '-1', '+1', '1,5', '0x1', 'Infinity', 'NaN', ' 1', '1 ', '1e12345', '1'.repeat(65)]) {
      assert.equal(parseDecimal(text), null, text);
    }
  });

  test('floorToBytes rounds toward zero and refuses negatives', () => {
    assert.equal(floorToBytes(Dec('123.999999')), 123n);
    assert.equal(floorToBytes(Dec('0')), 0n);
    assert.equal(floorToBytes(Dec('9000000000000000.5')), 9_000_000_000_000_000n);
    assert.throws(() => floorToBytes(Dec('-1')));
  });

  test('decimalText is plain notation without trailing zeros', () => {
    assert.equal(decimalText(Dec('4.990E1')), '49.9');
    assert.equal(decimalText(Dec('1e-9')), '0.000000001');
    assert.equal(decimalText(Dec('1e21')), '1000000000000000000000');
  });

  test('Dec does not touch the global big.js settings', () => {
    assert.equal(Big.DP, 20);
    assert.equal(Big.RM, Big.roundHalfUp);
    assert.equal(Dec.DP, 40);
  });
});

describe('convertPurchase', () => {
  test('GBYTE: amount × 1e9 rounded to the nearest whole byte (contract §7)', () => {
    const c = value(convertPurchase('GBYTE', Dec('0.123456789'), RATES));
    assert.equal(c.bytes.toFixed(), '123456789');
    assert.equal(c.usd.toFixed(), '1.0493827065');
    assert.deepEqual(Object.keys(c.used), ['GBYTE_USD']);
    // WooBytes on PHP 8 prints 0.123456789 so
    const odd = value(convertPurchase('GBYTE', Dec('0.12345678900000001'), RATES));
    assert.equal(odd.bytes.toFixed(), '123456789');
    assert.equal(odd.usd.toFixed(), '1.0493827065');
    assert.equal(value(convertPurchase('GBYTE', Dec('0.0000000015'), RATES)).bytes.toFixed(), '2');
    const nothing = convertPurchase('GBYTE', Dec('0.0000000004'), RATES);
    assert.ok(!nothing.ok && nothing.error.message === 'invalid currency_amount');
  });

  test('USD via GBYTE_USD', () => {
    const c = value(convertPurchase('USD', Dec('100'), RATES));
    assert.equal(c.usd.toFixed(), '100');
    assert.equal(floorToBytes(c.bytes), 11_764_705_882n);
    assert.equal(c.gbyteUsd.toFixed(), RATES.GBYTE_USD!.toFixed());
  });

  test('EUR via EUR_USD and GBYTE_USD', () => {
    const c = value(convertPurchase('EUR', Dec('49.90'), RATES));
    assert.equal(c.usd.toFixed(), '51.95588');
    assert.equal(floorToBytes(c.bytes), 6_112_456_470n);
    assert.deepEqual(Object.keys(c.used).sort(), ['EUR_USD', 'GBYTE_USD']);
  });

  test('RUR via RUB_USD and GBYTE_USD', () => {
    const c = value(convertPurchase('RUR', Dec('1234.00'), RATES));
    assert.equal(c.usd.toFixed(), '12.0300192');
    assert.equal(floorToBytes(c.bytes), 1_415_296_376n);
  });

  test('BTC via GBYTE_BTC, else via BTC_USD and GBYTE_USD', () => {
    const direct = value(convertPurchase('BTC', Dec('0.001'), RATES));
    assert.equal(direct.bytes.toFixed(), '10000000000');
    assert.equal(direct.usd.toFixed(), '85');
    assert.deepEqual(Object.keys(direct.used).sort(), ['GBYTE_BTC', 'GBYTE_USD']);
    const { GBYTE_BTC: _dropped, ...withoutGbyteBtc } = RATES;
    const crossed = value(convertPurchase('BTC', Dec('0.001'), withoutGbyteBtc));
    assert.equal(crossed.bytes.toFixed(), '10000000000');
    assert.deepEqual(Object.keys(crossed.used).sort(), ['BTC_USD', 'GBYTE_USD']);
  });

  test('the required pairs are enough for every currency', () => {
    for (const currency of CURRENCIES) {
      const rates: Rates = {};
      for (const pair of requiredPairs(currency)) rates[pair] = RATES[pair];
      assert.ok(convertPurchase(currency, Dec('1'), rates).ok, currency);
    }
  });

  test('a missing, zero or negative rate is rate_unavailable', () => {
    for (const currency of CURRENCIES) {
      for (const pair of requiredPairs(currency)) {
        if (currency === 'BTC' && pair === 'GBYTE_BTC') continue; // BTC_USD stands in for it
        for (const bad of [undefined, Dec('0'), Dec('-1')]) {
          const result = convertPurchase(currency, Dec('1'), { ...RATES, [pair]: bad });
          assert.equal(result.ok ? null : result.error.code, 'rate_unavailable', `${currency} ${pair} ${String(bad)}`);
        }
      }
    }
    const noBtc = convertPurchase('BTC', Dec('1'), { GBYTE_USD: Dec('8') });
    assert.equal(noBtc.ok ? null : noBtc.error.code, 'rate_unavailable');
  });

  test('more than MAX_BYTES is an invalid amount (WooBytes v0.1 sent bytes as GBYTE)', () => {
    const result = convertPurchase('GBYTE', Dec('123456789'), RATES);
    assert.equal(result.ok ? null : result.error.message, 'invalid currency_amount');
    assert.ok(convertPurchase('GBYTE', Dec('9000000'), RATES).ok);
    assert.ok(!convertPurchase('GBYTE', Dec('9000000.000000001'), RATES).ok);
  });

  test('rates built with the global Big still divide at 40 places', () => {
    const c = value(convertPurchase('USD', Dec('1'), { GBYTE_USD: new Big('3') }));
    assert.equal(c.bytes.toFixed(), '333333333.3333333333333333333333333333333');
  });
});

describe('properties', () => {
  const decimal = (maxUnits: number, places: number) =>
    fc.tuple(fc.integer({ min: 1, max: maxUnits }), fc.integer({ min: 0, max: places })).map(([n, k]) => Dec(`${n}e-${k}`));

  test('GBYTE amounts with up to 9 places give whole bytes, exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: MAX_BYTES }), (bytes) => {
        const amount = Dec(bytes.toString()).div(1e9);
        const c = value(convertPurchase('GBYTE', amount, RATES));
        return c.bytes.eq(bytes.toString()) && floorToBytes(c.bytes) === bytes;
      }),
    );
  });

  test('no drift: converting back never exceeds the amount and misses it by less than 1e-20', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('USD', 'EUR', 'RUR', 'BTC' as const),
        decimal(1_000_000_000, 8),
        decimal(100_000_000, 6),
        decimal(100_000_000, 8),
        (currency, amount, gbyteUsd, fiatOrBtc) => {
          const rates: Rates = { GBYTE_USD: gbyteUsd, EUR_USD: fiatOrBtc, RUB_USD: fiatOrBtc, GBYTE_BTC: fiatOrBtc };
          const result = convertPurchase(currency, amount, rates);
          if (!result.ok) return result.error.code === 'field_invalid';
          const gbytes = Dec(result.value.bytes).div(1e9);
          const back = currency === 'BTC' ? gbytes.times(fiatOrBtc) : gbytes.times(gbyteUsd).div(currency === 'USD' ? 1 : fiatOrBtc);
          return back.lte(amount) && amount.minus(back).lt('1e-20');
        },
      ),
    );
  });

  test('monotone in the amount', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CURRENCIES), decimal(1_000_000, 8), decimal(1_000_000, 8), (currency, a, b) => {
        const [lo, hi] = a.lte(b) ? [a, b] : [b, a];
        const x = convertPurchase(currency, lo, RATES);
        const y = convertPurchase(currency, hi, RATES);
        if (!x.ok) return !y.ok; // too large stays too large
        if (!y.ok) return y.error.code === 'field_invalid';
        return x.value.bytes.lte(y.value.bytes) && x.value.usd.lte(y.value.usd);
      }),
    );
  });
});
