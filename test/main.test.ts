// `npm start` as a real process: what it does when a hub, the store or the network is not what it expects.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startDevHub } from '../src/devhub/index.ts';
import { NETWORK_PARAMS } from '../src/obyte/constants.ts';
import { generateMnemonic, walletKey } from '../src/obyte/keys.ts';
import { HubClient } from '../src/obyte/hub-client.ts';
import { KEY_INDEX } from '../src/wallet.ts';
import { TEST_PG_URL } from './helpers/stores.ts';

const ROOT = resolve(import.meta.dirname, '..');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

interface Server {
  child: ChildProcess;
  port: number;
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Resolves once the API listens; rejects if the process ends first. */
  listening: Promise<void>;
  stop(): Promise<number | null>;
}

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cashback-main-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** `npm start` with only these settings (plus a free port, quiet logs and free devhub ports). */
async function start(env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: String(port),
      MAIN_DEVHUB_PORT: '0',
      TEST_DEVHUB_PORT: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const listening = new Promise<void>((done, fail) => {
    const check = (d: Buffer) => {
      if (d.toString().includes('cashback API on')) done();
    };
    child.stdout!.on('data', check);
    void exited.then((code) => fail(new Error(`exited with ${code} before serving:\n${out}`)));
  });
  listening.catch(() => undefined);
  return {
    child,
    port,
    output: () => out,
    exited,
    listening,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The process must end by itself with `code` and one line on stderr, no stack trace. */
async function refused(server: Server, code = 2): Promise<string> {
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 60_000);
  const exit = await server.exited;
  clearTimeout(timer);
  const out = server.output().trim();
  assert.equal(exit, code, out);
  assert.doesNotMatch(out, /\n\s+at /, `no stack trace:\n${out}`);
  const lines = out.split('\n').filter((l) => l.startsWith('cannot start'));
  assert.equal(lines.length, 1, out);
  return lines[0]!;
}

describe('npm start', () => {
  test('with a hub that is down, HTTP is served within 10 s, /health names the hub (503), purchases get a JSON error', async () => {
    // A start that waited for the hub in any way would take a minute (HUB_TIMEOUT_MS). 10 s on an idle machine; the
    // suite's machine may be shared, and then any start (with or without a hub) is slower by its load.
    const limitMs = 10_000 * Math.min(4, Math.max(1, loadavg()[0]! / cpus().length));
    const t0 = Date.now();
    const server = await start({
      DATA_DIR: dataDir(),
      MAIN_HUB_URL: 'ws://127.0.0.1:1',
      WALLET_CREATE: 'true',
      FIAT_RATES: 'off',
      HUB_TIMEOUT_MS: '60000',
    });
    try {
      await server.listening;
      assert.ok(Date.now() - t0 < limitMs, `served after ${Date.now() - t0} ms (limit ${limitMs} ms)`);
      assert.match(server.output(), /hub ws:\/\/127\.0\.0\.1:1 not reachable .*connecting in the background/);
      const health = await fetch(`http://127.0.0.1:${server.port}/health`);
      assert.equal(health.status, 503);
      const body = (await health.json()) as { main: { hub: string; hub_url: string; network: string; error: string }; test: { hub: string } };
      assert.equal(body.main.network, 'livenet');
      assert.equal(body.main.hub_url, 'ws://127.0.0.1:1');
      assert.equal(body.main.hub, 'disconnected');
      assert.match(body.main.error, /ws:\/\/127\.0\.0\.1:1/);
      assert.equal(body.test.hub, 'connected', 'the embedded test devnet is up');
      const key = /partner_key: (\S+)/.exec(server.output())?.[1];
      assert.ok(key, server.output());
      const res = await fetch(`http://127.0.0.1:${server.port}/new_purchase`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ partner: 'demo', partner_key: key, customer: 'c', order_id: '1', address: 'KSCCYOEMOMUMJXROLK4HWLTJBWFXICRB', currency: 'USD', currency_amount: 20 }),
      });
      const answer = (await res.json()) as { result: string; error: string };
      assert.equal(answer.result, 'error');
      assert.ok(['payout failed, try again later', 'exchange rate unavailable'].includes(answer.error), answer.error);
      assert.equal(server.child.exitCode, null, 'still running');
    } finally {
      await server.stop();
    }
  });

  test('a hub of another network than the one configured is refused at start (one line, exit 2)', async () => {
    // a devnet hub given as MAIN_HUB_URL without MAIN_NETWORK: the main network is livenet, the hub says alt 3
    const hub = await startDevHub({ port: 0, params: NETWORK_PARAMS.devnet });
    try {
      // the API-only process too: it never runs "as livenet" against a devnet hub
      for (const mode of ['all', 'api']) {
        const server = await start({ DATA_DIR: dataDir(), MAIN_HUB_URL: hub.url, WALLET_CREATE: 'true', MODE: mode });
        const line = await refused(server);
        assert.match(line, /main network/);
        assert.match(line, /alt 3/);
        assert.match(line, /livenet/);
      }
    } finally {
      await hub.close();
    }
  });

  test('the same devnet hub named as a devnet is accepted', async () => {
    const hub = await startDevHub({ port: 0, params: NETWORK_PARAMS.devnet });
    const server = await start({ DATA_DIR: dataDir(), MAIN_HUB_URL: hub.url, MAIN_NETWORK: 'devnet', WALLET_CREATE: 'true' });
    try {
      await server.listening;
      const body = (await (await fetch(`http://127.0.0.1:${server.port}/health`)).json()) as { main: { network: string; hub: string } };
      assert.deepEqual([body.main.network, body.main.hub], ['devnet', 'connected']);
    } finally {
      await server.stop();
      await hub.close();
    }
  });

  test('a store of another wallet or network kind is refused (one line, exit 2)', async () => {
    const dir = dataDir();
    const first = await start({ DATA_DIR: dir, WALLET_MNEMONIC: generateMnemonic() });
    await first.listening;
    await first.stop();

    const otherWallet = await refused(await start({ DATA_DIR: dir, WALLET_MNEMONIC: generateMnemonic() }));
    assert.match(otherWallet, /belongs to the wallet whose hot address is [A-Z0-9]{32}/);
    assert.match(otherWallet, /WALLET_MNEMONIC/);

    const otherKind = await refused(await start({ DATA_DIR: dir, MAIN_HUB_URL: 'ws://127.0.0.1:1', WALLET_CREATE: 'true' }));
    assert.match(otherKind, /main network is devnet \(alt 3\), but the configuration says livenet \(alt 1\)/);
    assert.match(otherKind, /DATA_DIR/);
  });

  test('a kept store with a devnet whose DAG was removed from DATA_DIR is refused: it is another devnet', async () => {
    const dir = dataDir();
    const first = await start({ DATA_DIR: dir });
    await first.listening;
    assert.equal(await first.stop(), 0);
    const again = await start({ DATA_DIR: dir });
    await again.listening; // the same devnet: a restart is taken
    assert.equal(await again.stop(), 0);
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir, `devhub-main.sqlite${suffix}`), { force: true });
    const line = await refused(await start({ DATA_DIR: dir }));
    assert.match(line, /main network: the hub of the main network \(devnet\) is another devnet than this store's/);
  });

  test('a database that stays down: one line naming it (no password) and exit 2 after DATABASE_WAIT_MS', async () => {
    const t0 = Date.now();
    const server = await start({ DATA_DIR: dataDir(), DATABASE_URL: 'postgres://cashback:s3cret@127.0.0.1:1/cashback', DATABASE_WAIT_MS: '1500' });
    const line = await refused(server);
    assert.ok(Date.now() - t0 >= 1500, 'it retried for the configured time');
    assert.match(line, /127\.0\.0\.1:1/);
    assert.match(line, /DATABASE_WAIT_MS/);
    assert.doesNotMatch(server.output(), /s3cret/);
  });
});

