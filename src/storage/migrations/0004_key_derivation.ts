import type { Kysely } from 'kysely';
import { LEGACY_WALLET_KEYS } from '../wallet-keys.ts';

/**
 * Keys are derived as bitcore-lib 0.13 derives them (ocore, the Obyte wallets) from now on; before, by standard
 * BIP32, which gives other keys for about 1 mnemonic in 85 (see src/obyte/bip32.ts).
 * - Every textcoin so far was derived the BIP32 way: `key_derivation` says so, and the take-back uses that rule.
 *   New rows say `bitcore` (the code always writes it; the default only serves the rows already here).
 * - A store that holds anything was used with the wallet's BIP32 keys: it is marked, so that a start with a wallet
 *   whose keys differ under the two rules refuses instead of losing track of the old addresses (wallet-keys.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('textcoins').addColumn('key_derivation', 'text', (c) => c.notNull().defaultTo('bip32')).execute();
  const holdsRows = async (table: string) => (await db.selectFrom(table).selectAll().limit(1).execute()).length > 0;
  let used = false;
  for (const table of ['partners', 'units', 'chain_credits', 'ledger_entries', 'textcoins']) used ||= await holdsRows(table);
  if (used) await db.insertInto('kv').values({ ...LEGACY_WALLET_KEYS }).execute();
}
