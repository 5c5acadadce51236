// Wallet and textcoin keys: BIP39 English mnemonic, empty passphrase, path m/44'/0'/0'/0/<index>, derived exactly
// as ocore's bitcore-mnemonic / bitcore-lib 0.13 do (headless wallet and wallet.js textcoins; see bip32.ts).
import { pbkdf2, pbkdf2Sync } from 'node:crypto';
import { promisify } from 'node:util';
import * as bip39 from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { deriveLegacyBip32Key, deriveObyteKey, HARDENED } from './bip32.ts';
import { addressFromPubkey, definitionFromPubkey } from './address.ts';
import type { Network } from './constants.ts';
import { publicKeyOf } from './signature.ts';
import type { Definition } from './types.ts';

export interface KeyPair {
  privateKey: Uint8Array;
  pubkey: string;
  definition: Definition;
  address: string;
}

const MAX_NON_HARDENED_INDEX = 0x7fffffff;

export function generateMnemonic(): string {
  return bip39.generateMnemonic(wordlist, 128);
}

export function isValidMnemonic(m: string): boolean {
  return typeof m === 'string' && bip39.validateMnemonic(m, wordlist);
}

// BIP39's seed is PBKDF2-HMAC-SHA512 over the NFKD mnemonic, salt "mnemonic" + passphrase (empty here), 2,048
// rounds, 64 bytes. OpenSSL computes it in 0.8 ms where JavaScript takes 6 ms; the asynchronous form runs on
// libuv's thread pool, so a purchase paid by textcoin does not hold the event loop for it.
const seedArgs = (mnemonic: string) => [mnemonic.normalize('NFKD'), 'mnemonic', 2048, 64, 'sha512'] as const;
const pbkdf2Async = promisify(pbkdf2);

type Derive = (seed: Uint8Array, path: readonly number[]) => Uint8Array;

function keyPairAt(seed: Uint8Array, index: number, derive: Derive): KeyPair {
  const privateKey = derive(seed, [44 + HARDENED, 0 + HARDENED, 0 + HARDENED, 0, index]);
  const pubkey = publicKeyOf(privateKey);
  return { privateKey, pubkey, definition: definitionFromPubkey(pubkey), address: addressFromPubkey(pubkey) };
}

function walletKeyWith(mnemonic: string, index: number, derive: Derive): KeyPair {
  if (!Number.isSafeInteger(index) || index < 0 || index > MAX_NON_HARDENED_INDEX)
    throw new Error(`invalid key index: ${index}`);
  if (!isValidMnemonic(mnemonic)) throw new Error('invalid mnemonic');
  return keyPairAt(pbkdf2Sync(...seedArgs(mnemonic)), index, derive);
}

/** The hot wallet's signing key number `index`. The mnemonic comes from configuration, so a bad one is a bug. */
export function walletKey(mnemonic: string, index: number): KeyPair {
  return walletKeyWith(mnemonic, index, deriveObyteKey);
}

/**
 * Wallet key `index` as this project derived it before it followed bitcore (standard BIP32): ONLY to tell whether a
 * store made then knows other addresses than the wallet's Obyte-exact ones. Never to sign or receive.
 */
export function legacyBip32WalletKey(mnemonic: string, index: number): KeyPair {
  return walletKeyWith(mnemonic, index, deriveLegacyBip32Key);
}

/** ocore expandMnemonic's normalisation: lower case, hyphens become spaces. */
function normalizeTextcoinMnemonic(mnemonic: string): string {
  return mnemonic.toLowerCase().split('-').join(' ');
}

/**
 * The key behind a textcoin, as ocore wallet.js expandMnemonic derives it. Accepts the stored hyphenated form,
 * spaces, any letter case. Throws `invalid mnemonic: <normalised words>` (ocore's text) on a bad mnemonic.
 */
export function textcoinKey(mnemonic: string): KeyPair {
  return textcoinKeyWith(mnemonic, deriveObyteKey);
}

/**
 * The key of a textcoin funded before this project followed bitcore (standard BIP32): ONLY to take back or close a
 * textcoin whose stored address came from that rule. A customer's wallet cannot open it when the rules differ.
 */
export function legacyBip32TextcoinKey(mnemonic: string): KeyPair {
  return textcoinKeyWith(mnemonic, deriveLegacyBip32Key);
}

function textcoinKeyWith(mnemonic: string, derive: Derive): KeyPair {
  const normalized = normalizeTextcoinMnemonic(mnemonic);
  if (normalized.split(' ').length % 3 !== 0 || !isValidMnemonic(normalized))
    throw new Error('invalid mnemonic: ' + normalized);
  return keyPairAt(pbkdf2Sync(...seedArgs(normalized)), 0, derive);
}

/** A fresh textcoin; `mnemonic` is hyphenated, as ocore stores it and puts it in the link. */
export async function newTextcoin(): Promise<{ mnemonic: string } & KeyPair> {
  const words = generateMnemonic();
  return { mnemonic: words.split(' ').join('-'), ...keyPairAt(await pbkdf2Async(...seedArgs(words)), 0, deriveObyteKey) };
}

const TEXTCOIN_LINK_PREFIX: Readonly<Record<Network, string>> = {
  livenet: 'https://obyte.org/#textcoin?',
  testnet: 'https://testnet.obyte.org/#textcoin?',
  // no web wallet serves devnet; the URI scheme a devnet wallet registers (ocore uri.js) is the only link it opens
  devnet: 'obyte-dn:textcoin?',
};

export function textcoinLink(mnemonic: string, network: Network): string {
  const words = mnemonic.trim().split(/[\s-]+/);
  return TEXTCOIN_LINK_PREFIX[network] + words.join('-');
}
