import type Big from 'big.js';
import { failure } from './errors.ts';
import { Dec, divide, floorToBytes } from './money.ts';
import { err, ok, type Result } from './result.ts';

/** One band of the purchase value: the program-funded rate is multiplied by `factor` from `fromUsd` up to the next band. */
export interface PolicyTier {
  readonly fromUsd: Big;
  readonly factor: Big;
}

/** The cashback program rules (contract §5). Every number here is configuration. */
export interface PolicyConfig {
  /** Program-funded percentage for every purchase. */
  readonly basePct: Big;
  /** Replaces basePct for a GBYTE purchase whose purchase_unit was verified on the network. */
  readonly bytesPaidPct: Big;
  /** The program matches the partner's percentage up to this many percent. */
  readonly matchCapPct: Big;
  /** Highest partner_cashback_percentage accepted. */
  readonly maxPartnerPct: Big;
  /** Bands of the purchase value in USD, ascending, the first from 0; they scale the program-funded part only. */
  readonly tiers: readonly PolicyTier[];
  /** Program-funded cashback per customer / per address in a rolling window, USD; null = no cap. */
  readonly capPerCustomerUsd: Big | null;
  readonly capPerAddressUsd: Big | null;
  readonly capWindowMs: number;
  /** Cashback below this many bytes is refused. */
  readonly minCashbackBytes: bigint;
  /** The program-funded cashback per partner and network in a rolling 24 h, USD, for partners without their own. */
  readonly partnerDailyBudgetUsd: Big;
}

export const DEFAULT_POLICY: PolicyConfig = Object.freeze({
  basePct: Dec(10),
  bytesPaidPct: Dec(20),
  matchCapPct: Dec(10),
  maxPartnerPct: Dec(100),
  tiers: Object.freeze([
    { fromUsd: Dec(0), factor: Dec(1) },
    { fromUsd: Dec(1000), factor: Dec('0.5') },
    { fromUsd: Dec(10000), factor: Dec('0.1') },
  ]),
  capPerCustomerUsd: null,
  capPerAddressUsd: null,
  capWindowMs: 24 * 60 * 60 * 1000,
  minCashbackBytes: 1000n,
  partnerDailyBudgetUsd: Dec(1000),
});

/** Whether a per-customer or per-address cap is set: only then do purchases count toward caps. */
export function capsOn(policy: PolicyConfig): boolean {
  return policy.capPerCustomerUsd !== null || policy.capPerAddressUsd !== null;
}

/** Checks a policy assembled from configuration; returns the list of problems (empty when valid). */
export function policyProblems(policy: PolicyConfig): string[] {
  const problems: string[] = [];
  const nonNegative = (name: string, value: Big) => {
    if (value.lt(0)) problems.push(`${name} must not be negative`);
  };
  nonNegative('basePct', policy.basePct);
  nonNegative('bytesPaidPct', policy.bytesPaidPct);
  nonNegative('matchCapPct', policy.matchCapPct);
  nonNegative('maxPartnerPct', policy.maxPartnerPct);
  if (policy.capPerCustomerUsd !== null) nonNegative('capPerCustomerUsd', policy.capPerCustomerUsd);
  if (policy.capPerAddressUsd !== null) nonNegative('capPerAddressUsd', policy.capPerAddressUsd);
  if (!Number.isSafeInteger(policy.capWindowMs) || policy.capWindowMs <= 0) {
    problems.push('capWindowMs must be a positive integer');
  }
  nonNegative('partnerDailyBudgetUsd', policy.partnerDailyBudgetUsd);
  if (policy.minCashbackBytes < 1n) problems.push('minCashbackBytes must be at least 1');
  const first = policy.tiers[0];
  if (first === undefined || !first.fromUsd.eq(0)) problems.push('tiers must start at 0 USD');
  policy.tiers.forEach((tier, i) => {
    if (tier.factor.lt(0) || tier.factor.gt(1)) problems.push(`tier ${i}: factor must be between 0 and 1`);
    const previous = policy.tiers[i - 1];
    if (previous !== undefined && !tier.fromUsd.gt(previous.fromUsd)) {
      problems.push(`tier ${i}: fromUsd must be above the previous tier's`);
    }
  });
  return problems;
}

export interface CashbackInput {
  /** Purchase value in bytes, exact (Conversion.bytes). */
  readonly bytes: Big;
  /** USD per GBYTE at the rates of this purchase (Conversion.gbyteUsd). */
  readonly gbyteUsd: Big;
  /** partner_cashback_percentage. */
  readonly partnerPct: Big;
  /** A GBYTE purchase whose purchase_unit was verified on the network. */
  readonly paidInBytesVerified: boolean;
  /** Program-funded cashback already paid in the cap window, USD; needed only when caps are on. */
  readonly programUsdInWindow?: { readonly customer: Big; readonly address: Big };
}

