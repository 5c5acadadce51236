import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { publicKeyOf, sign, signUnreducedHash, verify, verifyText } from '../../src/obyte/signature.ts';

interface SignCase {
  key: string;
  privkey_hex: string;
  hash: string;
  hash_b64: string;
  signature_b64: string;
  pubkey_b64: string;
  verify: boolean;
  low_s: boolean;
}
interface VerifyCase {
  case: string;
  hash_b64: string;
  signature_b64: string;
  pubkey_b64: string;
  verify: boolean;
}
const vectors = JSON.parse(readFileSync(new URL('../fixtures/vectors/signatures.json', import.meta.url), 'utf8')) as {
  sign: SignCase[];
  verify: VerifyCase[];
};

const bytes = (b64: string): Uint8Array => new Uint8Array(Buffer.from(b64, 'base64'));
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

test(`signatures.json sign: all ${vectors.sign.length} signatures, pubkeys and verdicts`, () => {
  for (const c of vectors.sign) {
    const privateKey = new Uint8Array(Buffer.from(c.privkey_hex, 'hex'));
    const hash = bytes(c.hash_b64);
    const signature = sign(hash, privateKey);
    assert.equal(signature, c.signature_b64, `${c.key} / ${c.hash}`);
    assert.equal(signature.length, 88);
    assert.equal(publicKeyOf(privateKey), c.pubkey_b64, c.key);
    assert.equal(verify(hash, signature, c.pubkey_b64), c.verify, `${c.key} / ${c.hash} verify`);
    const s = BigInt('0x' + Buffer.from(signature, 'base64').subarray(32).toString('hex'));
    assert.equal(s <= N / 2n, c.low_s);
  }
  assert.equal(vectors.sign.length, 23);
});

test(`signatures.json verify: all ${vectors.verify.length} cases (malformed ones give false)`, () => {
  for (const c of vectors.verify) assert.equal(verify(bytes(c.hash_b64), c.signature_b64, c.pubkey_b64), c.verify, c.case);
  assert.equal(vectors.verify.length, 27);
  assert.equal(vectors.verify.filter((c) => c.verify).length, 1);
});

test('verify returns false, never throws, on garbage', () => {
  const c = vectors.sign[0]!;
  const hash = bytes(c.hash_b64);
  const garbage: Array<[Uint8Array, unknown, unknown]> = [
    [hash, '', c.pubkey_b64],
    [hash, c.signature_b64, ''],
    [hash, null, c.pubkey_b64],
    [hash, c.signature_b64, 42],
    [hash, c.signature_b64, 'A'.repeat(44)],
    [hash.subarray(0, 31), c.signature_b64, c.pubkey_b64],
    [new Uint8Array(64), c.signature_b64, c.pubkey_b64],
    [null as unknown as Uint8Array, c.signature_b64, c.pubkey_b64],
  ];
  for (const [h, sig, pub] of garbage) assert.equal(verify(h, sig as string, pub as string), false);
});

test('a hybrid 65-byte key (prefix 06/07) verifies like libsecp256k1 parses it, only with the right parity', () => {
  const c = vectors.verify.find((v) => v.verify)!;
  const uncompressed = Buffer.from(c.pubkey_b64, 'base64');
  const yIsOdd = (uncompressed[64]! & 1) === 1;
  const hybrid = Buffer.from(uncompressed);
  hybrid[0] = yIsOdd ? 0x07 : 0x06;
  assert.equal(verify(bytes(c.hash_b64), c.signature_b64, hybrid.toString('base64')), true);
  hybrid[0] = yIsOdd ? 0x06 : 0x07;
  assert.equal(verify(bytes(c.hash_b64), c.signature_b64, hybrid.toString('base64')), false);
});

test('sign refuses a hash that is not 32 bytes (ocore signs the raw sha256)', () => {
  const privateKey = new Uint8Array(Buffer.from(vectors.sign[0]!.privkey_hex, 'hex'));
  assert.throws(() => sign(new Uint8Array(31), privateKey), /32-byte hash/);
});

