import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type Big from 'big.js';
import fc from 'fast-check';
import { computeCashback, DEFAULT_POLICY, policyProblems, type Cashback, type CashbackInput, type PolicyConfig } from '../../src/domain/policy.ts';
import { Dec } from '../../src/domain/money.ts';
import type { Result } from '../../src/domain/result.ts';

const GB = 1_000_000_000n;
// 10 USD per GBYTE: 1 USD = 1e8 bytes, so the bands are at 1e11 and 1e12 bytes.
const GBYTE_USD = Dec(10);
const PER_USD = Dec('1e8');

function input(usd: string, partnerPct = '0', extra: Partial<CashbackInput> = {}): CashbackInput {
  return { bytes: Dec(usd).times(PER_USD), gbyteUsd: GBYTE_USD, partnerPct: Dec(partnerPct), paidInBytesVerified: false, ...extra };
}

function value(result: Result<Cashback>): Cashback {
  if (!result.ok) assert.fail(`expected ok, got ${result.error.code}`);
  return result.value;
}

function shares(c: Cashback) {
  return [c.programShare, c.partnerShare, c.total];
}

describe('computeCashback, worked examples at 10 USD per GBYTE', () => {
  test('10% of the value from the program', () => {
    const c = value(computeCashback(input('100')));
    assert.deepEqual(shares(c), [GB, 0n, GB]);
    assert.equal(c.programPct.toFixed(), '10');
    assert.equal(c.programUsd.toFixed(), '10');
    assert.equal(c.capped, false);
  });

  test('the partner percentage is matched up to 10', () => {
    assert.deepEqual(shares(value(computeCashback(input('100', '5')))), [(GB * 3n) / 2n, GB / 2n, 2n * GB]);
    assert.deepEqual(shares(value(computeCashback(input('100', '10')))), [2n * GB, GB, 3n * GB]);
    const c = value(computeCashback(input('100', '25')));
    assert.deepEqual(shares(c), [2n * GB, (GB * 5n) / 2n, (GB * 9n) / 2n]);
    assert.equal(c.programPct.toFixed(), '20');
  });

  test('20% when paid in bytes with a verified purchase_unit', () => {
    const c = value(computeCashback(input('100', '10', { paidInBytesVerified: true })));
    assert.deepEqual(shares(c), [3n * GB, GB, 4n * GB]);
    assert.equal(c.programPct.toFixed(), '30');
  });

  test('large purchases: full up to 1,000 USD, half up to 10,000, a tenth above; the partner part is not reduced', () => {
    // 1000 USD → 100 GB at 10%; 4000 USD more → 400 GB × 5%.
    assert.deepEqual(shares(value(computeCashback(input('5000')))), [30n * GB, 0n, 30n * GB]);
    // 20% of: 100 GB + half of 900 GB + a tenth of 1000 GB = 20% of 650 GB; partner 10% of 2000 GB.
    assert.deepEqual(shares(value(computeCashback(input('20000', '10')))), [130n * GB, 200n * GB, 330n * GB]);
    // exactly at the band edges
    assert.equal(value(computeCashback(input('1000'))).programShare, 10n * GB);
    assert.equal(value(computeCashback(input('10000'))).programShare, 55n * GB);
  });

  test('each part is rounded down to whole bytes', () => {
    const c = value(computeCashback({ bytes: Dec('123456789.99'), gbyteUsd: GBYTE_USD, partnerPct: Dec('3.3'), paidInBytesVerified: false }));
    // program 13.3% of 123456789.99 = 16419753.068..., partner 3.3% = 4074074.069...
    assert.deepEqual(shares(c), [16_419_753n, 4_074_074n, 20_493_827n]);
  });

  test('below the minimum is refused; at the minimum it is paid', () => {
    assert.equal(value(computeCashback({ bytes: Dec('10000'), gbyteUsd: GBYTE_USD, partnerPct: Dec('0'), paidInBytesVerified: false })).total, 1000n);
    const small = computeCashback({ bytes: Dec('9999'), gbyteUsd: GBYTE_USD, partnerPct: Dec('0'), paidInBytesVerified: false });
    assert.equal(small.ok ? null : small.error.message, 'cashback amount too small');
    const custom = computeCashback(input('100'), { ...DEFAULT_POLICY, minCashbackBytes: GB + 1n });
    assert.equal(custom.ok ? null : custom.error.code, 'cashback_too_small');
  });

  test('a partner percentage above the maximum is invalid', () => {
    const result = computeCashback(input('100', '100.5'));
    assert.equal(result.ok ? null : result.error.message, 'invalid partner_cashback_percentage');
    assert.ok(!computeCashback(input('100', '-1')).ok);
  });
});

