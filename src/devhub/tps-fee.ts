// How the devhub prices tps_fee. ocore charges base_tps_fee × (e^(tps/tps_interval) − 1) × tps_fee_multiplier
// per unit, where tps is the rate of recent units (storage.js getLocalTpsFee). The devhub measures that rate
// over a sliding window: the accepted units up to the new unit's newest parent whose timestamp falls within the
// last `windowSec` seconds before the new unit's timestamp, plus the new unit itself. The count depends only on
// the unit's parents and timestamp, so the fee the hub quotes with the parents is exactly what validation requires.
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

/** The fee for one unit when `recentUnits` other units fall within the window. */
export function tpsFeeFor(recentUnits: number, vars: TpsFeeVars): number {
  const tps = (recentUnits + 1) / vars.windowSec;
  return Math.round(vars.tps_fee_multiplier * vars.base_tps_fee * (decimalExp(tps / vars.tps_interval) - 1));
}
