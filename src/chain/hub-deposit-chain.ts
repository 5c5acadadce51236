import { composeWithHub } from '../obyte/light-wallet.ts';
import type { HubClient } from '../obyte/hub-client.ts';
import type { KeyPair } from '../obyte/keys.ts';
import type { Joint, PaymentPayload } from '../obyte/types.ts';
import type { DepositChain, IncomingPayment } from '../services/deposits.ts';

/** Deposit watching and sweeping over a hub: history of the watched addresses, send-all units to the hot wallet. */
export class HubDepositChain implements DepositChain {
  constructor(
    private readonly hub: HubClient,
    private readonly params: { version: string; alt: string },
    private readonly keys: ReadonlyMap<string, KeyPair>,
    private readonly hotAddress: string,
  ) {}

  async incoming(addresses: readonly string[]): Promise<IncomingPayment[]> {
    if (addresses.length === 0) return [];
    const [history, lastStable] = await Promise.all([
      this.hub.getHistory({ witnesses: await this.hub.getWitnesses(), addresses: [...addresses] }),
      this.hub.request<{ main_chain_index: number }>('get_last_stable_unit_props'),
    ]);
    const watched = new Set(addresses);
    const joints: Joint[] = [...(history.unstable_mc_joints ?? []), ...(history.joints ?? [])];
    const out: IncomingPayment[] = [];
    const seen = new Set<string>();
    for (const { unit } of joints) {
      if (!unit.unit || seen.has(unit.unit)) continue;
      seen.add(unit.unit);
      const mci = (unit as { main_chain_index?: number }).main_chain_index;
      const stable = typeof mci === 'number' && mci <= lastStable.main_chain_index;
      const authors = unit.authors.map((a) => a.address);
      unit.messages.forEach((message, messageIndex) => {
        const payload = message.payload as PaymentPayload | undefined;
        if (message.app !== 'payment' || !payload || payload.asset) return;
        payload.outputs.forEach((output, outputIndex) => {
          if (!watched.has(output.address)) return;
          out.push({ unit: unit.unit!, messageIndex, outputIndex, address: output.address, amount: BigInt(output.amount), stable, authors });
        });
      });
    }
    return out;
  }

  async sweep(from: string): Promise<{ unit: string; fee: bigint } | null> {
    const key = this.keys.get(from);
    if (!key) throw new Error(`no key for ${from}`);
    const composed = await composeWithHub(this.hub, { params: this.params, key, outputs: [{ address: this.hotAddress, amount: 0 }], sendAll: true });
    if (!composed.ok) {
      if (composed.error === 'nothing to send' || composed.transient) return null;
      throw new Error(`sweep of ${from}: ${composed.error}`);
    }
    await this.hub.postJoint({ unit: composed.unit });
    return { unit: composed.unit.unit!, fee: BigInt(composed.fee) };
  }
}
