import { addressHistory, composeWithHub } from '../obyte/light-wallet.ts';
import type { HubClient } from '../obyte/hub-client.ts';
import { legacyBip32TextcoinKey, textcoinKey, type KeyPair } from '../obyte/keys.ts';
import { baseOutputs } from '../obyte/payments.ts';
import type { Joint } from '../obyte/types.ts';
import type { DepositChain, IncomingPayment } from '../services/deposits.ts';
import type { SweepChain, SweepComposed, SweepSource } from '../services/sweeps.ts';
import type { TextcoinChain } from '../services/textcoin-closing.ts';
import type { ReconcileChain } from '../services/reconcile.ts';
import type { UnitState, UnitWatch } from '../services/stability.ts';
import type { ChainFailure } from '../services/payouts/ports.ts';
import { postStoredJoint, unitExists, unitState } from './hub-units.ts';

/** A textcoin's key by the rule its address came from: textcoins funded before keys followed bitcore were BIP32's. */
function textcoinKeyOf(coin: NonNullable<SweepSource['textcoin']>): KeyPair {
  return coin.keyDerivation === 'bip32' ? legacyBip32TextcoinKey(coin.mnemonic) : textcoinKey(coin.mnemonic);
}

/** ocore answers light/get_balances for at most this many addresses at once. */
const BALANCES_BATCH = 100;

/**
 * Our addresses other than the hot wallet, over a hub: their balances and history (deposits, whether textcoins
 * were spent, reconciliation), and send-all units that sweep them to the hot wallet. Reading needs no keys.
 */
export class HubDepositChain implements DepositChain, SweepChain, TextcoinChain, ReconcileChain, UnitWatch {
  constructor(
    private readonly hub: HubClient,
    private readonly params: { version: string; alt: string },
    private readonly keyOf: (address: string) => KeyPair | undefined,
    private readonly hotAddress: string,
  ) {}

  async incoming(addresses: readonly string[]): Promise<IncomingPayment[]> {
    if (addresses.length === 0) return [];
    const watched = new Set(addresses);
    const out: IncomingPayment[] = [];
    for (const { hash, unit, stable } of await addressHistory(this.hub, addresses)) {
      const authors = unit.authors.map((a) => a.address);
      for (const o of baseOutputs(unit)) {
        if (!watched.has(o.address)) continue;
        out.push({ unit: hash, messageIndex: o.message_index, outputIndex: o.output_index, address: o.address, amount: BigInt(o.amount), stable, authors });
      }
    }
    return out;
  }

  /** Stable and pending bytes per address, 100 addresses a request; an address holding nothing may be left out. */
  private async baseBalances(addresses: readonly string[]): Promise<Map<string, { stable: number; pending: number }>> {
    const out = new Map<string, { stable: number; pending: number }>();
    for (let i = 0; i < addresses.length; i += BALANCES_BATCH) {
      const balances = await this.hub.getBalances(addresses.slice(i, i + BALANCES_BATCH));
      for (const [address, assets] of Object.entries(balances)) {
        if (assets.base) out.set(address, { stable: assets.base.stable ?? 0, pending: assets.base.pending ?? 0 });
      }
    }
    return out;
  }

  async balances(addresses: readonly string[]): Promise<Map<string, bigint>> {
    const out = new Map<string, bigint>();
    for (const [address, b] of await this.baseBalances(addresses)) out.set(address, BigInt(b.stable) + BigInt(b.pending));
    return out;
  }

  async holding(addresses: readonly string[], which: 'stable' | 'total'): Promise<string[]> {
    const holding: string[] = [];
    for (const [address, b] of await this.baseBalances(addresses)) {
      if ((which === 'stable' ? b.stable : b.stable + b.pending) > 0) holding.push(address);
    }
    return holding;
  }

  async composeSweep(source: SweepSource): Promise<{ ok: true; value: SweepComposed | null } | ChainFailure> {
    const key = source.textcoin ? textcoinKeyOf(source.textcoin) : this.keyOf(source.address);
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

  exists(unit: string): Promise<boolean> {
    return unitExists(this.hub, unit);
  }

  unitState(unit: string): Promise<UnitState> {
    return unitState(this.hub, unit);
  }

  async authored(address: string): Promise<string[]> {
    return (await addressHistory(this.hub, [address])).filter((h) => h.unit.authors.some((a) => a.address === address)).map((h) => h.hash);
  }
}
