import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { addressFromPubkey, definitionFromPubkey, isValidAddress, isValidAddressAnyCase } from '../../src/obyte/address.ts';
import { base32Decode, base32Encode } from '../../src/obyte/base32.ts';
import { getChash160, isChashValid } from '../../src/obyte/chash.ts';
import { getJsonSourceString, getSourceString } from '../../src/obyte/source-string.ts';
import type { Definition } from '../../src/obyte/types.ts';

interface DefinitionCase {
  id: string;
  definition: Definition;
  chash_source_kind: string;
  chash_source_string: string;
  address: string;
  isValidAddress: boolean;
  known_address?: string;
}
interface AddressCase {
  value: unknown;
  note: string;
  isValidAddress: boolean;
  isValidAddressAnyCase: boolean;
}

const vectors = JSON.parse(readFileSync(new URL('../fixtures/vectors/addresses.json', import.meta.url), 'utf8')) as {
  definitions: DefinitionCase[];
  addresses: AddressCase[];
};

test(`addresses.json definitions: all ${vectors.definitions.length} definitions hash to their address`, () => {
  for (const c of vectors.definitions) {
    const isAa = c.chash_source_kind.startsWith('getJsonSourceString');
    const source = isAa ? getJsonSourceString(c.definition) : getSourceString(c.definition);
    assert.equal(source, c.chash_source_string, `${c.id} source string`);
    assert.equal(getChash160(c.definition), c.address, `${c.id} address`);
    assert.equal(getChash160(c.chash_source_string), c.address, `${c.id} chash of the string`);
    assert.equal(isValidAddress(c.address), c.isValidAddress, `${c.id} validity`);
    if (c.known_address) assert.equal(c.address, c.known_address);
  }
  assert.equal(vectors.definitions.length, 15);
  assert.equal(vectors.definitions.filter((c) => c.chash_source_kind.startsWith('getJsonSourceString')).length, 2);
});

test(`addresses.json addresses: all ${vectors.addresses.length} verdicts of isValidAddress and isValidAddressAnyCase`, () => {
  for (const c of vectors.addresses) {
    assert.equal(isValidAddress(c.value), c.isValidAddress, `${c.note}: isValidAddress(${JSON.stringify(c.value)})`);
    assert.equal(isValidAddressAnyCase(c.value), c.isValidAddressAnyCase, `${c.note}: isValidAddressAnyCase`);
  }
  assert.equal(vectors.addresses.length, 19);
});

test('addressFromPubkey and definitionFromPubkey match the sig definitions of the vectors', () => {
  const sigCases = vectors.definitions.filter((c) => c.definition[0] === 'sig');
  assert.ok(sigCases.length >= 8);
  for (const c of sigCases) {
    const pubkey = (c.definition[1] as { pubkey: string }).pubkey;
    assert.deepEqual(definitionFromPubkey(pubkey), c.definition);
    assert.equal(addressFromPubkey(pubkey), c.address);
  }
});

test('isChashValid refuses lengths other than 32 instead of throwing', () => {
  assert.equal(isChashValid(''), false);
  assert.equal(isChashValid('A'.repeat(48)), false);
  assert.equal(isChashValid(42 as unknown as string), false);
});

test('base32 follows RFC 4648 (test vectors of section 10, padding left off)', () => {
  const rfc: Array<[string, string]> = [
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ];
  for (const [plain, encoded] of rfc) {
    assert.equal(base32Encode(Buffer.from(plain)), encoded);
    assert.equal(Buffer.from(base32Decode(encoded)!).toString(), plain);
    assert.equal(Buffer.from(base32Decode(encoded.toLowerCase())!).toString(), plain);
  }
  assert.equal(base32Decode('MZXW6YT1'), null);
});

test('property: base32 round-trips any byte string', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      assert.deepEqual(base32Decode(base32Encode(bytes)), bytes);
    }),
  );
});

test('property: every chash160 is a valid address, and any single-character change breaks it', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1 }), fc.nat(31), fc.nat(30), (text, position, shift) => {
      const address = getChash160(text);
      assert.ok(isValidAddress(address));
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
      const replacement = alphabet[(alphabet.indexOf(address[position]!) + 1 + shift) % 32]!;
      const broken = address.slice(0, position) + replacement + address.slice(position + 1);
      assert.equal(isValidAddress(broken), false);
    }),
    { numRuns: 200 },
  );
});
