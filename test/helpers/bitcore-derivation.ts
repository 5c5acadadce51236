// An independent statement of bitcore-lib 0.13's derivation (HDPrivateKey._deriveWithNumber, PrivateKey.toBuffer),
// to check src/obyte/bip32.ts against. It shares no code path with it: @noble/hashes' HMAC instead of OpenSSL's,
// keys as hex strings and bigints, the public key from a point multiplication, the seed from @scure/bip39.
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { mnemonicToSeedSync } from '@scure/bip39';

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HARDENED = 0x80000000;

export interface ReferenceNode {
  key: bigint;
  chain: Uint8Array;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const fromHex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const big = (b: Uint8Array) => BigInt('0x' + hex(b));

/** bitcore's BN.toBuffer() without a size: the hex digits, padded to whole bytes, and nothing more. */
function bnToBuffer(n: bigint): Uint8Array {
  const digits = n.toString(16);
  return fromHex(digits.length % 2 ? '0' + digits : digits);
}

function indexBytes(i: number): Uint8Array {
  return fromHex(i.toString(16).padStart(8, '0'));
}

export function referenceMaster(seed: Uint8Array): ReferenceNode {
  const I = hmac(sha512, new TextEncoder().encode('Bitcoin seed'), seed);
  return { key: big(I.slice(0, 32)), chain: I.slice(32) };
}

export function referenceChild(parent: ReferenceNode, index: number): ReferenceNode {
  const data =
    index >= HARDENED
      ? Uint8Array.from([0, ...bnToBuffer(parent.key), ...indexBytes(index)])
      : Uint8Array.from([...secp256k1.Point.BASE.multiply(parent.key).toBytes(true), ...indexBytes(index)]);
  const I = hmac(sha512, parent.chain, data);
  return { key: (big(I.slice(0, 32)) + parent.key) % N, chain: I.slice(32) };
}

/** The private keys (32-byte hex) at `paths` of a mnemonic, the way bitcore-mnemonic + bitcore-lib 0.13 derive them. */
export function referenceKeysHex(mnemonic: string, paths: ReadonlyArray<readonly number[]>): string[] {
  const master = referenceMaster(mnemonicToSeedSync(mnemonic, ''));
  return paths.map((path) => path.reduce(referenceChild, master).key.toString(16).padStart(64, '0'));
}

export function referenceKeyHex(mnemonic: string, path: readonly number[]): string {
  return referenceKeysHex(mnemonic, [path])[0]!;
}
