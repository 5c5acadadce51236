import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { HDKey } from '@scure/bip32';
import { entropyToMnemonic, mnemonicToSeedSync } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { deriveLegacyBip32Key, deriveObyteKey, HARDENED } from '../../src/obyte/bip32.ts';
import { addressFromPubkey, isValidAddress } from '../../src/obyte/address.ts';
import { publicKeyOf } from '../../src/obyte/signature.ts';
import { NETWORK_PARAMS, textcoinClaimFee } from '../../src/obyte/constants.ts';
import {
  generateMnemonic,
  isValidMnemonic,
  legacyBip32TextcoinKey,
  legacyBip32WalletKey,
  newTextcoin,
  textcoinKey,
  textcoinLink,
  walletKey,
} from '../../src/obyte/keys.ts';
import { referenceKeyHex, referenceKeysHex } from '../helpers/bitcore-derivation.ts';

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
  const key = walletKey(m, 7);
  assert.equal(Buffer.from(key.privateKey).toString('hex'), referenceKeyHex(m, [44 + HARDENED, HARDENED, HARDENED, 0, 7]));
  assert.notEqual(key.address, walletKey(m, 0).address);
  assert.throws(() => walletKey(m, -1), /invalid key index/);
  assert.throws(() => walletKey(m, 1.5), /invalid key index/);
  assert.throws(() => walletKey(m, 2 ** 31), /invalid key index/);
  assert.throws(() => walletKey(vectors.invalid[0]!.input, 0), /invalid mnemonic/);
  assert.throws(() => legacyBip32WalletKey(m, -1), /invalid key index/);
});

interface DerivationCase {
  mnemonic: string;
  short_parent_keys: string[];
  parent_privkeys_hex: Record<string, string>;
  textcoin: { path: string; privkey_hex: string; pubkey: string; address: string; link: string };
  wallet: Array<{ path: string; address: string; pubkey: string }>;
}
const derivation = JSON.parse(readFileSync(new URL('../fixtures/vectors/derivation.json', import.meta.url), 'utf8')) as { cases: DerivationCase[] };

/** "m/44'/0'/0'/1/0" → indices. */
function parsePath(path: string): number[] {
  const [root, ...steps] = path.split('/');
  assert.equal(root, 'm');
  return steps.map((s) => (s.endsWith("'") ? Number(s.slice(0, -1)) + HARDENED : Number(s)));
}

test(`derivation.json: all ${derivation.cases.length} cases, short parent keys included, as ocore and bitcore-lib derive them`, () => {
  const shortSeen = new Set<string>();
  for (const c of derivation.cases) {
    const seed = mnemonicToSeedSync(c.mnemonic, '');
    for (const [path, keyHex] of Object.entries(c.parent_privkeys_hex)) {
      assert.equal(Buffer.from(deriveObyteKey(seed, parsePath(path))).toString('hex'), keyHex, `${c.mnemonic} ${path}`);
      assert.equal(keyHex.startsWith('00'), c.short_parent_keys.includes(path));
    }
    for (const p of c.short_parent_keys) shortSeen.add(p);
    const hyphenated = c.mnemonic.split(' ').join('-');
    for (const spelling of [c.mnemonic, hyphenated, hyphenated.toUpperCase()]) {
      const key = textcoinKey(spelling);
      assert.equal(Buffer.from(key.privateKey).toString('hex'), c.textcoin.privkey_hex, c.mnemonic);
      assert.equal(key.pubkey, c.textcoin.pubkey);
      assert.equal(key.address, c.textcoin.address);
    }
    assert.equal(textcoinLink(hyphenated, 'livenet'), c.textcoin.link);
    for (const w of c.wallet) {
      const path = parsePath(w.path);
      assert.deepEqual(path.slice(0, 3), [44 + HARDENED, HARDENED, HARDENED]);
      if (path[3] === 0) {
        const key = walletKey(c.mnemonic, path[4]!);
        assert.equal(key.pubkey, w.pubkey, `${c.mnemonic} ${w.path}`);
        assert.equal(key.address, w.address);
      } else {
        // the change branch (m/44'/0'/0'/1/…): walletKey never derives it; the rule is the same
        const pubkey = publicKeyOf(deriveObyteKey(seed, path));
        assert.equal(pubkey, w.pubkey, `${c.mnemonic} ${w.path}`);
        assert.equal(addressFromPubkey(pubkey), w.address);
      }
    }
    // The old rule's textcoin address is another one exactly when a key above m/44'/0'/0' is short.
    const rulesDiffer = c.short_parent_keys.some((p) => p !== "m/44'/0'/0'");
    assert.equal(legacyBip32TextcoinKey(c.mnemonic).address !== c.textcoin.address, rulesDiffer, c.mnemonic);
    assert.equal(legacyBip32WalletKey(c.mnemonic, 0).address !== c.wallet[0]!.address, rulesDiffer);
  }
  assert.deepEqual([...shortSeen].sort(), ['m', "m/44'", "m/44'/0'", "m/44'/0'/0'"], 'the cases cover every short parent');
  assert.equal(derivation.cases.length, 9);
});

test('walletKey, textcoinKey and newTextcoin follow bitcore-lib 0.13 over random mnemonics (an independent implementation)', async () => {
  const entropy = fc.uint8Array({ minLength: 16, maxLength: 16 });
  fc.assert(
    fc.property(entropy, fc.integer({ min: 0, max: 200 }), (bytes, index) => {
      const m = entropyToMnemonic(bytes, wordlist);
      const path = [44 + HARDENED, HARDENED, HARDENED, 0];
      const [atIndex, atZero] = referenceKeysHex(m, [[...path, index], [...path, 0]]);
      assert.equal(Buffer.from(walletKey(m, index).privateKey).toString('hex'), atIndex, m);
      assert.equal(Buffer.from(textcoinKey(m).privateKey).toString('hex'), atZero, m);
    }),
    // about 1 mnemonic in 85 has a short key above m/44'/0'/0': some 3 or 4 of these runs (bip32.test.ts builds such parents)
    { numRuns: 300 },
  );
  for (let i = 0; i < 20; i++) {
    const tc = await newTextcoin();
    const words = tc.mnemonic.split('-').join(' ');
    assert.equal(Buffer.from(tc.privateKey).toString('hex'), referenceKeyHex(words, [44 + HARDENED, HARDENED, HARDENED, 0, 0]));
  }
});

test('a mnemonic whose master key starts with 0x00 opens other keys by the old BIP32 rule', () => {
  const c = derivation.cases.find((x) => x.short_parent_keys.includes('m'))!;
  const seed = mnemonicToSeedSync(c.mnemonic, '');
  const path = parsePath(c.textcoin.path);
  assert.equal(Buffer.from(deriveLegacyBip32Key(seed, path)).toString('hex'), Buffer.from(HDKey.fromMasterSeed(seed).derive(c.textcoin.path).privateKey!).toString('hex'));
  assert.notEqual(Buffer.from(deriveLegacyBip32Key(seed, path)).toString('hex'), c.textcoin.privkey_hex);
  assert.equal(Buffer.from(deriveObyteKey(seed, path)).toString('hex'), c.textcoin.privkey_hex);
});
