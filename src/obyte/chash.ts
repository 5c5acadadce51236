// chash160: a 160-bit checksummed hash (ocore chash.js). RIPEMD-160 minus its first 4 bytes gives 128 data bits;
// 32 checksum bits taken from SHA-256 of those bytes are spliced in at positions given by the digits of pi.
import { createHash } from 'node:crypto';
import { base32Decode, base32Encode } from './base32.ts';
import { getJsonSourceString, getSourceString } from './source-string.ts';

const CHASH_BITS = 160;
const PI_DIGITS = '14159265358979323846264338327950288419716939937510';

/** Bit positions of the 32 checksum bits inside the 160-bit chash: running sums of pi's non-zero digits. */
const CHECKSUM_POSITIONS: readonly number[] = (() => {
  const positions: number[] = [];
  let position = 0;
  for (const digit of PI_DIGITS) {
    if (digit === '0') continue;
    position += Number(digit);
    if (position >= CHASH_BITS) break;
    positions.push(position);
  }
  if (positions.length !== 32) throw new Error('wrong number of checksum bits');
  return positions;
})();
const IS_CHECKSUM_POSITION: readonly boolean[] = Array.from({ length: CHASH_BITS }, (_, i) => CHECKSUM_POSITIONS.includes(i));

function getBit(bytes: Uint8Array, i: number): number {
  return (bytes[i >> 3]! >> (7 - (i & 7))) & 1;
}

function setBit(bytes: Uint8Array, i: number, bit: number): void {
  bytes[i >> 3]! |= bit << (7 - (i & 7));
}

/** Bytes 5, 13, 21 and 29 of SHA-256 of the clean data. */
function checksumOf(cleanData: Uint8Array): Uint8Array {
  const full = createHash('sha256').update(cleanData).digest();
  return Uint8Array.of(full[5]!, full[13]!, full[21]!, full[29]!);
}

function chash160OfString(text: string): string {
  const cleanData = createHash('ripemd160').update(text, 'utf8').digest().subarray(4);
  const checksum = checksumOf(cleanData);
  const chash = new Uint8Array(CHASH_BITS / 8);
  let d = 0;
  let c = 0;
  for (let i = 0; i < CHASH_BITS; i++)
    setBit(chash, i, IS_CHECKSUM_POSITION[i] ? getBit(checksum, c++) : getBit(cleanData, d++));
  return base32Encode(chash);
}

/**
 * A string is hashed as is. Anything else is an address definition: hashed through its legacy source string,
 * except autonomous agent definitions, which use the JSON source string.
 */
export function getChash160(definitionOrString: unknown): string {
  if (typeof definitionOrString === 'string') return chash160OfString(definitionOrString);
  const isAaDefinition =
    Array.isArray(definitionOrString) && definitionOrString.length === 2 && definitionOrString[0] === 'autonomous agent';
  return chash160OfString(isAaDefinition ? getJsonSourceString(definitionOrString) : getSourceString(definitionOrString));
}

/**
 * Addresses checked before: an address is checked when a purchase names it, again when the payout unit is composed,
 * and by the hub; a payout unit holds up to 127. Bounded, so memory stays flat whatever is sent.
 */
const KNOWN_VALID = new Set<string>();
const KNOWN_VALID_MAX = 20_000;

/** Checksum check of a 32-character base32 chash, in any letter case; false for any other input. */
export function isChashValid(s: string): boolean {
  if (typeof s !== 'string' || s.length !== 32) return false;
  if (KNOWN_VALID.has(s)) return true;
  const chash = base32Decode(s);
  if (chash === null || chash.length !== CHASH_BITS / 8) return false;
  const cleanData = new Uint8Array(16);
  const checksum = new Uint8Array(4);
  let d = 0;
  let c = 0;
  for (let i = 0; i < CHASH_BITS; i++) {
    if (IS_CHECKSUM_POSITION[i]) setBit(checksum, c++, getBit(chash, i));
    else setBit(cleanData, d++, getBit(chash, i));
  }
  const valid = Buffer.from(checksumOf(cleanData)).equals(checksum);
  if (valid) {
    if (KNOWN_VALID.size >= KNOWN_VALID_MAX) KNOWN_VALID.clear();
    KNOWN_VALID.add(s);
  }
  return valid;
}
