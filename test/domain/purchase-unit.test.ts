import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesPaidTo } from '../../src/domain/purchase-unit.ts';

const M1 = 'MERCHANT1';
const M2 = 'MERCHANT2';

test('only outputs to receiving addresses count, summed over outputs and addresses', () => {
  const unit = {
    authors: ['CUSTOMER'],
    outputs: [
      { address: M1, amount: 700n },
      { address: 'STRANGER', amount: 5_000n },
      { address: M2, amount: 300n },
      { address: M1, amount: 1n },
      { address: 'CUSTOMER', amount: 9_999n },
    ],
  };
  assert.equal(bytesPaidTo(unit, new Set([M1, M2])), 1_001n);
  assert.equal(bytesPaidTo(unit, new Set([M2])), 300n);
  assert.equal(bytesPaidTo(unit, new Set()), 0n);
});

test("an output to one of the unit's authors is change, even to a receiving address", () => {
  const unit = { authors: [M1, 'CUSTOMER'], outputs: [{ address: M1, amount: 10_000n }, { address: M2, amount: 5n }] };
  assert.equal(bytesPaidTo(unit, new Set([M1, M2])), 5n);
});