describe('caps per customer and per address (rolling window, USD, program part only)', () => {
  const capped: PolicyConfig = { ...DEFAULT_POLICY, capPerCustomerUsd: Dec('50'), capPerAddressUsd: Dec('80') };
  const paid = (customer: string, address: string) => ({ programUsdInWindow: { customer: Dec(customer), address: Dec(address) } });

  test('off by default', () => {
    assert.equal(value(computeCashback(input('10000', '0', paid('1e9', '1e9')))).programShare, 55n * GB);
  });

  test('the program part is cut to what is left under the tighter cap', () => {
    const c = value(computeCashback(input('1000', '5', paid('30', '0')), capped));
    assert.deepEqual(shares(c), [2n * GB, 5n * GB, 7n * GB]);
    assert.equal(c.programUsd.toFixed(), '20');
    assert.equal(c.capped, true);
    assert.equal(value(computeCashback(input('1000', '5', paid('0', '75')), capped)).programShare, GB / 2n);
  });

  test('under the cap nothing changes', () => {
    const c = value(computeCashback(input('100', '0', paid('10', '10')), capped));
    assert.deepEqual(shares(c), [GB, 0n, GB]);
    assert.equal(c.capped, false);
  });

  test('a spent cap leaves only the partner part, or nothing', () => {
    assert.deepEqual(shares(value(computeCashback(input('100', '5', paid('60', '0')), capped))), [0n, GB / 2n, GB / 2n]);
    const nothing = computeCashback(input('100', '0', paid('50', '0')), capped);
    assert.equal(nothing.ok ? null : nothing.error.code, 'cashback_too_small');
  });
});

describe('policyProblems', () => {
  test('the default policy is valid', () => {
    assert.deepEqual(policyProblems(DEFAULT_POLICY), []);
  });

  test('bad configurations are named', () => {
    const bad: PolicyConfig = {
      ...DEFAULT_POLICY,
      basePct: Dec('-1'),
      tiers: [
        { fromUsd: Dec('5'), factor: Dec('1') },
        { fromUsd: Dec('5'), factor: Dec('2') },
      ],
      capWindowMs: 0,
      minCashbackBytes: 0n,
      capPerAddressUsd: Dec('-3'),
    };
    assert.deepEqual(policyProblems(bad), [
      'basePct must not be negative',
      'capPerAddressUsd must not be negative',
      'capWindowMs must be a positive integer',
      'minCashbackBytes must be at least 1',
      'tiers must start at 0 USD',
      'tier 1: factor must be between 0 and 1',
      'tier 1: fromUsd must be above the previous tier\'s',
    ]);
    assert.deepEqual(policyProblems({ ...DEFAULT_POLICY, tiers: [] }), ['tiers must start at 0 USD']);
  });
});

