// The wallet seed and the secrets kept beside it under DATA_DIR, and which key of the seed does what.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { ConfigError, type Config } from './config.ts';
import type { Db } from './storage/db.ts';
import { generateMnemonic, isValidMnemonic, legacyBip32WalletKey, walletKey } from './obyte/keys.ts';
import { checkWalletKeys, type HotAddressByRule } from './services/wallet-keys.ts';

/** Wallet derivation: index 0 pays, index 1 receives the operator's pool top-ups, 100 + n is partner n's deposit address. */
export const KEY_INDEX = { hot: 0, funding: 1, depositBase: 100 } as const;

function loadOrCreate(file: string, create: (() => string) | null, what: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  if (!create) throw new Error(`${what} not found at ${file}`);
  const value = create();
  writeFileSync(file, value + '\n', { mode: 0o600 });
  return value;
}

/** The wallet seed: from the configuration, else the wallet file (created only when `create` allows it). */
export function walletMnemonic(config: Config, create = config.wallet.create): string {
  if (config.wallet.mnemonic) return config.wallet.mnemonic;
  const stored = loadOrCreate(config.wallet.file, create ? () => JSON.stringify({ mnemonic: generateMnemonic() }) : null, 'wallet');
  const mnemonic = (JSON.parse(stored) as { mnemonic?: unknown }).mnemonic;
  if (typeof mnemonic !== 'string' || !isValidMnemonic(mnemonic)) throw new Error(`${config.wallet.file} holds no valid mnemonic`);
  return mnemonic;
}

/** The key that encrypts textcoin mnemonics at rest: from the configuration, else a file created on first start. */
export function secretKey(config: Config): Buffer {
  return config.secretKey.value ?? Buffer.from(loadOrCreate(config.secretKey.file, () => randomBytes(32).toString('hex'), 'secret key'), 'hex');
}

/** The hot address by Obyte's rule and by the BIP32 one stores made before it may know (services/wallet-keys.ts). */
export function hotAddressByRule(mnemonic: string): HotAddressByRule {
  return { obyte: walletKey(mnemonic, KEY_INDEX.hot).address, legacyBip32: legacyBip32WalletKey(mnemonic, KEY_INDEX.hot).address };
}

/** Refuses (ConfigError, one line) a wallet whose keys would not find the addresses the store knows. */
export async function assertWalletFitsStore(db: Db, mnemonic: string): Promise<void> {
  const fits = await checkWalletKeys(db, () => hotAddressByRule(mnemonic));
  if (!fits.ok) throw new ConfigError(fits.error);
}