test('property: signatures are deterministic, low-S and verify only against their own hash', () => {
  fc.assert(
    fc.property(fc.string(), fc.string(), fc.uint8Array({ minLength: 32, maxLength: 32 }), (a, b, seed) => {
      fc.pre(a !== b);
      const privateKey = new Uint8Array(createHash('sha256').update(seed).digest());
      const hashA = new Uint8Array(createHash('sha256').update(a).digest());
      const hashB = new Uint8Array(createHash('sha256').update(b).digest());
      const pubkey = publicKeyOf(privateKey);
      const signature = sign(hashA, privateKey);
      assert.equal(sign(hashA, privateKey), signature);
      assert.ok(BigInt('0x' + Buffer.from(signature, 'base64').subarray(32).toString('hex')) <= N / 2n);
      assert.equal(verify(hashA, signature, pubkey), true);
      assert.equal(verify(hashB, signature, pubkey), false);
    }),
    { numRuns: 50 },
  );
});

test('property: below the group order the libsecp256k1-style signer and @noble/curves agree byte for byte', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (hash, seed) => {
      fc.pre(BigInt('0x' + Buffer.from(hash).toString('hex')) < N);
      const privateKey = new Uint8Array(createHash('sha256').update(seed).digest());
      assert.equal(Buffer.from(signUnreducedHash(hash, privateKey)).toString('base64'), sign(hash, privateKey));
    }),
    { numRuns: 50 },
  );
});

const sha256 = (text: string) => new Uint8Array(createHash('sha256').update(text, 'utf8').digest());

test('property: verifyText(text) answers as verify(sha256(text)) for good, tampered, high-S and foreign signatures', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme' }), fc.string(), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(63), (text, other, seed, flip) => {
      const privateKey = new Uint8Array(createHash('sha256').update(seed).digest());
      const pubkey = publicKeyOf(privateKey);
      const good = sign(sha256(text), privateKey);
      const raw = Buffer.from(good, 'base64');
      const tampered = Buffer.from(raw);
      tampered[flip] = tampered[flip]! ^ 1;
      // the same (r, s) with s replaced by n − s: valid ECDSA, refused by libsecp256k1 as high-S
      const highS = Buffer.concat([raw.subarray(0, 32), Buffer.from((N - BigInt('0x' + raw.subarray(32).toString('hex'))).toString(16).padStart(64, '0'), 'hex')]);
      const cases: Array<[string, string]> = [
        [text, good],
        [text + other + 'x', good],
        [text, tampered.toString('base64')],
        [text, highS.toString('base64')],
      ];
      for (const [t, sig] of cases) assert.equal(verifyText(t, sig, pubkey), verify(sha256(t), sig, pubkey));
      assert.equal(verifyText(text, good, pubkey), true);
      assert.equal(verifyText(text, highS.toString('base64'), pubkey), false);
    }),
    { numRuns: 100 },
  );
});

test('verifyText: uncompressed and hybrid keys, keys off the curve and garbage answer as verify does', () => {
  const c = vectors.verify.find((v) => v.verify)!;
  const privateKey = new Uint8Array(Buffer.from(vectors.sign[0]!.privkey_hex, 'hex'));
  const text = 'a unit source string';
  const signature = sign(sha256(text), privateKey);
  const compressed = Buffer.from(publicKeyOf(privateKey), 'base64');
  const offCurve = Buffer.from(compressed);
  offCurve.fill(0xff, 1);
  const keys = [
    publicKeyOf(privateKey),
    offCurve.toString('base64'),
    Buffer.concat([Buffer.of(0x04), compressed.subarray(1), Buffer.alloc(32)]).toString('base64'),
    c.pubkey_b64,
    'A'.repeat(44),
    '',
    '!!!',
  ];
  for (const key of keys) {
    for (const sig of [signature, c.signature_b64, '', 'A'.repeat(88), signature + 'AAAA']) {
      assert.equal(verifyText(text, sig, key), verify(sha256(text), sig, key), `${key} / ${sig}`);
    }
  }
  // a second look at a key comes from the cache, with the same answers
  assert.equal(verifyText(text, signature, publicKeyOf(privateKey)), true);
  assert.equal(verifyText(text, signature, offCurve.toString('base64')), false);
  assert.equal(verifyText(text, null as unknown as string, publicKeyOf(privateKey)), false);
  assert.equal(verifyText(text, signature, 42 as unknown as string), false);
});
