// HD private key derivation as Obyte derives it. ocore and every Obyte wallet derive with bitcore-lib 0.13, whose
// hardened step writes the parent private key into the HMAC input as `PrivateKey.toBuffer()` does: big-endian
// WITHOUT its leading zero bytes, where BIP32 writes all 32 (bitcore-lib 1.0 calls its old step
// `deriveNonCompliantChild`). Whenever a key at a hardened step's parent starts with 0x00 (m, m/44', m/44'/0' for
// our paths: about 1 mnemonic in 85), the two rules give other keys below it, and only bitcore's opens in a wallet.
//
// This project derived by BIP32 before; `deriveLegacyBip32Key` survives only to reach textcoins funded then.
//
// Only a normal (non-hardened) step needs its parent's public key, so m/44'/0'/0'/0/0 costs two point
// multiplications here, where a general library builds a full node with its public key at each level.
import { createHmac } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';

export const HARDENED = 0x80000000;
const Fn = secp256k1.Point.Fn;
const N = Fn.ORDER;

/** A node of the tree: its private key (32 bytes) and chain code (32 bytes). */
export interface ExtendedKey {
  privateKey: Uint8Array;
  chainCode: Uint8Array;
}

/** How a hardened step writes the parent's private key: bitcore-lib 0.13's way (Obyte's), or BIP32's. */
export type HardenedParentEncoding = 'bitcore' | 'bip32';

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** A seed or an index that gives no key (odds below 2^-127): bitcore throws there too. */
function noKey(what: string): never {
  throw new Error(`BIP32: ${what} gives no valid key`);
}

/** The parent key as a hardened step hashes it. bitcore's BN.toBuffer() writes the fewest bytes that hold it. */
function parentKeyBytes(key: Uint8Array, encoding: HardenedParentEncoding): Uint8Array {
  if (encoding === 'bip32') return key;
  let start = 0;
  while (start < key.length - 1 && key[start] === 0) start++;
  return key.subarray(start);
}

/** The master node of a BIP39 seed (the same under both rules). */
export function masterKey(seed: Uint8Array): ExtendedKey {
  const I = createHmac('sha512', 'Bitcoin seed').update(seed).digest();
  const key = bytesToNumberBE(I.subarray(0, 32));
  if (key === 0n || key >= N) noKey('the seed');
  return { privateKey: I.subarray(0, 32), chainCode: I.subarray(32) };
}

/**
 * The child at `index` (HARDENED added for a primed one). Like bitcore-lib 0.13, the tweak is added modulo n even
 * when it is not below n (BIP32 would skip that index; neither can happen in practice: odds of 2^-127).
 */
export function childKey(parent: ExtendedKey, index: number, encoding: HardenedParentEncoding): ExtendedKey {
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) throw new Error(`BIP32: bad index ${index}`);
  const mac = createHmac('sha512', parent.chainCode);
  if (index >= HARDENED) mac.update(Uint8Array.of(0)).update(parentKeyBytes(parent.privateKey, encoding));
  else mac.update(secp256k1.getPublicKey(parent.privateKey, true));
  const I = mac.update(uint32(index)).digest();
  const key = (bytesToNumberBE(I.subarray(0, 32)) + bytesToNumberBE(parent.privateKey)) % N;
  if (key === 0n) noKey(`index ${index}`);
  return { privateKey: Fn.toBytes(key), chainCode: I.subarray(32) };
}

function deriveWith(seed: Uint8Array, path: readonly number[], encoding: HardenedParentEncoding): Uint8Array {
  let node = masterKey(seed);
  for (const index of path) node = childKey(node, index, encoding);
  return node.privateKey;
}

/** The private key at `path` (indices, HARDENED added for the primed ones) under a BIP39 seed, as Obyte derives it. */
export function deriveObyteKey(seed: Uint8Array, path: readonly number[]): Uint8Array {
  return deriveWith(seed, path, 'bitcore');
}

/**
 * The key standard BIP32 derives, which this project used before it followed bitcore: ONLY to take back or close
 * textcoins funded at such an address. Never for a new key.
 */
export function deriveLegacyBip32Key(seed: Uint8Array, path: readonly number[]): Uint8Array {
  return deriveWith(seed, path, 'bip32');
}
