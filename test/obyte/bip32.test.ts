import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HDKey } from '@scure/bip32';
import { derivePrivateKey, HARDENED } from '../../src/obyte/bip32.ts';

const pathText = (path: number[]) => 'm' + path.map((i) => '/' + (i >= HARDENED ? `${i - HARDENED}'` : `${i}`)).join('');

test('derivePrivateKey gives the key @scure/bip32 derives, for any seed and path of hardened and normal steps', () => {
  const index = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 3 }), fc.constant(HARDENED));
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 64 }), fc.array(index, { maxLength: 6 }), (seed, path) => {
      const expected = HDKey.fromMasterSeed(seed).derive(pathText(path)).privateKey!;
      assert.equal(Buffer.from(derivePrivateKey(seed, path)).toString('hex'), Buffer.from(expected).toString('hex'));
    }),
    { numRuns: 300 },
  );
});

test('BIP32 test vector 1: m/0H/1/2H/2/1000000000', () => {
  // https://github.com/bitcoin/bips/blob/master/bip-0032.mediawiki, test vector 1, its last private key
  const seed = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
  const path = [0 + HARDENED, 1, 2 + HARDENED, 2, 1000000000];
  const xprv = 'xprvA41z7zogVVwxVSgdKUHDy1SKmdb533PjDz7J6N6mV6uS3ze1ai8FHa8kmHScGpWmj4WggLyQjgPie1rFSruoUihUZREPSL39UNdE3BBDu76';
  assert.equal(HDKey.fromMasterSeed(seed).derive(pathText(path)).privateExtendedKey, xprv);
  assert.deepEqual(Buffer.from(derivePrivateKey(seed, path)), Buffer.from(HDKey.fromExtendedKey(xprv).privateKey!));
});

test('derivePrivateKey refuses an index outside 32 bits', () => {
  const seed = new Uint8Array(32).fill(7);
  for (const bad of [-1, 2 ** 32, 1.5, Number.NaN]) assert.throws(() => derivePrivateKey(seed, [bad]), /bad index/);
});
