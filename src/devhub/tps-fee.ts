// How the devhub prices tps_fee. ocore asks base_tps_fee × (e^(tps/tps_interval) − 1) × tps_fee_multiplier
// per unit, where tps is the rate of recent units (storage.js getLocalTpsFee). The devhub measures that rate
// over a sliding window: the accepted units up to the new unit's newest parent whose timestamp falls within the
// last `windowSec` seconds before the new unit's timestamp, plus the new unit itself. The count depends only on
// the unit's parents and timestamp, so the fee the hub quotes with the parents is exactly what validation requires.
//
// Once a unit is stable, ocore charges its actual fee, the same formula without tps_fee_multiplier
// (storage.js getFinalTpsFee), and keeps the difference in a tps fees balance per paying address
// (updateTpsFees): a unit that paid the quoted fee leaves most of it on the balance, and later units pay
// only what the balance does not cover, often 0.
import { decimalExp } from '../obyte/length.ts';

/** The system variables that price tps fees; the defaults are ocore's initial votes (initial_votes.js). */
export interface TpsFeeVars {
  base_tps_fee: number;
  tps_interval: number;
  tps_fee_multiplier: number;
  /** the sliding window, in seconds, over which the devhub measures tps */
  windowSec: number;
}

export const DEFAULT_TPS_FEE_VARS: Readonly<TpsFeeVars> = {
  base_tps_fee: 10,
  tps_interval: 1,
  tps_fee_multiplier: 10,
  windowSec: 10,
};

export function resolveTpsFeeVars(vars: Partial<TpsFeeVars> = {}): TpsFeeVars {
  const resolved = { ...DEFAULT_TPS_FEE_VARS, ...vars };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isFinite(value) || value < 0) throw new Error(`tps fee variable ${name} must be a non-negative number`);
  }
  if (resolved.tps_interval === 0 || resolved.windowSec === 0) throw new Error('tps_interval and windowSec must be positive');
  return resolved;
}

/** ocore conf.min_acceptable_tps_fee_multiplier's default: below this many times the current fee, a unit waits. */
export const DEFAULT_MIN_ACCEPTABLE_TPS_FEE_MULTIPLIER = 1.5;

/** base_tps_fee × (e^(tps/tps_interval) − 1) when `recentUnits` other units fall within the window. */
function baseFee(recentUnits: number, vars: TpsFeeVars): number {
  const tps = (recentUnits + 1) / vars.windowSec;
  return vars.base_tps_fee * (decimalExp(tps / vars.tps_interval) - 1);
}

/** The fee a new unit must cover when `recentUnits` other units fall within the window (ocore getLocalTpsFee). */
export function tpsFeeFor(recentUnits: number, vars: TpsFeeVars): number {
  return Math.round(vars.tps_fee_multiplier * baseFee(recentUnits, vars));
}

/**
 * The fee a stable unit is charged (ocore getFinalTpsFee), and the current fee of getCurrentTpsFee: no multiplier.
 * tps_fee_multiplier 0 is the devhub's switch for no tps fees at all, so nothing is charged then either (ocore has
 * no such switch: a balance drawn below 0 would refuse every unit paying the 0 it is quoted).
 */
export function actualTpsFeeFor(recentUnits: number, vars: TpsFeeVars): number {
  if (vars.tps_fee_multiplier === 0) return 0;
  return Math.round(baseFee(recentUnits, vars));
}

/**
 * ocore storage.getTpsFeeRecipients: who pays a unit's tps fee, with their shares in percent. The commission
 * recipients pay by their shares, unless one of them is not an author; then the first author pays alone.
 */
export function tpsFeeRecipients(authorAddresses: readonly string[], recipients?: ReadonlyArray<{ address: string; earned_headers_commission_share: number }>): Record<string, number> {
  const first = { [authorAddresses[0] ?? '']: 100 };
  if (!recipients) return first;
  if (recipients.some((r) => !authorAddresses.includes(r.address))) return first;
  return Object.fromEntries(recipients.map((r) => [r.address, r.earned_headers_commission_share]));
}
