import type Big from 'big.js';
import { failure } from '../domain/errors.ts';
import { Dec, isRatePair, parseDecimal, type RatePair } from '../domain/money.ts';
import { err, ok, type Result } from '../domain/result.ts';
import type { RateSource } from './types.ts';

/**
 * Rates fixed by configuration (tests, devnets, or an operator's override). Text values are parsed
 * exactly; an unknown pair or a value that is not a positive decimal is a configuration error.
 */
export function createFixedRateSource(
  rates: Readonly<Record<string, string | Big | undefined>>,
  name = 'fixed',
  now: () => number = Date.now,
): Result<RateSource, string> {
  const values: Partial<Record<RatePair, Big>> = {};
  for (const [pair, given] of Object.entries(rates)) {
    if (!isRatePair(pair)) return err(`unknown rate pair ${pair}`);
    if (given === undefined) continue;
    const value = typeof given === 'string' ? parseDecimal(given.trim()) : Dec(given);
    if (value === null || !value.gt(0)) return err(`${pair}: not a positive decimal: ${String(given)}`);
    values[pair] = value;
  }
  return ok({
    name,
    fetch: async () => {
      if (Object.keys(values).length === 0) return err(failure('rate_unavailable', { detail: `${name}: no rates configured` }));
      // A fixed rate tells no time of its own: it holds whenever it is asked for.
      const at = now();
      return ok(Object.fromEntries(Object.entries(values).map(([pair, value]) => [pair, { value, at }])));
    },
  });
}
