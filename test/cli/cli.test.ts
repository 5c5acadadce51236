// The operator's `cashback` command, run as a real child process on a fresh data directory.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { generateMnemonic, walletKey } from '../../src/obyte/keys.ts';
import { KEY_INDEX } from '../../src/wallet.ts';
import { openDb, type Db } from '../../src/storage/db.ts';
import { authenticate, findPartner } from '../../src/services/partners.ts';
import { TEST_PG_URL } from '../helpers/stores.ts';
import { cashback, type Run } from '../helpers/cli.ts';


function json(run: Run): unknown {
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout);
}

describe('cashback CLI on sqlite', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cashback-cli-'));
  const env = { DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
  const mnemonic = generateMnemonic();
  const name = 'Cafe Central';
  let key = '';
  let db: Db;

  before(async () => {
    writeFileSync(join(dataDir, 'wallet.json'), JSON.stringify({ mnemonic }));
    // a deployment as `cashback init` leaves it: the commands refuse a DATA_DIR without a store
    db = await openDb({ kind: 'sqlite', file: join(dataDir, 'cashback.sqlite') });
  });
  after(async () => {
    await db?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('partner add prints the name and a key that authenticates; the same name again is refused', async () => {
    const added = json(await cashback(['partner', 'add', name, '--json'], env)) as { partner: string; key: string };
    assert.deepEqual(Object.keys(added), ['partner', 'key']);
    assert.equal(added.partner, name);
    assert.match(added.key, /^[A-Za-z0-9_-]{43}$/);
    key = added.key;
    assert.equal((await authenticate(db, name, key))?.name, name);

    const again = await cashback(['partner', 'add', name], env);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /partner "Cafe Central" exists already/);
    assert.equal(again.stdout, '');
  });

  test('partner list and partner show', async () => {
    // read-only commands run side by side: each child costs about 2 s of tsx start-up
    const [listRun, showRun] = await Promise.all([cashback(['partner', 'list', '--json'], env), cashback(['partner', 'show', name, '--json'], env)]);
    const list = json(listRun) as Array<Record<string, unknown>>;
    assert.equal(list.length, 1);
    assert.equal(list[0]!.partner, name);
    assert.equal(list[0]!.enabled, true);

    const shown = json(showRun) as {
      partner: string;
      enabled: boolean;
      networks: Record<string, { deposit_address: string; deposit_balance: number }>;
    };
    assert.equal(shown.partner, name);
    assert.equal(shown.enabled, true);
    const p = (await findPartner(db, name))!;
    const address = walletKey(mnemonic, KEY_INDEX.depositBase + p.depositIndex).address;
    const none = { receiving_addresses: [], budget_used_usd: '0' };
    assert.deepEqual(shown.networks, {
      main: { deposit_address: address, deposit_balance: 0, ...none },
      test: { deposit_address: address, deposit_balance: 0, ...none },
    });
  });

  test('partner disable, enable and rotate-key', async () => {
    const disabled = await cashback(['partner', 'disable', name], env);
    assert.equal(disabled.code, 0, disabled.stderr);
    assert.equal((await findPartner(db, name))!.enabled, false);
    assert.equal(await authenticate(db, name, key), null);

    assert.deepEqual(json(await cashback(['partner', 'enable', name, '--json'], env)), { partner: name, enabled: true });
    assert.equal((await authenticate(db, name, key))?.name, name);

    const rotated = json(await cashback(['partner', 'rotate-key', name, '--json'], env)) as { partner: string; key: string };
    assert.equal(rotated.partner, name);
    assert.notEqual(rotated.key, key);
    assert.equal(await authenticate(db, name, key), null, 'the old key stops working');
    assert.equal((await authenticate(db, name, rotated.key))?.name, name);
  });

  test('pool status and purchases on an empty store', async () => {
    const [poolRun, purchasesRun] = await Promise.all([cashback(['pool', 'status', '--json'], env), cashback(['purchases', '--json'], env)]);
    const pool = json(poolRun) as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(pool), ['main', 'test']);
    for (const n of ['main', 'test']) {
      assert.deepEqual(pool[n], {
        pool: 0,
        reserved: 0,
        textcoins_outstanding: 0,
        partner_deposits: 0,
        paid: 0,
        network_fees: 0,
        hot_address: walletKey(mnemonic, KEY_INDEX.hot).address,
        funding_address: walletKey(mnemonic, KEY_INDEX.funding).address,
      });
    }
    assert.deepEqual(json(purchasesRun), []);
  });

  test('bad input exits non-zero with a message on stderr', async () => {
    const [moon, nobody] = await Promise.all([cashback(['purchases', '--network', 'moon'], env), cashback(['partner', 'show', 'nobody'], env)]);
    assert.notEqual(moon.code, 0);
    assert.match(moon.stderr, /network must be main or test, got "moon"/);
    assert.notEqual(nobody.code, 0);
    assert.match(nobody.stderr, /no partner "nobody"/);
    assert.equal(nobody.stdout, '');
  });
});

describe('cashback CLI on postgres', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cashback-cli-pg-'));
  const name = `cli-${randomBytes(6).toString('hex')}`;
  // a database of its own: the public schema of the shared one may hold another branch's migrations
  const database = `cashback_cli_${randomBytes(5).toString('hex')}`;
  const url = `postgres://postgres@127.0.0.1:5432/${database}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });

  // the store the CLI finds there, as `cashback init` leaves it (the commands never create one)
  before(async () => {
    await admin.connect();
    await admin.query(`create database ${database}`);
    await (await openDb({ kind: 'postgres', url, poolSize: 1 })).close();
  });
  after(async () => {
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('partner add writes to the DATABASE_URL store', async () => {
    const added = json(await cashback(['partner', 'add', name, '--json'], { DATA_DIR: dataDir, DATABASE_URL: url })) as { partner: string; key: string };
    assert.equal(added.partner, name);
    const db = await openDb({ kind: 'postgres', url, poolSize: 1 });
    try {
      assert.equal((await authenticate(db, name, added.key))?.name, name);
    } finally {
      await db.close();
    }
  });
});
