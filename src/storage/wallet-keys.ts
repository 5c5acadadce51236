import type { Db } from './db.ts';

/** The mark migration 0004 leaves in a store that was used while wallet keys were derived by standard BIP32. */
export const LEGACY_WALLET_KEYS = { key: 'wallet_key_derivation', value: 'bip32' } as const;

/** Whether the store was used with the wallet's BIP32-derived keys and has not been found safe since. */
export async function hasLegacyWalletKeysMark(db: Db): Promise<boolean> {
  const row = await db.kysely.selectFrom('kv').select('value').where('key', '=', LEGACY_WALLET_KEYS.key).executeTakeFirst();
  return row?.value === LEGACY_WALLET_KEYS.value;
}

/** The wallet's keys are the same under both rules: the store's addresses are its Obyte-exact ones. */
export async function clearLegacyWalletKeysMark(db: Db): Promise<void> {
  await db.kysely.deleteFrom('kv').where('key', '=', LEGACY_WALLET_KEYS.key).execute();
}
