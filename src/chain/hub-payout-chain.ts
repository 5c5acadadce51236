import { randomBytes } from 'node:crypto';
import { addressFromPubkey } from '../obyte/address.ts';
import { composeWithHub, estimateTpsFee } from '../obyte/light-wallet.ts';
import { HubError, type HubClient } from '../obyte/hub-client.ts';
import type { KeyPair } from '../obyte/keys.ts';
import { baseOutputs } from '../obyte/payments.ts';
import type { Joint, TransferInput } from '../obyte/types.ts';
import type { ChainFailure, Composed, PayoutChain } from '../services/payouts/ports.ts';
import { postStoredJoint, unitExists } from './hub-units.ts';

type Coin = TransferInput & { amount: number };

/** The payout engine's view of one Obyte network: a hot wallet key and a hub connection. */
export class HubPayoutChain implements PayoutChain {
  /**
   * The tps fee a new address (a textcoin's) would pay, asked with the last unit composed: the basis of the
   * allowance added to textcoins. Not the hot wallet's own fee, which its tps fees balance often brings to 0.
   */
  lastTpsFee = 0;
  /** An address nobody holds the key of, so it never has a tps fees balance: what a textcoin's address is asked. */
  private readonly freshAddress = addressFromPubkey(randomBytes(33).toString('base64'));
  /** The last composed unit and its change, which becomes spendable once the hub accepts that unit. */
  private composed: { joint: string; change: Coin | null } | null = null;
  /**
   * The change of the last unit the hub accepted: the next unit spends it without a coin-picking round trip.
   * Forgotten on anything unexpected, so the hub picks again (a wrong coin would only get a unit refused).
   */
  private change: Coin | null = null;

  constructor(
    private readonly hub: HubClient,
    private readonly key: KeyPair,
    private readonly params: { version: string; alt: string },
  ) {}

  get hotAddress(): string {
    return this.key.address;
  }

  async compose(outputs: ReadonlyArray<{ address: string; amount: bigint }>): Promise<Composed | ChainFailure> {
    const coins = this.change ? [this.change] : undefined;
    this.change = null;
    const [composed, freshFee] = await Promise.all([
      composeWithHub(this.hub, {
        params: this.params,
        key: this.key,
        outputs: outputs.map((o) => ({ address: o.address, amount: Number(o.amount) })),
        coins,
      }),
      // a failed estimate keeps the previous one; the unit itself does not depend on it
      estimateTpsFee(this.hub, this.freshAddress).catch((e: unknown) => {
        if (e instanceof HubError) return null;
        throw e;
      }),
    ]);
    if (freshFee !== null) this.lastTpsFee = freshFee;
    if (!composed.ok) return composed;
    const unit = composed.unit.unit!;
    const joint = JSON.stringify({ unit: composed.unit } satisfies Joint);
    const change = baseOutputs(composed.unit).find((o) => o.address === this.key.address);
    this.composed = { joint, change: change ? { unit, message_index: change.message_index, output_index: change.output_index, amount: change.amount } : null };
    return { ok: true, unit, joint, fee: BigInt(composed.fee), tpsFee: BigInt(composed.tpsFee) };
  }

  async post(joint: string): Promise<{ ok: true } | ChainFailure> {
    const last = this.composed;
    this.composed = null;
    const posted = await postStoredJoint(this.hub, joint);
    // Only the change of the unit just composed: an older unit's change may be spent already.
    this.change = posted.ok && last?.joint === joint ? last.change : null;
    return posted;
  }

  exists(unit: string): Promise<boolean> {
    return unitExists(this.hub, unit);
  }
}
