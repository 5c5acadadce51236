import { hubFailure } from '../obyte/light-wallet.ts';
import { HubError, type HubClient } from '../obyte/hub-client.ts';
import type { Joint } from '../obyte/types.ts';
import type { ChainFailure } from '../services/payouts/ports.ts';
import type { UnitState } from '../services/stability.ts';

/** Broadcasts a stored, signed joint; a joint the hub already has counts as posted. */
export async function postStoredJoint(hub: HubClient, joint: string): Promise<{ ok: true } | ChainFailure> {
  try {
    await hub.postJoint(JSON.parse(joint) as Joint);
    return { ok: true };
  } catch (e) {
    if (e instanceof HubError && e.kind === 'response' && e.message === 'known') return { ok: true };
    return hubFailure(e);
  }
}

/** A stable unit carries its ball in the hub's get_joint answer. */
export async function unitState(hub: HubClient, unit: string): Promise<UnitState> {
  const answer = await hub.getJoint(unit);
  if (!('joint' in answer)) return 'missing';
  return answer.joint.ball ? 'stable' : 'unstable';
}

export async function unitExists(hub: HubClient, unit: string): Promise<boolean> {
  return (await unitState(hub, unit)) !== 'missing';
}
