// Who earns the headers commission and who pays the tps fee, and whether the tps fee is high enough
// (ocore validateHeadersCommissionRecipients, validateAATrigger, validateTpsFee).
import type { DagView, RejectedJoint, ValidationContext } from '../dag-view.ts';
import { tpsFeeRecipients } from '../tps-fee.ts';
import type { CheckedUnit } from './envelope.ts';
import { invalid, transientError } from './outcome.ts';
import { has, hasFieldsExcept, isAddress, isNonemptyArray, isObject, isPositiveInteger } from './predicates.ts';

export function checkCommissionRecipients(u: CheckedUnit): RejectedJoint | null {
  const recipients = u.raw.earned_headers_commission_recipients;
  if (u.authors.length > 1 && typeof recipients !== 'object')
    return invalid('must specify earned_headers_commission_recipients when more than 1 author');
  if (!has(u.raw, 'earned_headers_commission_recipients')) return null;
  if (!isNonemptyArray(recipients)) return invalid('empty earned_headers_commission_recipients array');
  let totalShare = 0;
  let prevAddress = '';
  for (const recipient of recipients) {
    const share = isObject(recipient) ? recipient.earned_headers_commission_share : undefined;
    if (!isObject(recipient) || !isPositiveInteger(share)) return invalid('earned_headers_commission_share must be positive integer');
    if (hasFieldsExcept(recipient, ['address', 'earned_headers_commission_share'])) return invalid('unknown fields in recipient');
    if (!isAddress(recipient.address)) return invalid('invalid recipient address checksum');
    if (recipient.address <= prevAddress) return invalid('recipient list must be sorted by address');
    totalShare += share;
    prevAddress = recipient.address;
  }
  if (totalShare !== 100) return invalid('sum of earned_headers_commission_share is not 100');
  return null;
}

// ocore skips the AA-trigger and tps-fee checks when the last ball is the genesis unit (mci 0).
export function checkAaTrigger(u: CheckedUnit, lastBallMci: number): RejectedJoint | null {
  if (lastBallMci === 0) {
    if (has(u.raw, 'max_aa_responses')) return invalid('max_aa_responses should not be there');
    return null;
  }
  const hasOutputs = u.messages.some((m) => m.app === 'payment' && isObject(m.payload) && isNonemptyArray(m.payload.outputs));
  if (!hasOutputs) return invalid('no output addresses found in payment messages');
  // this hub runs no autonomous agents, so no output can trigger one
  if (has(u.raw, 'max_aa_responses')) return invalid('no outputs to AAs, max_aa_responses should not be there');
  return null;
}

/**
 * ocore validateTpsFee: each paying address must cover its share of the fee with the unit's tps_fee and its tps
 * fees balance as of the last ball, or the unit is refused for good; and what it pays, balance included, must
 * reach the current fee × min_acceptable_tps_fee_multiplier, or the unit is refused for now.
 */
export function checkTpsFee(u: CheckedUnit, dag: DagView, lastBallMci: number, ctx: ValidationContext): RejectedJoint | null {
  if (lastBallMci === 0) return null;
  const tpsFee = u.raw.tps_fee;
  if (typeof tpsFee !== 'number') throw new Error('tps_fee must have been checked by now');
  // checkCommissionRecipients has checked the recipients' shape
  const recipients = u.raw.earned_headers_commission_recipients as Parameters<typeof tpsFeeRecipients>[1];
  const fromOp = u.authorAddresses.some((a) => ctx.opList.includes(a));
  for (const [address, percent] of Object.entries(tpsFeeRecipients(u.authorAddresses, recipients))) {
    const share = percent / 100;
    const balance = dag.tpsFeesBalance(address, lastBallMci);
    if (balance + tpsFee * share < ctx.minTpsFee * share)
      return invalid(`tps_fee ${tpsFee} + tps fees balance ${balance} less than required ${ctx.minTpsFee} for address ${address} whose share is ${share}`);
    const paid = balance / share + tpsFee;
    if (paid < ctx.minAcceptableTpsFee && !fromOp) return transientError(`tps fee on address ${address} must be at least ${ctx.minAcceptableTpsFee}, found ${paid}`);
  }
  return null;
}
