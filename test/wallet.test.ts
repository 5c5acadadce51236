// The wallet seed and the textcoin key on disk: who may create them, and their modes.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src/config.ts';
import { isValidMnemonic } from '../src/obyte/keys.ts';
import { isPrivate, makePrivateDir, writePrivateFile } from '../src/private-files.ts';
import { secretKey, walletMnemonic } from '../src/wallet.ts';

const base = mkdtempSync(join(tmpdir(), 'cashback-wallet-'));
after(() => rmSync(base, { recursive: true, force: true }));
const modeOf = (path: string) => statSync(path).mode & 0o777;

/** Runs with a umask that would leave files readable by all: the modes must not depend on it. */
function underOpenUmask<T>(fn: () => T): T {
  const old = process.umask(0);
  try {
    return fn();
  } finally {
    process.umask(old);
  }
}

describe('private files', () => {
  test('a new folder is 0700 and a new file 0600 whatever the umask; an existing file is never replaced', () => {
    const dir = join(base, 'a', 'b');
    underOpenUmask(() => {
      makePrivateDir(dir);
      writePrivateFile(join(dir, 'f'), 'one');
    });
    assert.equal(modeOf(dir), 0o700);
    assert.equal(modeOf(join(dir, 'f')), 0o600);
    assert.throws(() => writePrivateFile(join(dir, 'f'), 'two'), { code: 'EEXIST' });
    assert.equal(readFileSync(join(dir, 'f'), 'utf8'), 'one');
    assert.equal(isPrivate(dir) && isPrivate(join(dir, 'f')), true);
    chmodSync(join(dir, 'f'), 0o640);
    assert.equal(isPrivate(join(dir, 'f')), false);
  });
});

describe('walletMnemonic', () => {
  test('without a wallet on a real network: a one-line ConfigError that says what to set, nothing created', () => {
    const dataDir = join(base, 'real');
    const config = loadConfig({ DATA_DIR: dataDir, MAIN_HUB_URL: 'wss://obyte.org/bb', TEST_HUB_URL: 'wss://obyte.org/bb-test' });
    assert.throws(() => walletMnemonic(config), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /^no wallet at .*wallet\.json: set WALLET_MNEMONIC .*restore wallet\.json from its backup.*cashback init.*WALLET_CREATE=true/);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
    assert.equal(existsSync(dataDir), false);
  });

  test('on devnets the wallet is created at first start, 0600 in a 0700 folder', () => {
    const dataDir = join(base, 'dev', 'data');
    const config = loadConfig({ DATA_DIR: dataDir });
    const mnemonic = underOpenUmask(() => walletMnemonic(config));
    assert.ok(isValidMnemonic(mnemonic));
    assert.equal(walletMnemonic(config), mnemonic, 'read back, not made again');
    assert.equal(modeOf(dataDir), 0o700);
    assert.equal(modeOf(join(dataDir, 'wallet.json')), 0o600);
  });

  test('a wallet file without a valid mnemonic is refused in one line', () => {
    const dataDir = join(base, 'broken');
    makePrivateDir(dataDir);
    writeFileSync(join(dataDir, 'wallet.json'), '{"mnemonic":"not words"}');
    assert.throws(() => walletMnemonic(loadConfig({ DATA_DIR: dataDir })), /wallet\.json holds no valid wallet mnemonic$/);
  });
});

describe('secretKey', () => {
  test('made only when allowed (a new store), 0600; otherwise a one-line refusal naming secret.key and SECRET_KEY', async () => {
    const config = loadConfig({ DATA_DIR: join(base, 'key') });
    await assert.rejects(secretKey(config, () => false), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /^no textcoin key at .*secret\.key, but the store exists already: restore secret\.key .* or set SECRET_KEY$/);
      return true;
    });
    const key = await underOpenUmask(() => secretKey(config, () => true));
    assert.equal(key.length, 32);
    assert.equal(modeOf(config.secretKey.file), 0o600);
    assert.deepEqual(await secretKey(config, () => false), key, 'an existing key is read, whatever the store');
  });
});
