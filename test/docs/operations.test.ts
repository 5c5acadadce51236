// docs/operations.md, run: every `sh` block in order, as one shell session, against two local devnet hubs, in a
// temporary folder, on a free port and fresh PostgreSQL databases. A command that changes in the doc is the one run.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { startDevHub, type DevHub } from '../../src/devhub/index.ts';
import { walletKey } from '../../src/obyte/keys.ts';
import { KEY_INDEX } from '../../src/wallet.ts';
import { openDb } from '../../src/storage/db.ts';
import { balance } from '../../src/storage/ledger.ts';
import { TEST_PG_URL } from '../helpers/stores.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const DOC = join(ROOT, 'docs/operations.md');

/** The doc's `sh` blocks, in order. */
function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([^]*?)^```$/gm)].map((m) => m[1]!);
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

describe('docs/operations.md', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'cashback-runbook-'));
  const databases = [1, 2].map(() => `cashback_runbook_${randomBytes(5).toString('hex')}`);
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  let hubs: { main: DevHub; test: DevHub };
  let port = 0;
  // the operator's SMTP server: what it receives
  const inbox: Array<{ to: string[]; raw: string }> = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        done();
      });
    },
  });
  let smtpPort = 0;

  before(async () => {
    // a devnet has no price oracle of Obyte's: each hub's own posts the GBYTE price
    const feeds = { oracle: { feeds: { GBYTE_USD: 8.5, BTC_USD: 95000, GBYTE_BTC: 0.00008947 } } };
    hubs = { main: await startDevHub({ port: 0, stabilityDelayMs: 100, ...feeds }), test: await startDevHub({ port: 0, stabilityDelayMs: 100, ...feeds }) };
    await new Promise<void>((done) => smtp.listen(0, '127.0.0.1', done));
    smtpPort = (smtp.server.address() as { port: number }).port;
    port = await freePort();
    await admin.connect();
    for (const db of databases) await admin.query(`create database ${db}`);
    // what a machine has before the runbook starts
    for (const dir of ['etc', 'var/lib', 'var/log', 'var/backups', 'run', 'srv']) mkdirSync(join(tmp, dir), { recursive: true });
  });
  after(async () => {
    const pidFile = join(tmp, 'run/cashback.pid');
    if (existsSync(pidFile)) spawnSync('kill', [readFileSync(pidFile, 'utf8').trim()]);
    await new Promise<void>((done) => smtp.close(() => done()));
    await hubs?.main.close();
    await hubs?.test.close();
    for (const db of databases) await admin.query(`drop database if exists ${db} with (force)`);
    await admin.end();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** The livenet deployment of the doc, moved onto the local hubs, folders, port and databases. */
  const localize = (block: string): string =>
    block
      .replaceAll('wss://obyte.org/bb-test', hubs.test.url)
      .replaceAll('wss://obyte.org/bb', hubs.main.url)
      .replace(/"(MAIN|TEST)_NETWORK": "(livenet|testnet)"/g, '"$1_NETWORK": "devnet"')
      .replaceAll('/opt/obyte-cashback', ROOT)
      .replace(/(?<![\w.:/-])\/(etc|var|run|srv)\//g, `${tmp}/$1/`)
      .replaceAll('127.0.0.1:8080', `127.0.0.1:${port}`)
      .replaceAll('smtps://cashback%40example.com:SMTP-PASSWORD@mail.example.com', `smtp://127.0.0.1:${smtpPort}`)
      .replaceAll('"PORT": 8080', `"PORT": ${port}`)
      .replaceAll('postgres://cashback@db.internal:5432/cashback', `postgres://postgres@127.0.0.1:5432/${databases[0]}`)
      .replaceAll('postgres://cashback@db2.internal:5432/cashback', `postgres://postgres@127.0.0.1:5432/${databases[1]}`);

  /** What the operator does outside the commands: pays the pool from their own wallet, right after init. */
  const fundPool = async () => {
    const wallet = JSON.parse(readFileSync(join(tmp, 'var/lib/cashback/wallet.json'), 'utf8')) as { mnemonic: string };
    const funding = walletKey(wallet.mnemonic, KEY_INDEX.funding).address;
    for (const hub of Object.values(hubs)) await hub.faucet(funding, 5_000_000_000);
  };

  test('every shell block runs, in order, and the store restored on a new machine reconciles with the money in it', async () => {
    const blocks = shellBlocks(readFileSync(DOC, 'utf8'));
    const all = blocks.join('\n');
    // the runbook's backbone is there (a doc emptied of commands must not pass)
    for (const command of ['npx cashback init', '/test/new_purchase', 'sqlite3', 'cashback reconcile', 'pg_dump', 'pg_restore', 'kill']) {
      assert.ok(all.includes(command), `the runbook runs ${command}`);
    }
    const state = join(tmp, '.session');
    writeFileSync(`${state}.cwd`, ROOT);
    writeFileSync(`${state}.env`, '');
    let funded = false;
    for (const [i, block] of blocks.entries()) {
      const script = [
        'set -euo pipefail',
        `source '${state}.env'`,
        `cd "$(cat '${state}.cwd')"`,
        localize(block),
        `pwd > '${state}.cwd'`,
        `export -p > '${state}.env'`,
      ].join('\n');
      // asynchronously: the hubs the commands talk to run in this process
      const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((done) =>
        execFile(
          'bash',
          ['-c', script],
          {
            env: {
              PATH: process.env.PATH ?? '',
              HOME: process.env.HOME ?? '',
              SCAN_INTERVAL_MS: '300',
              MAIN_ORACLE_ADDRESS: hubs.main.oracleAddress,
              TEST_ORACLE_ADDRESS: hubs.test.oracleAddress,
            },
            timeout: 120_000,
          },
          (error, stdout, stderr) => done({ status: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
        ),
      );
      const log = join(tmp, 'var/log/cashback.log');
      const serverLog = existsSync(log) ? `\n--- server log\n${readFileSync(log, 'utf8').slice(-3000)}` : '';
      assert.equal(run.status, 0, `block ${i + 1} failed:\n${localize(block)}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}${serverLog}`);
      if (!funded && block.includes('cashback init')) {
        await fundPool();
        funded = true;
      }
    }
    assert.ok(funded, 'the runbook runs cashback init');
    // the launch check's textcoin went out through "the operator's" SMTP server, with the claim link of its network
    // (here the devnet the testnet was moved onto; on the real testnet, https://testnet.obyte.org/#textcoin?…)
    const mail = inbox.find((m) => m.to.includes('you@example.com'));
    assert.ok(mail, 'the textcoin e-mail was sent');
    assert.match(mail.raw.replace(/=\r?\n/g, ''), /obyte-dn:textcoin\?[a-z]+(-[a-z]+){11}/);
    // the new machine's store holds the pool the old one credited
    const restored = await openDb({ kind: 'sqlite', file: join(tmp, 'srv/cashback/cashback.sqlite') });
    try {
      // what was paid in, less the fee of the sweep to the hot wallet (and on test, the launch check's cashback)
      const main = await balance(restored.kysely, 'main', 'pool');
      const test = await balance(restored.kysely, 'test', 'pool');
      assert.ok(main > 4_999_000_000n && main <= 5_000_000_000n, `main: pool ${main}`);
      assert.ok(test > 4_000_000_000n && test < main, `test: pool ${test}`);
    } finally {
      await restored.close();
    }
  });
});
