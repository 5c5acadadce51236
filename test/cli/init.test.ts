// `cashback init`, and the rule that no other command creates a store, run as real processes.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { generateMnemonic, isValidMnemonic, walletKey } from '../../src/obyte/keys.ts';
import { KEY_INDEX } from '../../src/wallet.ts';
import { openDb } from '../../src/storage/db.ts';
import { TEST_PG_URL } from '../helpers/stores.ts';
import { cashback, type Run } from '../helpers/cli.ts';

const REAL_HUBS = { MAIN_HUB_URL: 'wss://obyte.org/bb', TEST_HUB_URL: 'wss://obyte.org/bb-test' };
const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);
const walletIn = (dir: string) => (JSON.parse(readFileSync(join(dir, 'wallet.json'), 'utf8')) as { mnemonic: string }).mnemonic;

function oneLineRefusal(run: Run, code: number, pattern: RegExp): void {
  assert.equal(run.code, code, run.stdout + run.stderr);
  assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  assert.match(run.stderr, pattern);
}

interface Report {
  data_dir: { path: string; mode: string; private: boolean };
  wallet: { file: string; mode: string; source: string };
  mnemonic: string | null;
  secret_key: { file: string; mode: string };
  store: { kind: string; location: string; created: boolean };
  networks: Record<string, { kind: string; funding_address: string; funding_explorer: string | null; hot_address: string; hot_explorer: string | null }>;
  backup: string[];
}

