import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig, type Config } from '../../src/config.ts';
import { startRuntime } from '../../src/runtime.ts';
import { addPartner } from '../../src/services/partners.ts';
import { openDb, type StoreLocation } from '../../src/storage/db.ts';
import { hasLegacyWalletKeysMark } from '../../src/storage/wallet-keys.ts';
import { legacyBip32WalletKey } from '../../src/obyte/keys.ts';
import { cashback } from '../helpers/cli.ts';
import { openDbMigratedTo, openTestStore, STORE_KINDS, type StoreKind } from '../helpers/stores.ts';

interface DerivationCase {
  mnemonic: string;
  short_parent_keys: string[];
  wallet: Array<{ path: string; address: string }>;
}
const cases = (JSON.parse(readFileSync(new URL('../fixtures/vectors/derivation.json', import.meta.url), 'utf8')) as { cases: DerivationCase[] }).cases;
/** A wallet whose keys differ under the two rules (its master key starts with 0x00), and one whose keys do not. */
const differing = cases.find((c) => c.short_parent_keys.includes('m'))!;
const same = cases.find((c) => c.short_parent_keys.length === 1 && c.short_parent_keys[0] === "m/44'/0'/0'")!;

/** A store as the release before 0004 left it, after it took a partner on. */
async function usedOldStore(kind: StoreKind) {
  const store = await openTestStore(kind, '0003_fewer_index_writes');
  const added = await addPartner(store.db, 'shop-old');
  assert.ok(added.ok);
  await store.db.close();
  return store;
}

function configFor(dataDir: string, mnemonic: string, location: StoreLocation): Config {
  const base = loadConfig({ DATA_DIR: dataDir, WALLET_MNEMONIC: mnemonic, MAIN_DEVHUB_PORT: '0', TEST_DEVHUB_PORT: '0', LOG_LEVEL: 'silent' });
  return { ...base, store: location };
}

for (const kind of STORE_KINDS) {
  describe(`wallet keys at start on ${kind}`, () => {
    test('a store used with BIP32 keys and a wallet that Obyte derives otherwise: refused in one line, naming both hot addresses', async () => {
      const store = await usedOldStore(kind);
      const dataDir = mkdtempSync(join(tmpdir(), 'cashback-keys-'));
      try {
        const legacyHot = legacyBip32WalletKey(differing.mnemonic, 0).address;
        assert.notEqual(legacyHot, differing.wallet[0]!.address);
        for (let attempt = 0; attempt < 2; attempt++) {
          await assert.rejects(startRuntime(configFor(dataDir, differing.mnemonic, store.location)), (e: unknown) => {
            assert.ok(e instanceof ConfigError, String(e));
            assert.ok(!e.message.includes('\n'), 'one line');
            assert.ok(e.message.includes(legacyHot) && e.message.includes(differing.wallet[0]!.address), e.message);
            return true;
          });
        }
        store.db = await openDb(store.location);
        assert.equal(await hasLegacyWalletKeysMark(store.db), true, 'still refused on the next start');
      } finally {
        await store.dispose();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    test('a store used with BIP32 keys and a wallet whose keys are the same under both rules: starts, and the mark goes', async () => {
      const store = await usedOldStore(kind);
      const dataDir = mkdtempSync(join(tmpdir(), 'cashback-keys-'));
      try {
        assert.equal(legacyBip32WalletKey(same.mnemonic, 0).address, same.wallet[0]!.address);
        const runtime = await startRuntime(configFor(dataDir, same.mnemonic, store.location), { listen: false });
        try {
          assert.equal(runtime.networks.main.hot.address, same.wallet[0]!.address);
          assert.equal(await hasLegacyWalletKeysMark(runtime.db), false);
        } finally {
          await runtime.close();
        }
      } finally {
        store.db = await openDb(store.location);
        await store.dispose();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    test('a new store with a wallet that BIP32 derives otherwise: starts on the keys Obyte wallets open', async () => {
      const store = await openTestStore(kind);
      await store.db.close();
      const dataDir = mkdtempSync(join(tmpdir(), 'cashback-keys-'));
      try {
        const runtime = await startRuntime(configFor(dataDir, differing.mnemonic, store.location), { listen: false });
        try {
          assert.equal(runtime.networks.main.hot.address, differing.wallet[0]!.address);
          assert.equal(runtime.networks.main.funding.address, differing.wallet[1]!.address);
        } finally {
          await runtime.close();
        }
      } finally {
        store.db = await openDb(store.location);
        await store.dispose();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
}

test('npm start on such a store exits with code 2 and one line; the CLI shows no address of the wallet there', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cashback-keys-'));
  try {
    const old = await openDbMigratedTo({ kind: 'sqlite', file: join(dataDir, 'cashback.sqlite') }, '0003_fewer_index_writes');
    assert.ok((await addPartner(old, 'shop-old')).ok);
    await old.close();
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: dataDir, WALLET_MNEMONIC: differing.mnemonic };
    const run = await new Promise<{ code: unknown; stderr: string }>((done) => {
      execFile(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: resolve(import.meta.dirname, '../..'), env, timeout: 60_000 }, (error, _stdout, stderr) =>
        done({ code: error ? error.code : 0, stderr }),
      );
    });
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /^configuration error: this store was used with wallet keys derived by standard BIP32/);
    // the CLI does not show the addresses either: they are not the ones the store knows
    const [pool, shown, reconciled] = await Promise.all([
      cashback(['pool', 'status'], env),
      cashback(['partner', 'show', 'shop-old'], env),
      cashback(['reconcile', '--network', 'main'], env),
    ]);
    for (const r of [pool, shown, reconciled]) {
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /this store was used with wallet keys derived by standard BIP32/);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    assert.deepEqual([pool.code, shown.code, reconciled.code], [1, 1, 2]);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
