// BIP32 private child key derivation: all that the wallet and textcoin keys need. @scure/bip32 builds a full node at
// each level of a path, with its public key and its parent's fingerprint: six point multiplications for
// m/44'/0'/0'/0/0. Only a normal (non-hardened) step needs its parent's public key, so this does two, and a
// textcoin costs the request path about a millisecond less.
import { createHmac } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';

export const HARDENED = 0x80000000;
const Fn = secp256k1.Point.Fn;
const N = Fn.ORDER;

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** BIP32 skips a seed or an index that gives no key in [1, n) (odds below 2^-127); this refuses it. */
function noKey(what: string): never {
  throw new Error(`BIP32: ${what} gives no valid key`);
}

/** The private key at `path` (indices, HARDENED added for the primed ones) under a BIP39 seed. */
export function derivePrivateKey(seed: Uint8Array, path: readonly number[]): Uint8Array {
  let I = createHmac('sha512', 'Bitcoin seed').update(seed).digest();
  let key = bytesToNumberBE(I.subarray(0, 32));
  if (key === 0n || key >= N) noKey('the seed');
  let chain = I.subarray(32);
  for (const index of path) {
    if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) throw new Error(`BIP32: bad index ${index}`);
    const parent = Fn.toBytes(key);
    const mac = createHmac('sha512', chain);
    if (index >= HARDENED) mac.update(Uint8Array.of(0)).update(parent);
    else mac.update(secp256k1.getPublicKey(parent, true));
    I = mac.update(uint32(index)).digest();
    const tweak = bytesToNumberBE(I.subarray(0, 32));
    key = (tweak + key) % N;
    if (tweak >= N || key === 0n) noKey(`index ${index}`);
    chain = I.subarray(32);
  }
  return Fn.toBytes(key);
}
