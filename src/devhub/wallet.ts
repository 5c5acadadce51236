// The devhub's own sending: faucet payments and oracle data feeds, composed with the protocol library and
// posted through the same validation as every client's unit.
import { composePayment } from '../obyte/composer.ts';
import type { KeyPair } from '../obyte/keys.ts';
import type { Output } from '../obyte/types.ts';
import { pickDivisibleCoins } from './coins.ts';
import type { HubNode, ParentsAnswer, PostOutcome } from './node.ts';

// room for the headers and payload commissions: ocore's pick_divisible_coins_for_amount reserves 2000 bytes
const feeMargin = (outputs: number) => 2000 + 100 * outputs;

export type SendOutcome = { ok: true; unit: string } | { ok: false; error: string };

function result(outcome: PostOutcome): SendOutcome {
  return outcome.ok ? { ok: true, unit: outcome.unit } : { ok: false, error: outcome.error };
}

export class HubWallet {
  constructor(private readonly node: HubNode) {}

  private coins(from: KeyPair, amount: number, props: ParentsAnswer) {
    return pickDivisibleCoins(this.node, [from.address], props.last_stable_mc_ball_mci, amount + props.tps_fee, 'own');
  }

  pay(from: KeyPair, outputs: Output[]): SendOutcome {
    const props = this.node.parents(from.address);
    const total = outputs.reduce((sum, o) => sum + o.amount, 0);
    const coins = this.coins(from, total + feeMargin(outputs.length), props);
    if (!coins) return { ok: false, error: `not enough funds on ${from.address}` };
    const composed = composePayment({
      params: this.node.params,
      author: {
        address: from.address,
        privateKey: from.privateKey,
        ...(this.node.store.getDefinition(from.address) ? {} : { definition: from.definition }),
      },
      inputs: coins.inputs,
      outputs,
      changeAddress: from.address,
      props,
    });
    if (!composed.ok) return { ok: false, error: `not enough funds on ${from.address}` };
    return result(this.node.post({ unit: composed.unit }));
  }

  /**
   * Fractional numbers are posted as strings, as real oracles do: data_feed numbers must be integers. With
   * `timestampSec` the unit carries that timestamp (validation still refuses one older than its parents' or too far
   * into the future), so a test can post a feed as old as it wants after starting the hub's clock behind.
   */
  postFeeds(oracle: KeyPair, feeds: Record<string, string | number>, timestampSec?: number): SendOutcome {
    const payload = Object.fromEntries(
      Object.entries(feeds).map(([name, value]) => [name, typeof value === 'number' && !Number.isInteger(value) ? String(value) : value]),
    );
    const quoted = this.node.parents(oracle.address);
    const props =
      timestampSec === undefined ? quoted : { ...quoted, timestamp: timestampSec, tps_fee: this.node.tpsFee(quoted.parent_units, timestampSec) };
    const coins = this.coins(oracle, feeMargin(1), props);
    if (!coins) return { ok: false, error: `not enough funds on ${oracle.address}` };
    // ocore's order: the data_feed first, then the payment of the fees with the change back to the oracle
    const composed = composePayment({
      params: this.node.params,
      author: { address: oracle.address, privateKey: oracle.privateKey },
      inputs: coins.inputs,
      outputs: [{ address: oracle.address, amount: 0 }],
      changeAddress: oracle.address,
      sendAll: true,
      props,
      messages: [{ app: 'data_feed', payload_location: 'inline', payload_hash: '', payload }],
    });
    if (!composed.ok) return { ok: false, error: `not enough funds on ${oracle.address}` };
    return result(this.node.post({ unit: composed.unit }));
  }
}
