import { composeWithHub, witnesses } from '../obyte/light-wallet.ts';
import type { HubClient } from '../obyte/hub-client.ts';
import { textcoinKey, type KeyPair } from '../obyte/keys.ts';
import { baseOutputs } from '../obyte/payments.ts';
import type { Joint } from '../obyte/types.ts';
import type { DepositChain, IncomingPayment } from '../services/deposits.ts';
import type { SweepChain, SweepComposed, SweepSource } from '../services/sweeps.ts';
import type { TextcoinChain } from '../services/textcoin-closing.ts';
import type { ChainFailure } from '../services/payouts/ports.ts';
import { postStoredJoint, unitState } from './hub-units.ts';

/** ocore answers light/get_balances for at most this many addresses at once. */
const BALANCES_BATCH = 100;

/**
 * Our addresses other than the hot wallet, over a hub: the history of the deposit addresses, whether textcoins
 * were spent, and send-all units that sweep them to the hot wallet.
 */
export class HubDepositChain implements DepositChain, SweepChain, TextcoinChain {
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

  async holding(addresses: readonly string[], which: 'stable' | 'total' = 'total'): Promise<string[]> {
    const holding: string[] = [];
    for (let i = 0; i < addresses.length; i += BALANCES_BATCH) {
      const balances = await this.hub.getBalances(addresses.slice(i, i + BALANCES_BATCH));
      for (const [address, assets] of Object.entries(balances)) if ((assets.base?.[which] ?? 0) > 0) holding.push(address);
    }
    return holding;
  }

  async composeSweep(source: SweepSource): Promise<{ ok: true; value: SweepComposed | null } | ChainFailure> {
    const key = source.mnemonic !== undefined ? textcoinKey(source.mnemonic) : this.keyOf(source.address);
    if (!key || key.address !== source.address) throw new Error(`no key for ${source.address}`);
    const composed = await composeWithHub(this.hub, {
      params: this.params,
      key,
      outputs: [{ address: this.hotAddress, amount: 0 }],
      sendAll: true,
      stableInputsOnly: true,
    });
    if (!composed.ok) return composed.error === 'nothing to send' ? { ok: true, value: null } : composed;
    const hash = composed.unit.unit!;
    const joint: Joint = { unit: composed.unit };
    const amount = baseOutputs(composed.unit).reduce((sum, o) => (o.address === this.hotAddress ? sum + BigInt(o.amount) : sum), 0n);
    return { ok: true, value: { unit: hash, joint: JSON.stringify(joint), fee: BigInt(composed.fee), amount } };
  }

  post(joint: string): Promise<{ ok: true } | ChainFailure> {
    return postStoredJoint(this.hub, joint);
  }

  async exists(unit: string): Promise<boolean> {
    return (await unitState(this.hub, unit)) !== 'missing';
  }

  async authored(address: string): Promise<string[]> {
    const history = await this.hub.getHistory({ witnesses: await witnesses(this.hub), addresses: [address] });
    return [...(history.unstable_mc_joints ?? []), ...(history.joints ?? [])]
      .map((j) => j.unit)
      .filter((u) => u.authors.some((a) => a.address === address))
      .map((u) => u.unit!);
  }
}
