// `cashback partner address …` and `cashback partner budget …`, run as real child processes on a fresh SQLite store.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateMnemonic, walletKey } from '../../src/obyte/keys.ts';
import { KEY_INDEX } from '../../src/wallet.ts';
import { openDb } from '../../src/storage/db.ts';
import { cashback, type Run } from '../helpers/cli.ts';

const MERCHANT = 'DJMMI5JYA5BWQYSXDPRZJVLW3UGL3GJS';
const OTHER = 'AK2ERJ3A6YPMLGUZA6CC667AKQ7RSC77';

function json(run: Run): Record<string, unknown> {
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

function refused(run: Run, message: RegExp): void {
  assert.notEqual(run.code, 0);
  assert.match(run.stderr, message);
  assert.equal(run.stdout, '');
}

describe('cashback partner address and budget', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cashback-cli-settings-'));
  const env = { DATA_DIR: dataDir, LOG_LEVEL: 'silent', PARTNER_DAILY_BUDGET_USD: '500' };
  const mnemonic = generateMnemonic();

  before(async () => {
    writeFileSync(join(dataDir, 'wallet.json'), JSON.stringify({ mnemonic }));
    // a deployment as `cashback init` leaves it: the commands refuse a DATA_DIR without a store
    await (await openDb({ kind: 'sqlite', file: join(dataDir, 'cashback.sqlite') })).close();
    json(await cashback(['partner', 'add', 'shop', '--json'], env));
    json(await cashback(['partner', 'add', 'rival', '--json'], env));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('receiving addresses are added per network, listed by partner show, and removed', async () => {
    assert.deepEqual(json(await cashback(['partner', 'address', 'add', 'shop', MERCHANT, '--json'], env)), {
      partner: 'shop',
      network: 'main',
      address: MERCHANT,
      added: true,
    });
    assert.equal(json(await cashback(['partner', 'address', 'add', 'shop', OTHER, '--network', 'test', '--json'], env)).added, true);
    // again: nothing changes
    assert.equal(json(await cashback(['partner', 'address', 'add', 'shop', MERCHANT, '--json'], env)).added, false);
    const shown = json(await cashback(['partner', 'show', 'shop', '--json'], env)) as {
      networks: Record<string, { receiving_addresses: string[]; budget_used_usd: string }>;
    };
    assert.deepEqual(shown.networks.main!.receiving_addresses, [MERCHANT]);
    assert.deepEqual(shown.networks.test!.receiving_addresses, [OTHER]);
    const text = await cashback(['partner', 'show', 'shop'], env);
    assert.match(text.stdout, new RegExp(`main .*${MERCHANT}`));

    assert.equal(json(await cashback(['partner', 'address', 'remove', 'shop', OTHER, '--network', 'test', '--json'], env)).removed, true);
    refused(await cashback(['partner', 'address', 'remove', 'shop', OTHER, '--network', 'test'], env), /is not a receiving address of "shop" on test/);
  });

  test("refused: a malformed address, the program's own addresses, another partner's address, an unknown partner", async () => {
    const own = [walletKey(mnemonic, KEY_INDEX.hot).address, walletKey(mnemonic, KEY_INDEX.funding).address];
    const runs = await Promise.all([
      cashback(['partner', 'address', 'add', 'shop', 'NOT-AN-ADDRESS'], env),
      ...own.map((a) => cashback(['partner', 'address', 'add', 'shop', a], env)),
      cashback(['partner', 'address', 'add', 'rival', MERCHANT], env),
      cashback(['partner', 'address', 'add', 'nobody', OTHER], env),
    ]);
    refused(runs[0]!, /"NOT-AN-ADDRESS" is not an Obyte address/);
    refused(runs[1]!, /is an address of the cashback program itself/);
    refused(runs[2]!, /is an address of the cashback program itself/);
    refused(runs[3]!, /already registered to partner "shop" on main/);
    refused(runs[4]!, /no partner "nobody"/);
    // a partner's deposit address is the program's too
    const shown = json(await cashback(['partner', 'show', 'rival', '--json'], env)) as { networks: Record<string, { deposit_address: string }> };
    refused(await cashback(['partner', 'address', 'add', 'shop', shown.networks.main!.deposit_address], env), /address of the cashback program/);
  });

  test('partner budget sets the daily limit, "default" follows PARTNER_DAILY_BUDGET_USD; partner show tells both', async () => {
    const shown = json(await cashback(['partner', 'show', 'shop', '--json'], env)) as Record<string, unknown> & {
      networks: Record<string, { budget_used_usd: string }>;
    };
    assert.equal(shown.daily_budget_usd, '500');
    assert.equal(shown.budget_is_default, true);
    assert.equal(shown.networks.main!.budget_used_usd, '0');
    assert.deepEqual(json(await cashback(['partner', 'budget', 'shop', '1250.50', '--json'], env)), {
      partner: 'shop',
      daily_budget_usd: '1250.5',
      budget_is_default: false,
    });
    const text = await cashback(['partner', 'show', 'shop'], env);
    assert.match(text.stdout, /daily budget: 1250\.5 USD per network\n/);
    assert.equal(json(await cashback(['partner', 'budget', 'shop', 'default', '--json'], env)).daily_budget_usd, '500');
    refused(await cashback(['partner', 'budget', 'shop', '-5'], env), /the budget must be a USD amount/);
    refused(await cashback(['partner', 'budget', 'shop', 'lots'], env), /the budget must be a USD amount/);
  });
});