describe('properties', () => {
  // Purchase values: integers of bytes up to the protocol cap, sometimes with a fraction.
  const bytesArb = fc
    .tuple(fc.bigInt({ min: 0n, max: 9_000_000_000_000_000n }), fc.integer({ min: 0, max: 8 }))
    .map(([n, k]) => Dec(`${n}e-${k}`));
  // Partner percentages with up to 2 decimals, 0 to 100.
  const pctArb = fc.integer({ min: 0, max: 10_000 }).map((n) => Dec(n).div(100));
  // GBYTE_USD from 0.01 to 10,000 with up to 6 decimals.
  const gbyteUsdArb = fc.integer({ min: 10_000, max: 10_000_000_000 }).map((micro) => Dec(micro).div(1e6));
  interface PolicyCase {
    caps: boolean;
    capCustomer: number;
    capAddress: number;
    paidCustomer: number;
    paidAddress: number;
    verified: boolean;
  }
  const policyArb: fc.Arbitrary<PolicyCase> = fc.record({
    caps: fc.boolean(),
    capCustomer: fc.integer({ min: 0, max: 5000 }),
    capAddress: fc.integer({ min: 0, max: 5000 }),
    paidCustomer: fc.integer({ min: 0, max: 6000 }),
    paidAddress: fc.integer({ min: 0, max: 6000 }),
    verified: fc.boolean(),
  });

  function run(bytes: Big, pct: Big, gbyteUsd: Big, p: PolicyCase) {
    const policy: PolicyConfig = p.caps
      ? { ...DEFAULT_POLICY, capPerCustomerUsd: Dec(p.capCustomer), capPerAddressUsd: Dec(p.capAddress) }
      : DEFAULT_POLICY;
    return computeCashback(
      {
        bytes,
        gbyteUsd,
        partnerPct: pct,
        paidInBytesVerified: p.verified,
        programUsdInWindow: { customer: Dec(p.paidCustomer), address: Dec(p.paidAddress) },
      },
      policy,
    );
  }

  test('never more than the configured percentages; total = program + partner', () => {
    fc.assert(
      fc.property(bytesArb, pctArb, gbyteUsdArb, policyArb, (bytes, pct, gbyteUsd, p) => {
        const result = run(bytes, pct, gbyteUsd, p);
        if (!result.ok) return result.error.code === 'cashback_too_small';
        const c = result.value;
        const maxProgramPct = (p.verified ? DEFAULT_POLICY.bytesPaidPct : DEFAULT_POLICY.basePct).plus(pct.lt(10) ? pct : 10);
        return (
          c.programPct.eq(maxProgramPct) &&
          Dec(c.programShare.toString()).lte(maxProgramPct.times(bytes).div(100)) &&
          Dec(c.total.toString()).lte(maxProgramPct.plus(pct).times(bytes).div(100)) &&
          c.total === c.programShare + c.partnerShare &&
          c.total >= DEFAULT_POLICY.minCashbackBytes
        );
      }),
    );
  });

  test('the partner share is exactly floor(p% of the value), in integers', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 9_000_000_000_000_000n }), fc.integer({ min: 0, max: 10_000 }), gbyteUsdArb, policyArb, (bytes, pctHundredths, gbyteUsd, p) => {
        const result = run(Dec(bytes.toString()), Dec(pctHundredths).div(100), gbyteUsd, p);
        const expected = (bytes * BigInt(pctHundredths)) / 10_000n;
        return result.ok ? result.value.partnerShare === expected : expected < DEFAULT_POLICY.minCashbackBytes;
      }),
    );
  });

  test('without caps, below the first band, the program share is exactly floor(programPct% of the value)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 1_000_000_000_000n }), fc.integer({ min: 0, max: 10_000 }), (bytes, pctHundredths) => {
        const pct = Dec(pctHundredths).div(100);
        // 1 USD = 1e9 bytes, so anything up to 1e12 bytes is within the first 1,000 USD.
        const result = computeCashback({ bytes: Dec(bytes.toString()), gbyteUsd: Dec(1), partnerPct: pct, paidInBytesVerified: false });
        const matched = BigInt(Math.min(pctHundredths, 1000));
        const expected = (bytes * (1000n + matched)) / 10_000n;
        return result.ok ? result.value.programShare === expected : expected + (bytes * BigInt(pctHundredths)) / 10_000n < 1000n;
      }),
    );
  });

  test('monotone: a larger purchase never gets less, in total or in either part', () => {
    fc.assert(
      fc.property(bytesArb, bytesArb, pctArb, gbyteUsdArb, policyArb, (a, b, pct, gbyteUsd, p) => {
        const [lo, hi] = a.lte(b) ? [a, b] : [b, a];
        const x = run(lo, pct, gbyteUsd, p);
        const y = run(hi, pct, gbyteUsd, p);
        if (!x.ok) return true;
        if (!y.ok) return false;
        return x.value.total <= y.value.total && x.value.programShare <= y.value.programShare && x.value.partnerShare <= y.value.partnerShare;
      }),
    );
  });

  test('monotone in the partner percentage too', () => {
    fc.assert(
      fc.property(bytesArb, pctArb, pctArb, gbyteUsdArb, policyArb, (bytes, a, b, gbyteUsd, p) => {
        const [lo, hi] = a.lte(b) ? [a, b] : [b, a];
        const x = run(bytes, lo, gbyteUsd, p);
        const y = run(bytes, hi, gbyteUsd, p);
        return !x.ok || (y.ok && x.value.total <= y.value.total);
      }),
    );
  });
});
