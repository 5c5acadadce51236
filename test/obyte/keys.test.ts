import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { isValidAddress } from '../../src/obyte/address.ts';
import { NETWORK_PARAMS, textcoinClaimFee } from '../../src/obyte/constants.ts';
import {
  generateMnemonic,
  isValidMnemonic,
  newTextcoin,
  textcoinKey,
  textcoinLink,
  walletKey,
} from '../../src/obyte/keys.ts';

type Outcome = { output: string } | { throws: string };
interface Textcoin {
  mnemonic: string;
  mnemonic_stored: string;
  link: string;
  bip39_seed_hex: string;
  derivation_path: string;
  xprv_at_path: string;
  privkey_hex: string;
  pubkey: string;
  definition: unknown;
  address: string;
  isValidAddress: boolean;
}
const vectors = JSON.parse(readFileSync(new URL('../fixtures/vectors/textcoins.json', import.meta.url), 'utf8')) as {
  textcoins: Textcoin[];
  normalization: Array<{ input: string; expandMnemonic: Outcome }>;
  invalid: Array<{ input: string; expandMnemonic: Outcome }>;
  constants: { TEXTCOIN_CLAIM_FEE: number; version: string; testnet: { TEXTCOIN_CLAIM_FEE: number; version: string } };
};

test(`textcoins.json textcoins: all ${vectors.textcoins.length} mnemonics give ocore's seed, key, address and link`, () => {
  for (const c of vectors.textcoins) {
    for (const spelling of [c.mnemonic, c.mnemonic_stored]) {
      const key = textcoinKey(spelling);
      assert.equal(Buffer.from(key.privateKey).toString('hex'), c.privkey_hex, c.mnemonic);
      assert.equal(key.pubkey, c.pubkey);
      assert.deepEqual(key.definition, c.definition);
      assert.equal(key.address, c.address);
      assert.equal(isValidAddress(key.address), c.isValidAddress);
    }
    assert.equal(c.derivation_path, "m/44'/0'/0'/0/0");
    assert.equal(Buffer.from(mnemonicToSeedSync(c.mnemonic, '')).toString('hex'), c.bip39_seed_hex);
    assert.equal(HDKey.fromMasterSeed(mnemonicToSeedSync(c.mnemonic, '')).derive(c.derivation_path).privateExtendedKey, c.xprv_at_path);
    assert.equal(textcoinLink(c.mnemonic_stored, 'livenet'), c.link);
    assert.equal(textcoinLink(c.mnemonic, 'livenet'), c.link);
    assert.equal(walletKey(c.mnemonic, 0).address, c.address, 'a textcoin key is wallet key 0 of its mnemonic');
  }
  assert.equal(vectors.textcoins.length, 9);
});

test(`textcoins.json normalization (${vectors.normalization.length}) and invalid (${vectors.invalid.length}) inputs, with ocore's error text`, () => {
  for (const c of [...vectors.normalization, ...vectors.invalid]) {
    const outcome = c.expandMnemonic;
    if ('output' in outcome) assert.equal(textcoinKey(c.input).address, outcome.output, c.input);
    else assert.throws(() => textcoinKey(c.input), (e: unknown) => e instanceof Error && e.message === outcome.throws, c.input);
  }
  assert.deepEqual([vectors.normalization.length, vectors.invalid.length], [3, 4]);
});

test('textcoins.json constants: claim fee 772 for "4.0", 773 for "4.0t"', () => {
  assert.equal(textcoinClaimFee(vectors.constants.version), vectors.constants.TEXTCOIN_CLAIM_FEE);
  assert.equal(textcoinClaimFee(vectors.constants.testnet.version), vectors.constants.testnet.TEXTCOIN_CLAIM_FEE);
  assert.equal(textcoinClaimFee(NETWORK_PARAMS.livenet.version), 772);
  assert.equal(textcoinClaimFee(NETWORK_PARAMS.testnet.version), 773);
  assert.equal(textcoinClaimFee(NETWORK_PARAMS.devnet.version), 775);
});

test('textcoin links per network', () => {
  const stored = vectors.textcoins[1]!.mnemonic_stored;
  assert.equal(textcoinLink(stored, 'testnet'), 'https://testnet.obyte.org/#textcoin?' + stored);
  assert.equal(textcoinLink(stored, 'devnet'), 'obyte-dn:textcoin?' + stored);
});

test('newTextcoin: 12 hyphenated words whose key textcoinKey finds again', async () => {
  const seen = new Set<string>();
  for (let i = 0; i < 5; i++) {
    const tc = await newTextcoin();
    const words = tc.mnemonic.split('-');
    assert.equal(words.length, 12);
    assert.ok(isValidMnemonic(words.join(' ')));
    const again = textcoinKey(tc.mnemonic);
    assert.equal(again.address, tc.address);
    assert.deepEqual(again.privateKey, tc.privateKey);
    seen.add(tc.address);
  }
  assert.equal(seen.size, 5);
});

test('generateMnemonic / isValidMnemonic', () => {
  const m = generateMnemonic();
  assert.equal(m.split(' ').length, 12);
  assert.ok(isValidMnemonic(m));
  assert.equal(isValidMnemonic(vectors.invalid[0]!.input), false, 'bad checksum');
  assert.equal(isValidMnemonic('not a mnemonic'), false);
});

test('walletKey derives m/44\'/0\'/0\'/0/index and refuses bad input', () => {
  const m = vectors.textcoins[0]!.mnemonic;
  const seed = mnemonicToSeedSync(m, '');
  const expected = HDKey.fromMasterSeed(seed).derive("m/44'/0'/0'/0/7").privateKey!;
  const key = walletKey(m, 7);
  assert.deepEqual(key.privateKey, expected);
  assert.notEqual(key.address, walletKey(m, 0).address);
  assert.throws(() => walletKey(m, -1), /invalid key index/);
  assert.throws(() => walletKey(m, 1.5), /invalid key index/);
  assert.throws(() => walletKey(m, 2 ** 31), /invalid key index/);
  assert.throws(() => walletKey(vectors.invalid[0]!.input, 0), /invalid mnemonic/);
});
