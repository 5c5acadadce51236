import { err, ok, type Result } from '../domain/result.ts';
import type { Db } from '../storage/db.ts';
import { clearLegacyWalletKeysMark, hasLegacyWalletKeysMark } from '../storage/wallet-keys.ts';

/** The hot wallet's address (key 0) under Obyte's derivation and under the standard BIP32 this project used before. */
export interface HotAddressByRule {
  obyte: string;
  legacyBip32: string;
}

/**
 * Whether the wallet's keys may be used with this store. A store used before keys followed bitcore (migration 0004
 * marked it) knows the addresses BIP32 gave: units authored by the hot address, the funding and deposit addresses
 * that the operator and the partners pay to. For about 1 mnemonic in 85 Obyte's rule gives other addresses, and
 * the server would lose track of the funds at the old ones, so it refuses. All wallet keys share their parent
 * m/44'/0'/0'/0, so the hot address tells for all of them: when it is the same, so is every key, and the mark goes.
 */
export async function checkWalletKeys(db: Db, hotAddress: () => HotAddressByRule): Promise<Result<void, string>> {
  if (!(await hasLegacyWalletKeysMark(db))) return ok(undefined);
  const hot = hotAddress();
  if (hot.obyte === hot.legacyBip32) {
    await clearLegacyWalletKeysMark(db);
    return ok(undefined);
  }
  return err(
    `this store was used with wallet keys derived by standard BIP32, which for this wallet's mnemonic are not the keys ` +
      `Obyte wallets derive (hot address ${hot.legacyBip32} would become ${hot.obyte}, and so would the funding and deposit ` +
      `addresses); starting would lose track of the funds at the old ones: keep this store on the previous release, ` +
      `or empty its addresses with it into a new wallet and start the new release with that wallet and a new store`,
  );
}
