import type Big from 'big.js';
import { failure } from '../domain/errors.ts';
import { Dec } from '../domain/money.ts';
import { err, ok, type Result } from '../domain/result.ts';
import { HubError, type HubClient } from '../obyte/hub-client.ts';
import { baseOutputs } from '../obyte/payments.ts';

/**
 * A GBYTE purchase's unit must exist on the network and pay at least the purchase amount in bytes to addresses
 * other than its own authors (contract §7). Whether it was used before is the caller's (database) question.
 */
export async function verifyPurchaseUnit(hub: HubClient, unit: string, bytes: Big): Promise<Result<void>> {
  let answer;
  try {
    answer = await hub.getJoint(unit);
  } catch (e) {
    if (e instanceof HubError) return err(failure('payout_failed', { detail: `get_joint ${unit}: ${e.message}` }));
    throw e;
  }
  if (!('joint' in answer)) return err(failure('purchase_unit_not_found'));
  const u = answer.joint.unit;
  const authors = new Set(u.authors.map((a) => a.address));
  const paid = baseOutputs(u)
    .filter((o) => !authors.has(o.address))
    .reduce((sum, o) => sum.plus(o.amount), Dec(0));
  return paid.gte(bytes) ? ok(undefined) : err(failure('purchase_unit_underpaid', { detail: `pays ${paid} of ${bytes}` }));
}
