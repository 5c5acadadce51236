import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES, failure, isErrorCode } from '../../src/domain/errors.ts';
import { err, ok } from '../../src/domain/result.ts';

test('the contract messages', () => {
  assert.equal(failure('authentication_failed').message, 'authentication failed');
  assert.equal(failure('unsupported_currency').message, 'unsupported currency');
  assert.equal(failure('purchase_unit_required').message, 'purchase_unit is required for GBYTE purchases');
  assert.equal(failure('order_id_used').message, 'order_id already used');
  assert.equal(failure('partner_funds').message, 'not enough partner funds');
  assert.equal(failure('pool_depleted').message, 'cashback pool depleted');
  assert.equal(failure('rate_unavailable').message, 'exchange rate unavailable');
  assert.equal(failure('cashback_too_small').message, 'cashback amount too small');
  assert.equal(failure('payout_failed').message, 'payout failed, try again later');
  assert.equal(failure('partner_budget').message, 'partner daily limit reached');
});

test('field messages name the field and keep it', () => {
  assert.deepEqual(failure('field_required', { field: 'order_id' }), {
    code: 'field_required',
    message: 'order_id is required',
    field: 'order_id',
  });
  assert.deepEqual(failure('field_invalid', { field: 'currency_amount', detail: 'x' }), {
    code: 'field_invalid',
    message: 'invalid currency_amount',
    field: 'currency_amount',
    detail: 'x',
  });
});

test('every code has a distinct, non-empty message without placeholders outside field codes', () => {
  const messages = new Set<string>();
  for (const code of ERROR_CODES) {
    const f = code === 'field_required' || code === 'field_invalid' ? failure(code, { field: 'f' }) : failure(code);
    assert.equal(f.code, code);
    assert.ok(f.message.length > 0 && !f.message.includes('<'), code);
    assert.ok(!messages.has(f.message), `duplicate message for ${code}`);
    messages.add(f.message);
  }
  assert.equal(ERROR_CODES.length, 25);
});

test('detail stays out of the message', () => {
  const f = failure('rate_unavailable', { detail: 'no GBYTE_USD' });
  assert.equal(f.message, 'exchange rate unavailable');
  assert.equal(f.detail, 'no GBYTE_USD');
});

test('a field code without a field is a bug', () => {
  assert.throws(() => (failure as (code: string, p?: object) => unknown)('field_invalid'));
  assert.throws(() => failure('field_required', { field: '' }));
});

test('isErrorCode', () => {
  assert.ok(isErrorCode('pool_depleted'));
  assert.ok(!isErrorCode('toString'));
  assert.ok(!isErrorCode('nope'));
  assert.ok(!isErrorCode(1));
});

test('result constructors', () => {
  assert.deepEqual(ok(5), { ok: true, value: 5 });
  assert.deepEqual(err(failure('internal')), { ok: false, error: { code: 'internal', message: 'internal error' } });
});
