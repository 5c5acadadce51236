// The identity checks' view of a hub (see services/network-identity.ts).
import type { HubClient } from '../obyte/hub-client.ts';
import { addressHistory } from '../obyte/light-wallet.ts';
import type { IdentityChain } from '../services/network-identity.ts';
import { unitExists } from './hub-units.ts';

/** `walletAddresses`: the addresses only this program's store signs for (hot wallet, pool funding). */
export function hubIdentityChain(hub: HubClient, walletAddresses: readonly string[]): IdentityChain {
  const own = new Set(walletAddresses);
  return {
    knowsUnit: (unit) => unitExists(hub, unit),
    // asked anew on each check: the hub behind the URL may have changed since the last connection
    witnesses: () => hub.getWitnesses(),
    async unitsAuthoredByWallet() {
      const history = await addressHistory(hub, walletAddresses);
      return history.filter((h) => h.unit.authors.some((a) => own.has(a.address))).map((h) => h.hash);
    },
  };
}