describe('cashback init on sqlite', () => {
  const base = mkdtempSync(join(tmpdir(), 'cashback-init-'));
  after(() => rmSync(base, { recursive: true, force: true }));

  test('creates the wallet, secret key and store with their modes, shows the words once and the addresses to fund', async () => {
    const dataDir = join(base, 'new', 'data');
    const run = await cashback(['init', '--json'], { DATA_DIR: dataDir, ...REAL_HUBS });
    assert.equal(run.code, 0, run.stderr);
    const r = JSON.parse(run.stdout) as Report;
    assert.ok(r.mnemonic && isValidMnemonic(r.mnemonic));
    assert.equal(walletIn(dataDir), r.mnemonic);
    assert.deepEqual([modeOf(dataDir), modeOf(join(dataDir, 'wallet.json')), modeOf(join(dataDir, 'secret.key'))], ['700', '600', '600']);
    assert.deepEqual([r.data_dir.mode, r.wallet.mode, r.secret_key.mode], ['0700', '0600', '0600']);
    assert.equal(r.data_dir.private, true);
    assert.deepEqual(r.store, { kind: 'sqlite', location: join(dataDir, 'cashback.sqlite'), created: true });
    const funding = walletKey(r.mnemonic, KEY_INDEX.funding).address;
    const hot = walletKey(r.mnemonic, KEY_INDEX.hot).address;
    assert.deepEqual(r.networks.main, {
      kind: 'livenet', hub: 'wss://obyte.org/bb', funding_address: funding, funding_explorer: `https://explorer.obyte.org/address/${funding}`,
      hot_address: hot, hot_explorer: `https://explorer.obyte.org/address/${hot}`,
    });
    assert.equal(r.networks.test!.kind, 'testnet');
    assert.equal(r.networks.test!.funding_explorer, `https://testnetexplorer.obyte.org/address/${funding}`);
    assert.equal(r.backup.length, 3);
    // the store is a real one: the commands use it
    const list = await cashback(['partner', 'list', '--json'], { DATA_DIR: dataDir, ...REAL_HUBS });
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout), []);

    // never over an existing wallet: one line, exit 2, the wallet untouched
    const again = await cashback(['init'], { DATA_DIR: dataDir, ...REAL_HUBS });
    oneLineRefusal(again, 2, /a wallet exists already at .*wallet\.json/);
    assert.equal(walletIn(dataDir), r.mnemonic);
  });

  test('the text form says to write the words down, the modes, the explorer links and what to back up', async () => {
    const dataDir = join(base, 'text');
    // a folder that existed, open to others: kept as it is, and the operator told
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    const run = await cashback(['init'], { DATA_DIR: dataDir, ...REAL_HUBS });
    assert.equal(run.code, 0, run.stderr);
    const mnemonic = walletIn(dataDir);
    assert.match(run.stdout, /WRITE THIS DOWN/);
    assert.ok(run.stdout.includes(`    ${mnemonic}\n`));
    assert.equal(run.stdout.split(mnemonic).length, 2, 'the words are shown once');
    assert.match(run.stdout, /wallet\.json \(mode 0600/);
    assert.match(run.stdout, /secret\.key \(mode 0600\)/);
    assert.match(run.stdout, /data folder: .* \(mode 0755; others can reach it: chmod 700 .*\)/);
    assert.match(run.stdout, /pool funding address: [A-Z2-7]{32} {2}https:\/\/explorer\.obyte\.org\/address\/[A-Z2-7]{32}/);
    assert.match(run.stdout, /https:\/\/testnetexplorer\.obyte\.org\/address\//);
    assert.match(run.stdout, /Back up now[^]*wallet\.json[^]*secret\.key[^]*the database/);
  });

  test('imports from WALLET_MNEMONIC or --mnemonic-file, without showing the words; bad words change nothing', async () => {
    const m1 = generateMnemonic();
    const m2 = generateMnemonic();
    const wordsFile = join(base, 'words.txt');
    writeFileSync(wordsFile, `  ${m2.toUpperCase().split(' ').join('-')}\n`);
    const [fromEnv, fromFile, both, bad] = await Promise.all([
      cashback(['init', '--json'], { DATA_DIR: join(base, 'env'), WALLET_MNEMONIC: m1 }),
      cashback(['init', '--json', '--mnemonic-file', wordsFile], { DATA_DIR: join(base, 'file') }),
      cashback(['init', '--mnemonic-file', wordsFile], { DATA_DIR: join(base, 'both'), WALLET_MNEMONIC: m1 }),
      cashback(['init'], { DATA_DIR: join(base, 'bad'), WALLET_MNEMONIC: 'abandon '.repeat(12).trim() }),
    ]);
    for (const [run, m, dir, source] of [[fromEnv, m1, 'env', 'WALLET_MNEMONIC'], [fromFile, m2, 'file', 'mnemonic file']] as const) {
      assert.equal(run.code, 0, run.stderr);
      const r = JSON.parse(run.stdout) as Report;
      assert.equal(r.mnemonic, null);
      assert.equal(r.wallet.source, source);
      assert.ok(!run.stdout.includes(m.split(' ')[0]! + ' ' + m.split(' ')[1]!), 'the words are not printed');
      assert.equal(walletIn(join(base, dir)), m);
    }
    oneLineRefusal(both, 1, /either in WALLET_MNEMONIC or with --mnemonic-file/);
    oneLineRefusal(bad, 2, /WALLET_MNEMONIC is not a valid BIP39 mnemonic/);
    assert.doesNotMatch(bad.stderr, /abandon/);
    assert.equal(existsSync(join(base, 'both')) || existsSync(join(base, 'bad')), false, 'nothing was created');
  });

  test('asks for the words when run on a terminal', async () => {
    const dataDir = join(base, 'tty');
    const m = generateMnemonic();
    // `script` gives the command a pseudo-terminal; the words are typed on it once the question is out
    const run = await new Promise<Run>((done) => {
      const child = spawn('script', ['-qec', `${process.execPath} bin/cashback.js init --json`, '/dev/null'], {
        cwd: resolve(import.meta.dirname, '../..'),
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: dataDir, TERM: 'dumb' },
      });
      let stdout = '';
      const timer = setTimeout(() => child.kill(), 60_000);
      child.stdout.on('data', (d: Buffer) => {
        const asked = !stdout.includes('type its words');
        stdout += d.toString();
        if (asked && stdout.includes('type its words')) child.stdin.end(`${m}\n`);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        done({ code: code ?? -1, stdout, stderr: '' });
      });
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /type its words \(not shown\)/);
    assert.ok(!run.stdout.includes(m.split(' ').slice(0, 2).join(' ')), 'the words typed are not echoed');
    assert.equal(walletIn(dataDir), m);
  });

  test('a store that exists takes only the wallet it belongs to, and keeps its textcoin key', async () => {
    const dataDir = join(base, 'restored');
    (await openDb({ kind: 'sqlite', file: join(dataDir, 'cashback.sqlite') })).close();
    const created = await cashback(['init'], { DATA_DIR: dataDir });
    oneLineRefusal(created, 2, /a store exists already at .*cashback\.sqlite: .*import that wallet/);
    const noKey = await cashback(['init'], { DATA_DIR: dataDir, WALLET_MNEMONIC: generateMnemonic() });
    oneLineRefusal(noKey, 2, /no textcoin key at .*secret\.key, but the store exists already: restore secret\.key/);
    assert.equal(existsSync(join(dataDir, 'wallet.json')), false);
    writeFileSync(join(dataDir, 'secret.key'), randomBytes(32).toString('hex'));
    const toPostgres = await cashback(['init'], { DATA_DIR: dataDir, DATABASE_URL: TEST_PG_URL, WALLET_MNEMONIC: generateMnemonic() });
    oneLineRefusal(toPostgres, 2, /holds a SQLite store .*: moving a deployment between SQLite and PostgreSQL is not supported/);
    const imported = await cashback(['init', '--json'], { DATA_DIR: dataDir, WALLET_MNEMONIC: generateMnemonic() });
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal((JSON.parse(imported.stdout) as Report).store.created, false);
  });
});

