// `npm start` as an operator runs it: on a real network without a wallet it refuses in one line and leaves nothing.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateMnemonic } from '../src/obyte/keys.ts';
import { openDb } from '../src/storage/db.ts';

const ROOT = resolve(import.meta.dirname, '..');

function npmStart(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      'npm',
      ['start', '--silent'],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

describe('npm start without a wallet on a real network', () => {
  const base = mkdtempSync(join(tmpdir(), 'cashback-start-'));
  after(() => rmSync(base, { recursive: true, force: true }));

  for (const [label, hubs] of [
    // the issue's own command: only the main hub named (the test network stays a devnet)
    ['MAIN_HUB_URL=ws://127.0.0.1:1', { MAIN_HUB_URL: 'ws://127.0.0.1:1', TEST_DEVHUB_PORT: '0' }],
    ['both networks real', { MAIN_HUB_URL: 'ws://127.0.0.1:1', MAIN_NETWORK: 'livenet', TEST_HUB_URL: 'ws://127.0.0.1:1', TEST_NETWORK: 'testnet' }],
  ] as const) {
    test(`${label}: one line naming WALLET_CREATE and WALLET_MNEMONIC, exit 2, nothing created`, async () => {
      const dataDir = join(base, label.replace(/\W+/g, '-'));
      const run = await npmStart({ DATA_DIR: dataDir, PORT: '0', ...hubs });
      assert.equal(run.code, 2, run.stdout + run.stderr);
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line, no stack trace:\n${run.stderr}`);
      const line = lines[0]!;
      assert.match(line, /WALLET_MNEMONIC/);
      assert.match(line, /WALLET_CREATE=true/);
      assert.match(line, /cashback init/);
      assert.match(line, /backup/);
      assert.ok(line.includes(join(dataDir, 'wallet.json')), line);
      assert.equal(existsSync(dataDir), false, 'no DATA_DIR, wallet or store is left behind');
    });
  }

  test('a restored wallet and store without secret.key: one line saying to restore it, exit 2, no new key made', async () => {
    const dataDir = join(base, 'restored');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'wallet.json'), JSON.stringify({ mnemonic: generateMnemonic() }));
    await (await openDb({ kind: 'sqlite', file: join(dataDir, 'cashback.sqlite') })).close();
    const run = await npmStart({ DATA_DIR: dataDir, PORT: '0', MAIN_HUB_URL: 'ws://127.0.0.1:1', TEST_HUB_URL: 'ws://127.0.0.1:1', TEST_NETWORK: 'testnet' });
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /no textcoin key at .*secret\.key, but the store exists already: restore secret\.key .* or set SECRET_KEY/);
    assert.equal(existsSync(join(dataDir, 'secret.key')), false);
  });
});
