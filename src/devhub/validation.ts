// Unit validation as ocore does it for a joint posted by a light client (network.js handlePostedJoint →
// validation.validate): the same checks in the same order, with ocore's error texts, against a DagView.
import type { Unit } from '../obyte/types.ts';
import type { DagView, JointValidation, RejectedJoint, ValidationContext } from './dag-view.ts';
import { checkAuthors } from './validation/authors.ts';
import { checkEnvelope } from './validation/envelope.ts';
import { checkAaTrigger, checkCommissionRecipients, checkTpsFee } from './validation/fees.ts';
import { checkMessages } from './validation/messages.ts';
import { KNOWN, invalid, transientError } from './validation/outcome.ts';
import { checkParents } from './validation/parents.ts';
import { has, isObject, type Obj } from './validation/predicates.ts';

export function validateJoint(joint: unknown, dag: DagView, ctx: ValidationContext): JointValidation {
  const posted = checkPostedJoint(joint, dag);
  if ('ok' in posted) return posted;
  const u = checkEnvelope(posted.joint, posted.unit, ctx);
  if ('ok' in u) return u;
  const recipients = checkCommissionRecipients(u);
  if (recipients) return recipients;
  const parents = checkParents(u, dag, ctx);
  if ('ok' in parents) return parents;
  const { lastBallMci } = parents;
  const feeError = checkAaTrigger(u, lastBallMci) ?? checkTpsFee(u, dag, lastBallMci, ctx);
  if (feeError) return feeError;
  const definitions = checkAuthors(u, dag, lastBallMci);
  if (!Array.isArray(definitions)) return definitions;
  const messages = checkMessages(u, dag, lastBallMci);
  if ('ok' in messages) return messages;
  // ocore accepts a unit that double-spends against a unit outside its genes as nonserial,
  // and a hub then refuses it when a light client posts it
  if (messages.conflictingUnit !== null)
    return { ok: false, error: 'The transaction would be non-serial (a double spend)', transient: false, kind: 'double_spend' };
  // every field the Unit type describes has now been checked
  const unit = u.raw as unknown as Unit;
  return { ok: true, unit, spent: messages.spent, definitions, dataFeeds: messages.dataFeeds };
}

/** network.js: what the hub checks before validation proper, and the hub annotations it drops. */
function checkPostedJoint(joint: unknown, dag: DagView): { joint: Obj; unit: Obj } | RejectedJoint {
  if (!isObject(joint) || !isObject(joint.unit) || !joint.unit.unit) return invalid('no unit');
  if (joint.ball) return invalid('no ball via post_joint');
  if (typeof joint.unit.unit !== 'string') return invalid('no unit');
  if (has(joint, 'unsigned')) return invalid('unsigned unit');
  const { main_chain_index: _mci, actual_tps_fee: _actualTpsFee, ...unit } = joint.unit;
  if (has(joint, 'aa')) return invalid('AA unit cannot be broadcast');
  if (typeof unit.version !== 'string') return invalid('invalid version');
  if (!(parseFloat(unit.version) >= 4)) return transientError('version is too old');
  if (dag.getUnit(joint.unit.unit)) return KNOWN;
  return { joint: { ...joint, unit }, unit };
}
