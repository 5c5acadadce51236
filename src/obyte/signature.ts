// ECDSA over secp256k1 as ocore signature.js does it: the 32-byte hash is signed as is (no prehash),
// RFC 6979 nonce, low-S, 64-byte compact r||s in base64 (88 characters).
import { createHash, createHmac, createPublicKey, verify as verifyNative, type KeyObject } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE as toBigInt } from '@noble/curves/utils.js';

const HASH_BYTES = 32;
const COMPACT_SIGNATURE_BYTES = 64;
const UNCOMPRESSED_PUBKEY_BYTES = 65;
const COMPRESSED_PUBKEY_BYTES = 33;

const Fn = secp256k1.Point.Fn;

function hmac(key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/**
 * ECDSA exactly as the libsecp256k1 behind ocore does it, for a hash whose value is not below the group order n.
 * Its RFC 6979 nonce is seeded with the raw 32 hash bytes, where RFC 6979 (and @noble/curves) seed with the hash
 * reduced mod n; the signature equation uses the reduced value either way. Below n both seeds are the same bytes.
 */
export function signUnreducedHash(hash: Uint8Array, privateKey: Uint8Array): Uint8Array {
  const d = toBigInt(privateKey);
  if (d <= 0n || d >= Fn.ORDER) throw new Error('invalid private key');
  const m = Fn.create(toBigInt(hash));
  // RFC 6979 section 3.2 HMAC-DRBG, seeded with key || raw hash
  let v: Buffer = Buffer.alloc(32, 1);
  let k: Buffer = Buffer.alloc(32, 0);
  k = hmac(k, v, Uint8Array.of(0), privateKey, hash);
  v = hmac(k, v);
  k = hmac(k, v, Uint8Array.of(1), privateKey, hash);
  v = hmac(k, v);
  for (;;) {
    v = hmac(k, v);
    const nonce = toBigInt(v);
    if (nonce > 0n && nonce < Fn.ORDER) {
      const r = Fn.create(secp256k1.Point.BASE.multiply(nonce).toAffine().x);
      let s = Fn.mul(Fn.inv(nonce), Fn.add(m, Fn.mul(r, d)));
      if (s > Fn.ORDER >> 1n) s = Fn.neg(s);
      if (r !== 0n && s !== 0n) return Uint8Array.from([...Fn.toBytes(r), ...Fn.toBytes(s)]);
    }
    k = hmac(k, v, Uint8Array.of(0));
    v = hmac(k, v);
  }
}

export function sign(hash: Uint8Array, privateKey: Uint8Array): string {
  if (hash.length !== HASH_BYTES) throw new Error(`expected a ${HASH_BYTES}-byte hash, got ${hash.length} bytes`);
  const signature =
    toBigInt(hash) < Fn.ORDER
      ? secp256k1.sign(hash, privateKey, { prehash: false, lowS: true, format: 'compact' })
      : signUnreducedHash(hash, privateKey);
  return Buffer.from(signature).toString('base64');
}

/**
 * libsecp256k1 (behind ocore) also parses "hybrid" 65-byte keys, prefix 06/07 carrying the parity of y;
 * they denote the same point as the 04 form when the parity matches.
 */
function parsePublicKey(bytes: Uint8Array): Uint8Array | null {
  if (bytes.length !== UNCOMPRESSED_PUBKEY_BYTES || (bytes[0] !== 0x06 && bytes[0] !== 0x07)) return bytes;
  const yIsOdd = (bytes[UNCOMPRESSED_PUBKEY_BYTES - 1]! & 1) === 1;
  if (yIsOdd !== (bytes[0] === 0x07)) return null;
  const normal = Uint8Array.from(bytes);
  normal[0] = 0x04;
  return normal;
}

/** False, never an exception, for anything that is not a valid low-S signature of hash by that key. */
export function verify(hash: Uint8Array, signatureB64: string, pubkeyB64: string): boolean {
  try {
    if (!(hash instanceof Uint8Array) || hash.length !== HASH_BYTES) return false;
    const signature = Buffer.from(signatureB64, 'base64');
    if (signature.length !== COMPACT_SIGNATURE_BYTES) return false;
    const publicKey = parsePublicKey(Buffer.from(pubkeyB64, 'base64'));
    if (publicKey === null) return false;
    return secp256k1.verify(signature, hash, publicKey, { prehash: false, lowS: true, format: 'compact' });
  } catch {
    return false;
  }
}

/** SubjectPublicKeyInfo of a compressed secp256k1 key, up to the 33 key bytes: ecPublicKey, secp256k1, BIT STRING. */
const SPKI_PREFIX = Buffer.from('3036301006072a8648ce3d020106052b8104000a032200', 'hex');
const HALF_ORDER = Fn.ORDER >> 1n;
/** Parsed keys by base64: a hub sees the same few keys again and again. Bounded; null marks a key OpenSSL refused. */
const keyObjects = new Map<string, KeyObject | null>();
const MAX_KEY_OBJECTS = 10_000;

/** undefined: not a compressed key (another form, or garbage), for verify() to judge. */
function compressedKeyObject(pubkeyB64: string): KeyObject | null | undefined {
  let key = keyObjects.get(pubkeyB64);
  if (key !== undefined) return key;
  const bytes = Buffer.from(pubkeyB64, 'base64');
  if (bytes.length !== COMPRESSED_PUBKEY_BYTES || (bytes[0] !== 0x02 && bytes[0] !== 0x03)) return undefined;
  try {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, bytes]), format: 'der', type: 'spki' });
  } catch {
    key = null;
  }
  if (keyObjects.size >= MAX_KEY_OBJECTS) keyObjects.clear();
  keyObjects.set(pubkeyB64, key);
  return key;
}

/**
 * verify(sha256(text), …), the same answer for every input, about five times faster for the usual compressed key:
 * OpenSSL hashes the text and checks the signature natively (it cannot be given a bare digest for secp256k1).
 * OpenSSL also accepts high S, so that is refused first, as libsecp256k1 does. Other key forms take verify().
 */
export function verifyText(text: string, signatureB64: string, pubkeyB64: string): boolean {
  if (typeof pubkeyB64 !== 'string' || typeof signatureB64 !== 'string') return false;
  const key = compressedKeyObject(pubkeyB64);
  if (key === undefined) return verify(createHash('sha256').update(text, 'utf8').digest(), signatureB64, pubkeyB64);
  if (key === null) return false;
  const signature = Buffer.from(signatureB64, 'base64');
  if (signature.length !== COMPACT_SIGNATURE_BYTES) return false;
  if (toBigInt(signature.subarray(HASH_BYTES)) > HALF_ORDER) return false;
  try {
    return verifyNative('sha256', Buffer.from(text, 'utf8'), { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

/** The 33-byte compressed public key, base64 (44 characters), as Obyte definitions carry it. */
export function publicKeyOf(privateKey: Uint8Array): string {
  return Buffer.from(secp256k1.getPublicKey(privateKey, true)).toString('base64');
}