describe('the other commands never create a store', () => {
  const base = mkdtempSync(join(tmpdir(), 'cashback-nostore-'));
  after(() => rmSync(base, { recursive: true, force: true }));

  test('a DATA_DIR without a store is refused, naming the path, and stays absent', async () => {
    const typo = join(base, 'dta');
    const [add, pool, reconcile] = await Promise.all([
      cashback(['partner', 'add', 'shop'], { DATA_DIR: typo }),
      cashback(['pool', 'status', '--json'], { DATA_DIR: typo }),
      cashback(['reconcile'], { DATA_DIR: typo }),
    ]);
    for (const run of [add, pool, reconcile]) oneLineRefusal(run, 2, new RegExp(`no store at ${join(typo, 'cashback.sqlite')}: check DATA_DIR=${typo}, or run "cashback init"`));
    assert.equal(existsSync(typo), false);
  });

  test('a store without its wallet: one line naming WALLET_MNEMONIC and the backup, exit 2', async () => {
    const dataDir = join(base, 'walletless');
    (await openDb({ kind: 'sqlite', file: join(dataDir, 'cashback.sqlite') })).close();
    oneLineRefusal(await cashback(['pool', 'status'], { DATA_DIR: dataDir }), 2, /no wallet at .*wallet\.json: set WALLET_MNEMONIC .*restore wallet\.json from its backup/);
  });
});

describe('cashback init on postgres', () => {
  const db = `cashback_init_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  const url = (password = '') => `postgres://postgres${password ? `:${password}` : ''}@127.0.0.1:5432/${db}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'cashback-init-pg-'));

  before(async () => {
    await admin.connect();
    await admin.query(`create database ${db}`);
  });
  after(async () => {
    await admin.query(`drop database if exists ${db} with (force)`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a database without a store, or none at all, is refused naming the URL without its password; init creates the store', async () => {
    const env = { DATA_DIR: dataDir, DATABASE_URL: url('hunter2') };
    const [empty, missing] = await Promise.all([
      cashback(['partner', 'list'], env),
      cashback(['partner', 'list'], { ...env, DATABASE_URL: `postgres://postgres:hunter2@127.0.0.1:5432/${db}_nothere` }),
    ]);
    oneLineRefusal(empty, 2, new RegExp(`no store at ${url()}: check DATABASE_URL, or run "cashback init"`));
    oneLineRefusal(missing, 2, new RegExp(`cannot reach the store at ${url()}_nothere: .*does not exist`));
    for (const run of [empty, missing]) assert.doesNotMatch(run.stderr, /hunter2/);

    const init = await cashback(['init', '--json'], env);
    assert.equal(init.code, 0, init.stderr);
    const r = JSON.parse(init.stdout) as Report;
    assert.deepEqual(r.store, { kind: 'postgres', location: url(), created: true });
    const added = await cashback(['partner', 'add', 'shop', '--json'], env);
    assert.equal(added.code, 0, added.stderr);
  });
});