export interface Cashback {
  /** Paid from the program pool. */
  readonly programShare: bigint;
  /** Paid from the partner's deposit. */
  readonly partnerShare: bigint;
  /** What the customer receives: programShare + partnerShare. */
  readonly total: bigint;
  /** The nominal program-funded percentage (before bands and caps). */
  readonly programPct: Big;
  /** programShare in USD at this purchase's rate: what counts against the caps. */
  readonly programUsd: Big;
  /** True when a per-customer or per-address cap reduced the program-funded part. */
  readonly capped: boolean;
}

/**
 * Percent as a factor. Multiplying by it is exact, where dividing by 100 truncates at Dec.DP places and, with
 * 40 places, costs a long division per call; both round down to the same whole bytes.
 */
const HUNDREDTH = Dec('0.01');
const NANO = Dec('1e-9');
const GBYTE = Dec('1e9');

/**
 * The cashback for a purchase (contract §5). The program part is programPct of the purchase value,
 * scaled band by band (full up to 1,000 USD, half up to 10,000, a tenth above), then limited by the
 * caps; the partner part is partnerPct of the whole value. Each part is rounded down to whole bytes.
 */
export function computeCashback(input: CashbackInput, policy: PolicyConfig = DEFAULT_POLICY): Result<Cashback> {
  const bytes = Dec(input.bytes);
  const gbyteUsd = Dec(input.gbyteUsd);
  const partnerPct = Dec(input.partnerPct);
  if (bytes.lt(0)) throw new RangeError('purchase value must not be negative');
  if (!gbyteUsd.gt(0)) throw new RangeError('gbyteUsd must be positive');
  if (partnerPct.lt(0) || partnerPct.gt(policy.maxPartnerPct)) {
    return err(failure('field_invalid', { field: 'partner_cashback_percentage' }));
  }
  // Bytes to USD is a multiplication, exact; USD to bytes is a long division, done only when a band or a cap needs it.
  const usdPerByte = gbyteUsd.times(NANO);
  let bytesPerUsd: Big | null = null;
  const toBytes = (usd: Big): Big => usd.times((bytesPerUsd ??= divide(GBYTE, gbyteUsd)));

  const basePct = input.paidInBytesVerified ? policy.bytesPaidPct : policy.basePct;
  const matchPct = partnerPct.lt(policy.matchCapPct) ? partnerPct : Dec(policy.matchCapPct);
  const programPct = Dec(basePct).plus(matchPct);

  let program = programPct.times(bandedValue(bytes, bytes.times(usdPerByte), toBytes, policy.tiers)).times(HUNDREDTH);
  let capped = false;
  const capLeft = (capUsd: Big | null, paidUsd: Big | undefined): Big | null => {
    if (capUsd === null) return null;
    const leftUsd = Dec(capUsd).minus(paidUsd ?? 0);
    return leftUsd.gt(0) ? toBytes(leftUsd) : Dec(0);
  };
  for (const left of [
    capLeft(policy.capPerCustomerUsd, input.programUsdInWindow?.customer),
    capLeft(policy.capPerAddressUsd, input.programUsdInWindow?.address),
  ]) {
    if (left !== null && left.lt(program)) {
      program = left;
      capped = true;
    }
  }

  const programShare = floorToBytes(program);
  const partnerShare = floorToBytes(partnerPct.times(bytes).times(HUNDREDTH));
  const total = programShare + partnerShare;
  if (total < policy.minCashbackBytes) {
    return err(failure('cashback_too_small', { detail: `${total} bytes, minimum ${policy.minCashbackBytes}` }));
  }
  return ok({
    programShare,
    partnerShare,
    total,
    programPct,
    programUsd: Dec(programShare.toString()).times(usdPerByte),
    capped,
  });
}

/** The purchase value in bytes with each band weighted by its factor; bands are compared in USD. */
function bandedValue(bytes: Big, usd: Big, toBytes: (usd: Big) => Big, tiers: readonly PolicyTier[]): Big {
  let weighted = Dec(0);
  tiers.forEach((tier, i) => {
    if (!usd.gt(tier.fromUsd)) return;
    const from = tier.fromUsd.eq(0) ? Dec(0) : toBytes(Dec(tier.fromUsd));
    const next = tiers[i + 1];
    const upper = next === undefined || !usd.gt(next.fromUsd) ? bytes : toBytes(Dec(next.fromUsd));
    weighted = weighted.plus(upper.minus(from).times(tier.factor));
  });
  return weighted;
}
