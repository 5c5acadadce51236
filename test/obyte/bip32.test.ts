import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HDKey } from '@scure/bip32';
import { childKey, deriveLegacyBip32Key, deriveObyteKey, HARDENED, masterKey, type ExtendedKey } from '../../src/obyte/bip32.ts';
import { referenceChild, referenceMaster } from '../helpers/bitcore-derivation.ts';

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const pathText = (path: number[]) => 'm' + path.map((i) => '/' + (i >= HARDENED ? `${i - HARDENED}'` : `${i}`)).join('');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const index = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 3 }), fc.constant(HARDENED), fc.constant(HARDENED + 44));

/** A valid private key whose first `zeros` bytes are 0x00 (and the next one is not). */
const keyWithLeadingZeros = (zeros: number) =>
  fc
    .uint8Array({ minLength: 32 - zeros, maxLength: 32 - zeros })
    .filter((rest) => rest[0] !== 0 && BigInt('0x' + hex(rest)) < N)
    .map((rest) => Uint8Array.from([...new Uint8Array(zeros), ...rest]));

const parentNode = fc.record({
  privateKey: fc.oneof(keyWithLeadingZeros(0), keyWithLeadingZeros(1), keyWithLeadingZeros(2), keyWithLeadingZeros(3)),
  chainCode: fc.uint8Array({ minLength: 32, maxLength: 32 }),
});

test("childKey follows bitcore-lib 0.13 for parents with 0, 1, 2 and 3 leading zero bytes (an independent implementation)", () => {
  let differing = 0;
  fc.assert(
    fc.property(parentNode, index, (parent: ExtendedKey, i) => {
      const child = childKey(parent, i, 'bitcore');
      const expected = referenceChild({ key: BigInt('0x' + hex(parent.privateKey)), chain: parent.chainCode }, i);
      assert.equal(hex(child.privateKey), expected.key.toString(16).padStart(64, '0'));
      assert.equal(hex(child.chainCode), hex(expected.chain));
      // The rules differ exactly where bitcore writes a shorter parent: a hardened step from a key starting with 0x00.
      const legacy = childKey(parent, i, 'bip32');
      const short = i >= HARDENED && parent.privateKey[0] === 0;
      assert.equal(hex(legacy.privateKey) !== hex(child.privateKey), short);
      if (short) differing++;
    }),
    { numRuns: 400 },
  );
  assert.ok(differing > 20, `the runs met enough short parents on hardened steps (${differing})`);
});

test('masterKey is the HMAC-SHA512 of the seed under "Bitcoin seed", under both rules', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 64 }), (seed) => {
      const m = masterKey(seed);
      const expected = referenceMaster(seed);
      assert.equal(hex(m.privateKey), expected.key.toString(16).padStart(64, '0'));
      assert.equal(hex(m.chainCode), hex(expected.chain));
      assert.deepEqual(deriveObyteKey(seed, []), m.privateKey);
    }),
    { numRuns: 100 },
  );
});

test('deriveLegacyBip32Key is standard BIP32: the key @scure/bip32 derives, for any seed and path', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 64 }), fc.array(index, { maxLength: 6 }), (seed, path) => {
      const expected = HDKey.fromMasterSeed(seed).derive(pathText(path)).privateKey!;
      assert.equal(hex(deriveLegacyBip32Key(seed, path)), hex(expected));
    }),
    { numRuns: 300 },
  );
});

test('BIP32 test vector 1: m/0H/1/2H/2/1000000000 (no short key on the way, so both rules agree)', () => {
  // https://github.com/bitcoin/bips/blob/master/bip-0032.mediawiki, test vector 1, its last private key
  const seed = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
  const path = [0 + HARDENED, 1, 2 + HARDENED, 2, 1000000000];
  const xprv = 'xprvA41z7zogVVwxVSgdKUHDy1SKmdb533PjDz7J6N6mV6uS3ze1ai8FHa8kmHScGpWmj4WggLyQjgPie1rFSruoUihUZREPSL39UNdE3BBDu76';
  const expected = Buffer.from(HDKey.fromExtendedKey(xprv).privateKey!);
  assert.deepEqual(Buffer.from(deriveLegacyBip32Key(seed, path)), expected);
  assert.deepEqual(Buffer.from(deriveObyteKey(seed, path)), expected);
});

test('derivation refuses an index outside 32 bits', () => {
  const seed = new Uint8Array(32).fill(7);
  for (const bad of [-1, 2 ** 32, 1.5, Number.NaN]) {
    assert.throws(() => deriveObyteKey(seed, [bad]), /bad index/);
    assert.throws(() => deriveLegacyBip32Key(seed, [bad]), /bad index/);
  }
});
