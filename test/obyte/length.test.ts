import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  decimalExp,
  getHeadersSize,
  getLength,
  getOversizeFee,
  getPaidTempDataFee,
  getTotalPayloadSize,
} from '../../src/obyte/length.ts';
import type { Unit } from '../../src/obyte/types.ts';

type Outcome = { output: number } | { throws: string };
const load = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/vectors/${name}`, import.meta.url), 'utf8'));
const lengths = load('lengths.json') as {
  values: Array<{ id: string; input?: unknown; input_js?: string; getLength_with_keys: Outcome; getLength_without_keys: Outcome }>;
  units: Array<{ id: string; ref: string; getHeadersSize: number; getTotalPayloadSize: number; getPaidTempDataFee: number }>;
  variants: Array<{ id: string; unit: Unit; getHeadersSize: Outcome; getTotalPayloadSize: Outcome; getPaidTempDataFee: Outcome }>;
};
const unitsById = new Map((load('units.json') as { units: Array<{ id: string; unit: Unit }> }).units.map((u) => [u.id, u.unit]));

const JS_INPUTS: Record<string, unknown> = { '{n: Infinity}': { n: Infinity }, '{a: undefined}': { a: undefined } };

function check(id: string, outcome: Outcome, run: () => number): void {
  if ('output' in outcome) assert.equal(run(), outcome.output, id);
  else assert.throws(run, (e: unknown) => e instanceof Error && e.message === outcome.throws, id);
}

test(`lengths.json: ${lengths.values.length} values, ${lengths.units.length} units, ${lengths.variants.length} variants`, (t) => {
  let checks = 0;
  for (const c of lengths.values) {
    if (c.input_js !== undefined) assert.ok(c.input_js in JS_INPUTS, `no JS value for ${c.input_js}`);
    const value = c.input_js === undefined ? c.input : JS_INPUTS[c.input_js];
    check(`${c.id} with keys`, c.getLength_with_keys, () => getLength(value, true));
    check(`${c.id} without keys`, c.getLength_without_keys, () => getLength(value, false));
    checks += 2;
  }
  for (const c of lengths.units) {
    const unit = unitsById.get(c.ref.replace('units.json#', ''));
    assert.ok(unit, c.ref);
    assert.equal(getHeadersSize(unit), c.getHeadersSize, `${c.id} headers`);
    assert.equal(getTotalPayloadSize(unit), c.getTotalPayloadSize, `${c.id} payload`);
    assert.equal(getPaidTempDataFee(unit), c.getPaidTempDataFee, `${c.id} temp data fee`);
    checks += 3;
  }
  for (const c of lengths.variants) {
    check(`${c.id} headers`, c.getHeadersSize, () => getHeadersSize(c.unit));
    check(`${c.id} payload`, c.getTotalPayloadSize, () => getTotalPayloadSize(c.unit));
    check(`${c.id} temp data fee`, c.getPaidTempDataFee, () => getPaidTempDataFee(c.unit));
    checks += 3;
  }
  assert.deepEqual([lengths.values.length, lengths.units.length, lengths.variants.length], [13, 19, 5]);
  t.diagnostic(`${checks} checks`);
});

test('decimalExp rounds e^x to 15 significant digits, half to even, as decimal.js does for ocore', () => {
  assert.equal(decimalExp(0), 1);
  assert.equal(decimalExp(1), 2.71828182845905); // e = 2.718281828459045235…
  assert.equal(decimalExp(0.5), 1.64872127070013); // 1.6487212707001281468…
  assert.equal(decimalExp(0.1), 1.10517091807565); // 1.1051709180756476248…
  assert.equal(decimalExp(10), 22026.4657948067); // 22026.465794806716517…
  assert.equal(decimalExp(1e-7), 1.00000010000001); // 1.000000100000005000000166…
  assert.equal(decimalExp(100), 2.68811714181614e43); // 2.6881171418161354484…e43
  // Math.exp keeps 17 digits; the rounding to 15 is what ocore's fee uses
  assert.notEqual(decimalExp(0.5), Math.exp(0.5));
});

test('oversize fee: zero up to the threshold, then ceil(size * (e^(size/threshold - 1) - 1))', () => {
  const unitOfSize = (headers: number, payload: number): Unit =>
    ({ version: '4.0', alt: '1', messages: [], authors: [], headers_commission: headers, payload_commission: payload }) as Unit;
  assert.equal(getOversizeFee(unitOfSize(5000, 5000)), 0);
  assert.equal(getOversizeFee(unitOfSize(5000, 5001)), 2); // ceil(10001 * (e^0.0001 - 1)) = ceil(1.00015)
  // 15000 * (e^0.5 - 1) = 15000 * 0.64872127070013 = 9730.81906050195
  assert.equal(getOversizeFee(unitOfSize(400, 14600)), 9731);
  assert.equal(getOversizeFee(unitOfSize(400, 14600), 20000), 0);
  // here Math.exp would give 50878241136: e^12.8165 is 368243.616690189 at 15 digits (checked with Python's decimal)
  assert.equal(getOversizeFee(unitOfSize(400, 137765)), 50878241135);
  assert.throws(() => getOversizeFee(unitOfSize(0, 100)), /no headers or payload commission/);
});
