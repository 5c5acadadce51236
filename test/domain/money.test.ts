import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Dec, divide, gbyteAmountToBytes, microUsdText, usdToMicroCeil, usdToMicroFloor } from '../../src/domain/money.ts';

/** Decimal texts from 1e-45 to 1e45 with up to 40 significant digits, as rates, amounts and products come. */
const decimal = fc
  .tuple(fc.bigInt({ min: 0n, max: 10n ** 40n }), fc.integer({ min: -45, max: 45 }))
  .map(([digits, exp]) => `${digits}e${exp}`);
const positive = decimal.filter((d) => !Dec(d).eq(0));

test('property: divide gives exactly what Dec.div gives (40 places, toward zero), digit for digit', () => {
  fc.assert(
    fc.property(decimal, positive, (a, b) => {
      assert.equal(divide(Dec(a), Dec(b)).toString(), Dec(a).div(Dec(b)).toString(), `${a} / ${b}`);
    }),
    { numRuns: 2000 },
  );
});

test('property: with signs, divide and Dec.div agree in value', () => {
  fc.assert(
    fc.property(decimal, positive, fc.boolean(), fc.boolean(), (a, b, negA, negB) => {
      const x = Dec(a).times(negA ? -1 : 1);
      const y = Dec(b).times(negB ? -1 : 1);
      assert.ok(divide(x, y).eq(x.div(y)), `${x} / ${y}`);
    }),
    { numRuns: 500 },
  );
});

test('divide: the cases pricing meets, and division by zero', () => {
  assert.equal(divide(Dec('49.9'), Dec('8.5')).toString(), '5.8705882352941176470588235294117647058823');
  assert.equal(divide(Dec('1e9'), Dec('8.5')).toString(), '117647058.8235294117647058823529411764705882352941');
  assert.equal(divide(Dec('1e-41'), Dec('1')).toString(), '0');
  assert.equal(divide(Dec(0), Dec('3')).toString(), '0');
  assert.throws(() => divide(Dec(1), Dec(0)), RangeError);
});

test('GBYTE amounts are whole bytes, rounded to the nearest, halves up', () => {
  // WooBytes on PHP 8 prints 0.123456789 as 0.12345678900000001
  assert.equal(gbyteAmountToBytes(Dec('0.12345678900000001')), 123_456_789n);
  assert.equal(gbyteAmountToBytes(Dec('0.12345678899999999')), 123_456_789n);
  assert.equal(gbyteAmountToBytes(Dec('0.1234567885')), 123_456_789n);
  assert.equal(gbyteAmountToBytes(Dec('0.12345678849')), 123_456_788n);
  assert.equal(gbyteAmountToBytes(Dec('5.0E-5')), 50_000n);
  assert.equal(gbyteAmountToBytes(Dec('0.0000000004')), 0n);
  assert.equal(gbyteAmountToBytes(Dec('9000000')), 9_000_000_000_000_000n);
});

test('budget amounts: micro-dollars up for what is used, down for a limit', () => {
  assert.equal(usdToMicroCeil(Dec('150.0000001')), 150_000_001n);
  assert.equal(usdToMicroCeil(Dec('0.0000000001')), 1n);
  assert.equal(usdToMicroCeil(Dec('2')), 2_000_000n);
  assert.equal(usdToMicroFloor(Dec('99.9999999')), 99_999_999n);
  assert.equal(microUsdText(1_500_000n), '1.5');
  assert.equal(microUsdText(1n), '0.000001');
});
