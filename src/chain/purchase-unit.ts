import { failure } from '../domain/errors.ts';
import type { UnitPayment } from '../domain/purchase-unit.ts';
import { err, ok, type Result } from '../domain/result.ts';
import { HubError, type HubClient } from '../obyte/hub-client.ts';
import { baseOutputs } from '../obyte/payments.ts';

/**
 * Reads a GBYTE purchase's unit from the hub: its authors and its outputs in bytes. Whom it must pay, and whether it
 * was used before, are the purchase's questions (services/purchases.ts).
 */
export async function fetchUnitPayment(hub: HubClient, unit: string): Promise<Result<UnitPayment>> {
  let answer;
  try {
    answer = await hub.getJoint(unit);
  } catch (e) {
    if (e instanceof HubError) return err(failure('payout_failed', { detail: `get_joint ${unit}: ${e.message}` }));
    throw e;
  }
  if (!('joint' in answer)) return err(failure('purchase_unit_not_found'));
  const u = answer.joint.unit;
  return ok({
    authors: u.authors.map((a) => a.address),
    outputs: baseOutputs(u).map((o) => ({ address: o.address, amount: BigInt(o.amount) })),
  });
}
