// The rules that decide whether a rate can be trusted, as pure functions of exact decimals: the cross-check
// between sources and the breaker on wild moves. The cache (cache.ts) keeps the state they decide on.
import type Big from 'big.js';
import { Dec } from '../domain/money.ts';

export interface Settings {
  /** Two sources of one pair (and GBYTE_USD against GBYTE_BTC × BTC_USD) must agree within this fraction. */
  readonly tolerance: Big;
  /** A value more than this fraction away from the last one used is held until a later fetch confirms it. */
  readonly step: Big;
}

/** True when the larger of a and b is at most (1 + fraction) times the smaller one. Exact; a and b positive. */
export function within(a: Big, b: Big, fraction: Big): boolean {
  const [low, high] = Dec(a).lt(b) ? [Dec(a), Dec(b)] : [Dec(b), Dec(a)];
  return high.lte(low.times(Dec(1).plus(fraction)));
}

/** The first disagreement among these named values (all must agree pairwise: max within tolerance of min), or null. */
export function disagreement(values: ReadonlyArray<{ readonly source: string; readonly value: Big }>, tolerance: Big): string | null {
  if (values.length < 2) return null;
  let low = values[0]!;
  let high = values[0]!;
  for (const v of values) {
    if (Dec(v.value).lt(low.value)) low = v;
    if (Dec(v.value).gt(high.value)) high = v;
  }
  if (within(low.value, high.value, tolerance)) return null;
  return `${high.source} ${high.value.toFixed()} and ${low.source} ${low.value.toFixed()} differ by more than ${pct(tolerance)}`;
}

/** GBYTE_USD against GBYTE_BTC × BTC_USD, or null when they agree. */
export function crossRateDisagreement(gbyteUsd: Big, gbyteBtc: Big, btcUsd: Big, tolerance: Big): string | null {
  const implied = Dec(gbyteBtc).times(btcUsd);
  if (within(gbyteUsd, implied, tolerance)) return null;
  return `GBYTE_USD ${gbyteUsd.toFixed()} and GBYTE_BTC × BTC_USD ${implied.toFixed()} differ by more than ${pct(tolerance)}`;
}

export type BreakerDecision = 'accept' | 'confirm' | 'hold' | 'keep-holding';

/**
 * What the breaker does with a new candidate value, given the last value used and the value held (if any):
 * - accept: no value used yet, or within the step of the last one used;
 * - confirm: within the step of the held value, from a fetch round late enough to count as a second look;
 * - keep-holding: within the step of the held value, but too soon to confirm it;
 * - hold: a new jump (from the last one used, and from whatever was held).
 */
export function breaker(
  candidate: Big,
  lastUsed: Big | null,
  held: { readonly value: Big; readonly since: number } | null,
  roundAt: number,
  confirmAfterMs: number,
  step: Big,
): BreakerDecision {
  if (lastUsed === null || within(candidate, lastUsed, step)) return 'accept';
  if (held !== null && within(candidate, held.value, step)) return roundAt - held.since >= confirmAfterMs ? 'confirm' : 'keep-holding';
  return 'hold';
}

function pct(fraction: Big): string {
  return `${Dec(fraction).times(100).toFixed()}%`;
}
