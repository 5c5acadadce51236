import { composeWithHub, witnesses } from '../obyte/light-wallet.ts';
import type { HubClient } from '../obyte/hub-client.ts';
import type { KeyPair } from '../obyte/keys.ts';
import { baseOutputs } from '../obyte/payments.ts';
import type { DepositChain, IncomingPayment } from '../services/deposits.ts';

/** ocore answers light/get_balances for at most this many addresses at once. */
const BALANCES_BATCH = 100;

/** Deposit watching and sweeping over a hub: history of the watched addresses, send-all units to the hot wallet. */
export class HubDepositChain implements DepositChain {
  constructor(
    private readonly hub: HubClient,
    private readonly params: { version: string; alt: string },
    private readonly keyOf: (address: string) => KeyPair | undefined,
    private readonly hotAddress: string,
  ) {}

  async incoming(addresses: readonly string[]): Promise<IncomingPayment[]> {
    if (addresses.length === 0) return [];
    const [history, lastStable] = await Promise.all([
      this.hub.getHistory({ witnesses: await witnesses(this.hub), addresses: [...addresses] }),
      this.hub.request<{ main_chain_index: number }>('get_last_stable_unit_props'),
    ]);
    const watched = new Set(addresses);
    const units = new Map([...(history.unstable_mc_joints ?? []), ...(history.joints ?? [])].map((j) => [j.unit.unit, j.unit]));
    const out: IncomingPayment[] = [];
    for (const [hash, unit] of units) {
      if (!hash) continue;
      const mci = (unit as { main_chain_index?: number }).main_chain_index;
      const stable = typeof mci === 'number' && mci <= lastStable.main_chain_index;
      const authors = unit.authors.map((a) => a.address);
      for (const o of baseOutputs(unit)) {
        if (!watched.has(o.address)) continue;
        out.push({ unit: hash, messageIndex: o.message_index, outputIndex: o.output_index, address: o.address, amount: BigInt(o.amount), stable, authors });
      }
    }
    return out;
  }

  async holding(addresses: readonly string[]): Promise<string[]> {
    const holding: string[] = [];
    for (let i = 0; i < addresses.length; i += BALANCES_BATCH) {
      const balances = await this.hub.getBalances(addresses.slice(i, i + BALANCES_BATCH));
      for (const [address, assets] of Object.entries(balances)) if ((assets.base?.total ?? 0) > 0) holding.push(address);
    }
    return holding;
  }

  async sweep(from: string): Promise<{ unit: string; fee: bigint } | null> {
    const key = this.keyOf(from);
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
