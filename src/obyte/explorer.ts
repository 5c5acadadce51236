// Links to Obyte's public explorers, in the forms they serve: /address/<address> and /<unit>.
import type { Network } from './constants.ts';

const EXPLORERS: Readonly<Record<Network, string | null>> = {
  livenet: 'https://explorer.obyte.org',
  testnet: 'https://testnetexplorer.obyte.org',
  // no public explorer sees a local devnet
  devnet: null,
};

/** The explorer page of an address, or null on a devnet. */
export function explorerAddressUrl(network: Network, address: string): string | null {
  const base = EXPLORERS[network];
  return base === null ? null : `${base}/address/${address}`;
}

/** The explorer page of a unit (its base64 hash, escaped), or null on a devnet. */
export function explorerUnitUrl(network: Network, unit: string): string | null {
  const base = EXPLORERS[network];
  return base === null ? null : `${base}/${encodeURIComponent(unit)}`;
}
