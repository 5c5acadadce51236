import { composeWithHub } from '../obyte/light-wallet.ts';
import type { HubClient } from '../obyte/hub-client.ts';
import type { KeyPair } from '../obyte/keys.ts';
import type { Joint } from '../obyte/types.ts';
import type { ChainFailure, Composed, PayoutChain } from '../services/payouts/ports.ts';
import type { UnitState } from '../services/stability.ts';
import { postStoredJoint, unitState } from './hub-units.ts';

/** The payout engine's view of one Obyte network: a hot wallet key and a hub connection. */
export class HubPayoutChain implements PayoutChain {
  /** The tps fee of the last unit composed: the basis of the allowance added to textcoins. */
  lastTpsFee = 0;

  constructor(
    private readonly hub: HubClient,
    private readonly key: KeyPair,
    private readonly params: { version: string; alt: string },
  ) {}

  get hotAddress(): string {
    return this.key.address;
  }

  async compose(outputs: ReadonlyArray<{ address: string; amount: bigint }>): Promise<Composed | ChainFailure> {
    const composed = await composeWithHub(this.hub, {
      params: this.params,
      key: this.key,
      outputs: outputs.map((o) => ({ address: o.address, amount: Number(o.amount) })),
    });
    if (!composed.ok) return composed;
    this.lastTpsFee = composed.tpsFee;
    const joint: Joint = { unit: composed.unit };
    return { ok: true, unit: composed.unit.unit!, joint: JSON.stringify(joint), fee: BigInt(composed.fee) };
  }

  post(joint: string): Promise<{ ok: true } | ChainFailure> {
    return postStoredJoint(this.hub, joint);
  }

  async exists(unit: string): Promise<boolean> {
    return (await unitState(this.hub, unit)) !== 'missing';
  }

  unitState(unit: string): Promise<UnitState> {
    return unitState(this.hub, unit);
  }
}
