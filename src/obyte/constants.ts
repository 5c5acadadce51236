export type Network = 'livenet' | 'testnet' | 'devnet';
export type ProtocolVersion = '4.0' | '4.0t' | '4.0dev';
export type Alt = '1' | '2' | '3';

export const NETWORK_PARAMS: Readonly<Record<Network, { readonly version: ProtocolVersion; readonly alt: Alt }>> = {
  livenet: { version: '4.0', alt: '1' },
  testnet: { version: '4.0t', alt: '2' },
  devnet: { version: '4.0dev', alt: '3' },
};

/** What the sender adds to a textcoin so the recipient can afford the claiming unit (ocore TEXTCOIN_CLAIM_FEE). */
export function textcoinClaimFee(version: string): number {
  // a longer version string makes the claiming unit's header longer by the same number of bytes
  return 772 + (version.length - 3);
}

// Every network suffixes the same version numbers ('1.0', '1.0t', '1.0dev'), so the rules depend on the prefix only.
/** Version 1.0 units have no timestamp and are hashed with the legacy source string. */
export function isVersionWithoutTimestamp(version: unknown): boolean {
  return version === '1.0' || version === '1.0t' || version === '1.0dev';
}

/** Version 2.0 units count values only when sizing fees; from 3.0 on, keys count too. */
export function isVersionWithoutKeySizes(version: unknown): boolean {
  return version === '2.0' || version === '2.0t' || version === '2.0dev';
}

export const HASH_LENGTH = 44;
export const PUBKEY_LENGTH = 44;
export const SIG_LENGTH = 88;
export const ADDRESS_LENGTH = 32;

export const MAX_AUTHORS_PER_UNIT = 16;
export const MAX_PARENTS_PER_UNIT = 16;
export const MAX_MESSAGES_PER_UNIT = 128;
export const MAX_INPUTS_PER_PAYMENT_MESSAGE = 128;
export const MAX_OUTPUTS_PER_PAYMENT_MESSAGE = 128;
/** Outputs left for payees when one slot is kept for the change. */
export const MAX_PAYEES_PER_PAYMENT = MAX_OUTPUTS_PER_PAYMENT_MESSAGE - 1;
export const MAX_AUTHENTIFIER_LENGTH = 4096;
export const MAX_CAP = 9e15;
export const TOTAL_WHITEBYTES = 1e15;

export const TEMP_DATA_PRICE = 0.5;
/** Initial value of the `threshold_size` system variable, above which a unit pays an oversize fee. */
export const DEFAULT_THRESHOLD_SIZE = 10_000;

/**
 * `threshold_size` per network, for a hub that does not answer `get_system_vars`: the value voted on each network
 * (ocore initial_votes.js sets 10,000 on all three, and no vote has changed it as of ocore 0.4.6). When the hub
 * answers, its value as of the unit's last ball is used instead.
 */
export const THRESHOLD_SIZE: Readonly<Record<Network, number>> = {
  livenet: DEFAULT_THRESHOLD_SIZE,
  testnet: DEFAULT_THRESHOLD_SIZE,
  devnet: DEFAULT_THRESHOLD_SIZE,
};

/** The network whose units carry this version ('4.0t' → testnet), if any. */
export function networkOfVersion(version: string): Network | null {
  const found = (Object.keys(NETWORK_PARAMS) as Network[]).find((n) => NETWORK_PARAMS[n].version === version);
  return found ?? null;
}

export const GENESIS_UNIT: Readonly<Record<'livenet' | 'testnet', string>> = {
  livenet: 'oj8yEksX9Ubq7lLc+p6F2uyHUuynugeVq4+ikT67X6E=',
  testnet: 'TvqutGPz3T4Cs6oiChxFlclY92M2MvCvfXR5/FETato=',
};
