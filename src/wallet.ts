// The wallet seed and the secrets kept beside it under DATA_DIR, and which key of the seed does what.
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError, type Config } from './config.ts';
import type { Db } from './storage/db.ts';
import { generateMnemonic, isValidMnemonic, legacyBip32WalletKey, walletKey } from './obyte/keys.ts';
import { checkWalletKeys, type HotAddressByRule } from './services/wallet-keys.ts';
import { makePrivateDir, writePrivateFile } from './private-files.ts';

/** Wallet derivation: index 0 pays, index 1 receives the operator's pool top-ups, 100 + n is partner n's deposit address. */
export const KEY_INDEX = { hot: 0, funding: 1, depositBase: 100 } as const;

/** What to do when there is no wallet: one line, as the operator needs it (exit code 2 at the entry points). */
export function missingWalletMessage(file: string): string {
  return (
    `no wallet at ${file}: set WALLET_MNEMONIC to the wallet's words, restore wallet.json from its backup, ` +
    'run "cashback init" to set up a new deployment, or set WALLET_CREATE=true to create a new wallet at start'
  );
}

/** Writes a new wallet file (mode 0600); never replaces one. */
export function createWalletFile(file: string, mnemonic: string): void {
  makePrivateDir(dirname(file));
  writePrivateFile(file, JSON.stringify({ mnemonic }) + '\n');
}

function readWalletFile(file: string): string {
  let mnemonic: unknown;
  try {
    mnemonic = (JSON.parse(readFileSync(file, 'utf8')) as { mnemonic?: unknown }).mnemonic;
  } catch {
    mnemonic = null;
  }
  if (typeof mnemonic !== 'string' || !isValidMnemonic(mnemonic)) throw new ConfigError(`${file} holds no valid wallet mnemonic`);
  return mnemonic;
}

/** The wallet seed: from the configuration, else the wallet file (created only when `create` allows it). */
export function walletMnemonic(config: Config, create = config.wallet.create): string {
  if (config.wallet.mnemonic) return config.wallet.mnemonic;
  const file = config.wallet.file;
  if (!existsSync(file)) {
    if (!create) throw new ConfigError(missingWalletMessage(file));
    createWalletFile(file, generateMnemonic());
  }
  return readWalletFile(file);
}

/**
 * The key that encrypts textcoin mnemonics at rest: from the configuration, else its file, created when missing
 * only if `create` allows it. A new key cannot read the textcoins a store already holds, so the caller allows it
 * only with a new store (or on a devnet).
 */
export async function secretKey(config: Config, mayCreate: () => Promise<boolean> | boolean = () => true): Promise<Buffer> {
  if (config.secretKey.value) return config.secretKey.value;
  const file = config.secretKey.file;
  if (!existsSync(file)) {
    if (!(await mayCreate())) {
      throw new ConfigError(
        `no textcoin key at ${file}, but the store exists already: restore secret.key from the backup made with the store, or set SECRET_KEY`,
      );
    }
    makePrivateDir(dirname(file));
    writePrivateFile(file, randomBytes(32).toString('hex') + '\n');
  }
  const hex = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new ConfigError(`${file} must hold 64 hex characters`);
  return Buffer.from(hex, 'hex');
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
