import type { HubClient } from '../obyte/hub-client.ts';
import type { IncomingPayment } from '../services/deposits.ts';
import type { ReconcileChain } from '../services/reconcile.ts';
import { HubDepositChain } from './hub-deposit-chain.ts';

/** ocore answers light/get_balances for at most this many addresses at once. */
const BALANCES_BATCH = 100;

/** What reconciliation reads from a hub: balances, the history of our watched addresses, units. */
export class HubReconcileChain implements ReconcileChain {
  /** Reads only: no key is ever asked for, so none is given. */
  private readonly reader: HubDepositChain;

  constructor(
    private readonly hub: HubClient,
    params: { version: string; alt: string },
    hotAddress: string,
  ) {
    this.reader = new HubDepositChain(hub, params, () => undefined, hotAddress);
  }

  async balances(addresses: readonly string[]): Promise<Map<string, bigint>> {
    const out = new Map<string, bigint>();
    for (let i = 0; i < addresses.length; i += BALANCES_BATCH) {
      const balances = await this.hub.getBalances(addresses.slice(i, i + BALANCES_BATCH));
      for (const [address, assets] of Object.entries(balances)) {
        const base = assets.base;
        if (base) out.set(address, BigInt(base.stable ?? 0) + BigInt(base.pending ?? 0));
      }
    }
    return out;
  }

  incoming(addresses: readonly string[]): Promise<IncomingPayment[]> {
    return this.reader.incoming(addresses);
  }

  exists(unit: string): Promise<boolean> {
    return this.reader.exists(unit);
  }

  authored(address: string): Promise<string[]> {
    return this.reader.authored(address);
  }
}
