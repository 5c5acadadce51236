import type Big from 'big.js';
import { failure } from './errors.ts';
import { BYTES_PER_GBYTE, Dec, divide, gbyteAmountToBytes, MAX_BYTES, type Currency, type RatePair, type Rates } from './money.ts';
import { err, ok, type Result } from './result.ts';

export interface Conversion {
  /** The purchase value in bytes, exact (not yet rounded). */
  readonly bytes: Big;
  /** The purchase value in USD, exact (to 40 decimal places). */
  readonly usd: Big;
  /** USD per GBYTE at these rates: maps bytes to the policy's USD amounts and back. */
  readonly gbyteUsd: Big;
  /** The rates this conversion used: record them with the purchase. */
  readonly used: Rates;
}

const GBYTE = Dec(BYTES_PER_GBYTE.toString());
const MAX = Dec(MAX_BYTES.toString());

/**
 * Converts a purchase amount to bytes and to USD. Fiat goes through USD; BTC goes through GBYTE_BTC,
 * or through BTC_USD and GBYTE_USD when GBYTE_BTC is missing. A missing or non-positive rate gives
 * rate_unavailable; a purchase worth more than MAX_BYTES is an invalid currency_amount.
 */
export function convertPurchase(currency: Currency, amount: Big, rates: Rates): Result<Conversion> {
  const used: Rates = {};
  const rate = (pair: RatePair): Big | null => {
    const value = rates[pair];
    if (value === undefined || !value.gt(0)) return null;
    const exact = Dec(value);
    used[pair] = exact;
    return exact;
  };
  const unavailable = (pair: RatePair) => err(failure('rate_unavailable', { detail: `no usable ${pair} rate` }));

  const gbyteUsd = rate('GBYTE_USD');
  if (gbyteUsd === null) return unavailable('GBYTE_USD');
  const value = Dec(amount);

  let gbytes: Big;
  let usd: Big;
  switch (currency) {
    case 'GBYTE': {
      // whole bytes, as the purchase_unit pays them (contract §7)
      const whole = gbyteAmountToBytes(value);
      if (whole === 0n) return err(failure('field_invalid', { field: 'currency_amount', detail: 'less than half a byte' }));
      gbytes = Dec(whole.toString()).div(GBYTE);
      usd = gbytes.times(gbyteUsd);
      break;
    }
    case 'USD':
      usd = value;
      gbytes = divide(usd, gbyteUsd);
      break;
    case 'EUR':
    case 'RUR': {
      const pair = currency === 'EUR' ? 'EUR_USD' : 'RUB_USD';
      const fiatUsd = rate(pair);
      if (fiatUsd === null) return unavailable(pair);
      usd = value.times(fiatUsd);
      gbytes = divide(usd, gbyteUsd);
      break;
    }
    case 'BTC': {
      const gbyteBtc = rate('GBYTE_BTC');
      if (gbyteBtc !== null) {
        gbytes = divide(value, gbyteBtc);
      } else {
        const btcUsd = rate('BTC_USD');
        if (btcUsd === null) return unavailable('GBYTE_BTC');
        gbytes = divide(value.times(btcUsd), gbyteUsd);
      }
      usd = gbytes.times(gbyteUsd);
      break;
    }
  }
  const bytes = gbytes.times(GBYTE);
  if (bytes.gt(MAX)) {
    return err(failure('field_invalid', { field: 'currency_amount', detail: `worth ${bytes.toFixed(0)} bytes` }));
  }
  return ok({ bytes, usd, gbyteUsd, used });
}