describe('npm start on PostgreSQL after SQLite, same DATA_DIR', () => {
  const db = `cashback_${randomBytes(5).toString('hex')}`;
  const db2 = `${db}_b`;
  const admin = async (q: string) => {
    const client = new pg.Client({ connectionString: TEST_PG_URL });
    await client.connect();
    try {
      await client.query(q);
    } finally {
      await client.end();
    }
  };
  after(async () => {
    await admin(`drop database if exists ${db}`);
    await admin(`drop database if exists ${db2}`);
  });

  test('a database that comes up while the start waits for it: the server starts', async () => {
    const db3 = `${db}_c`;
    await admin(`create database ${db3}`);
    const port = await freePort();
    // nothing listens on `port` for the first seconds; then a proxy to the PostgreSQL server does
    let proxy: ReturnType<typeof createServer> | null = null;
    const server = await start({ DATA_DIR: dataDir(), DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/${db3}`, DATABASE_WAIT_MS: '60000' });
    try {
      for (let i = 0; i < 300 && !/trying again/.test(server.output()); i++) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(server.child.exitCode, null, 'still waiting');
      assert.match(server.output(), new RegExp(`the database at postgres://postgres@127\\.0\\.0\\.1:${port}/${db3} is unreachable .*trying again`));
      proxy = createServer((c) => {
        const upstream = connect(5432, '127.0.0.1');
        c.pipe(upstream).pipe(c);
        c.on('error', () => upstream.destroy());
        upstream.on('error', () => c.destroy());
      });
      await new Promise<void>((done) => proxy!.listen(port, '127.0.0.1', done));
      await server.listening;
    } finally {
      await server.stop();
      proxy?.close();
      await admin(`drop database if exists ${db3} with (force)`);
    }
  });

  test('a new store on a wallet another store has used is refused: no deposit is credited twice', async () => {
    const dir = dataDir();
    const fast = { DEVHUB_STABILITY_MS: '50', SCAN_INTERVAL_MS: '200' };
    const first = await start({ DATA_DIR: dir, ...fast });
    await first.listening;
    // long enough for the genesis deposit to be credited and swept to the hot wallet (a unit the wallet authors)
    await new Promise((r) => setTimeout(r, 3000));
    await first.stop();

    await admin(`create database ${db}`);
    const url = TEST_PG_URL.replace(/\/test$/, `/${db}`);
    const line = await refused(await start({ DATA_DIR: dir, DATABASE_URL: url, ...fast }));
    assert.match(line, /another store has used this wallet/);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const credits = await client.query('select count(*)::int as n from chain_credits');
      assert.equal(credits.rows[0].n, 0, 'nothing credited in the refused store');
      const partners = await client.query('select count(*)::int as n from partners');
      assert.equal(partners.rows[0].n, 0, 'no second demo partner, no second faucet payment');
    } finally {
      await client.end();
    }
  });

  test('before the first store moved anything, the demo deposit on the kept devnet is not funded a second time', async () => {
    const dir = dataDir();
    const mnemonic = generateMnemonic();
    const mainPort = await freePort();
    // an API-only process credits and sweeps nothing: the wallet has authored no unit, and the new store is taken
    const env = { DATA_DIR: dir, WALLET_MNEMONIC: mnemonic, MAIN_DEVHUB_PORT: String(mainPort), MODE: 'api' };
    const first = await start(env);
    await first.listening;
    await first.stop();

    await admin(`create database ${db2}`);
    const second = await start({ ...env, DATABASE_URL: TEST_PG_URL.replace(/\/test$/, `/${db2}`) });
    try {
      await second.listening;
      assert.match(second.output(), /partner_key: /, 'the new store has its own demo partner');
      const hub = new HubClient({ url: `ws://127.0.0.1:${mainPort}` });
      try {
        const deposit = walletKey(mnemonic, KEY_INDEX.depositBase + 1).address; // the first partner's
        const balances = await hub.getBalances([deposit]);
        const held = balances[deposit]?.base;
        assert.equal((held?.stable ?? 0) + (held?.pending ?? 0), 1_000e9, 'the demo deposit holds 1,000 GB, not 2,000');
      } finally {
        await hub.close();
      }
    } finally {
      await second.stop();
    }
  });
});
