// Reconciliation against the real server: purchases paid on the devhubs, then a tampered ledger and bytes from
// outside. Then `cashback reconcile` as a child process: against the running server's hubs, and on a snapshot of
// the devhub stores once the server is stopped.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, form, type TestApp } from '../helpers/app.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { cashback, type Run } from '../helpers/cli.ts';
import { post } from '../../src/storage/ledger.ts';
import { loadConfig } from '../../src/config.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { addPartner } from '../../src/services/partners.ts';
import type { NetworkName } from '../../src/storage/schema.ts';
import { reconcileNetwork, type NetworkReconciliation } from '../../src/services/reconcile.ts';
import { SecretBox } from '../../src/services/secret-box.ts';
import { secretKey } from '../../src/wallet.ts';
import { textcoinKey } from '../../src/obyte/keys.ts';
import { composeWithHub } from '../../src/obyte/light-wallet.ts';

const CUSTOMER_ADDRESS = 'KSCCYOEMOMUMJXROLK4HWLTJBWFXICRB';

async function reconcile(runtime: Runtime, network: NetworkName): Promise<NetworkReconciliation> {
  const n = runtime.networks[network];
  const partners = await runtime.db.kysely.selectFrom('partners').select(['id', 'name', 'deposit_index']).execute();
  return reconcileNetwork({
    db: runtime.db,
    network,
    chain: n.deposits,
    addresses: {
      hot: n.hot.address,
      funding: n.funding.address,
      deposits: partners.map((p) => ({ partnerId: p.id, partner: p.name, address: runtime.depositKey(Number(p.deposit_index)).address })),
    },
  });
}

const explain = (r: NetworkReconciliation) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 1);

for (const kind of STORE_KINDS) {
  describe(`reconcile on ${kind}`, () => {
    let app: TestApp;
    let seq = 0;
    const purchase = async (network: NetworkName, address: string, extra: Record<string, string> = {}) => {
      const res = await app.post(network === 'main' ? '/new_purchase' : '/test/new_purchase', form({
        partner: app.partner.name,
        partner_key: app.partner.key,
        customer: `cust-${++seq}`,
        order_id: `order-${seq}`,
        address,
        currency: 'USD',
        currency_amount: '30',
        ...extra,
      }));
      assert.equal(res.json.result, 'ok', JSON.stringify(res.json));
    };

    before(async () => {
      app = await startTestApp(kind);
    });
    after(() => app.close());

    test('after purchases to addresses and e-mails, with a partner share, both networks reconcile clean', async () => {
      await purchase('main', CUSTOMER_ADDRESS);
      await purchase('main', 'someone@example.com', { partner_cashback_percentage: '5' });
      await purchase('main', CUSTOMER_ADDRESS, { partner_cashback_percentage: '2.5' });
      await purchase('test', CUSTOMER_ADDRESS);
      await app.settle();
      for (const network of ['main', 'test'] as const) {
        const r = await reconcile(app.runtime, network);
        assert.equal(r.ok, true, explain(r));
        assert.equal(r.ledger.sum, 0n);
        assert.ok(r.wallet.chain > 0n);
      }
      const main = await reconcile(app.runtime, 'main');
      assert.equal(main.textcoins.funded, 1);
      assert.ok(main.textcoins.chain > 0n);
    });

    test('a deposit on its way is in flight, not a difference', async () => {
      const deposit = app.runtime.depositKey(app.partner.depositIndex).address;
      const unit = await app.runtime.networks.main.devhub!.faucet(deposit, 2_000_000);
      const r = await reconcile(app.runtime, 'main');
      assert.equal(r.ok, true, explain(r));
      assert.deepEqual(r.inFlight.map((f) => [f.kind, f.unit, f.address, f.amount]), [['deposit', unit, deposit, 2_000_000n]]);
      await app.settle();
      const after = await reconcile(app.runtime, 'main');
      assert.equal(after.ok, true, explain(after));
      assert.deepEqual(after.inFlight, []);
    });

    test('a textcoin claimed on the network is in flight until recorded; one taken back reconciles clean', async () => {
      await purchase('main', 'claimer@example.com');
      await purchase('main', 'forgetful@example.com');
      await app.settle();
      const coins = await app.runtime.db.kysely
        .selectFrom('textcoins')
        .select(['payout_id', 'email', 'address', 'mnemonic_enc'])
        .where('status', '=', 'funded')
        .where('email', 'in', ['claimer@example.com', 'forgetful@example.com'])
        .execute();
      const claimer = coins.find((c) => c.email === 'claimer@example.com')!;
      const box = new SecretBox(await secretKey(app.config));
      const n = app.runtime.networks.main;
      const claim = await composeWithHub(n.hub, {
        params: n.config.protocol,
        key: textcoinKey(box.open(claimer.mnemonic_enc)),
        outputs: [{ address: CUSTOMER_ADDRESS, amount: 0 }],
        sendAll: true,
      });
      assert.ok(claim.ok, JSON.stringify(claim));
      await n.hub.postJoint({ unit: claim.unit });
      const during = await reconcile(app.runtime, 'main');
      assert.equal(during.ok, true, explain(during));
      assert.deepEqual(during.inFlight.map((f) => [f.kind, f.unit, f.address]), [['claim', claim.unit.unit, claimer.address]]);

      await app.settle();
      // eight days on: the claim is recorded, the other textcoins (this one's and the first test's) are taken back
      assert.deepEqual(await app.runtime.closeTextcoins('main', Date.now() + 8 * 24 * 3600_000), { claimed: 1, takenBack: 2 });
      await app.settle();
      const after = await reconcile(app.runtime, 'main');
      assert.equal(after.ok, true, explain(after));
      assert.deepEqual(after.inFlight, []);
      const statuses = await app.runtime.db.kysely.selectFrom('textcoins').select(['email', 'status']).where('email', 'in', ['claimer@example.com', 'forgetful@example.com']).orderBy('email').execute();
      assert.deepEqual(statuses, [{ email: 'claimer@example.com', status: 'claimed' }, { email: 'forgetful@example.com', status: 'taken_back' }]);
    });

    test('a ledger entry with nothing behind it on the network is found', async () => {
      await post(app.runtime.db.kysely, 'test', [{ from: 'pool', to: 'paid', amount: 12_345n, kind: 'tampered' }], Date.now());
      const r = await reconcile(app.runtime, 'test');
      assert.equal(r.ok, false);
      assert.deepEqual(r.differences.map((d) => [d.kind, d.difference]), [['wallet', 12_345n]]);
      assert.ok(r.differences[0]!.addresses.includes(app.runtime.networks.test.hot.address));
      assert.equal((await reconcile(app.runtime, 'main')).ok, true, 'the other network is not affected');
      await post(app.runtime.db.kysely, 'test', [{ from: 'paid', to: 'pool', amount: 12_345n, kind: 'untampered' }], Date.now());
      assert.equal((await reconcile(app.runtime, 'test')).ok, true);
    });

    test('bytes sent from outside to the hot wallet are found', async () => {
      await app.runtime.networks.main.devhub!.faucet(app.runtime.networks.main.hot.address, 1_000_000);
      await app.settle();
      const r = await reconcile(app.runtime, 'main');
      assert.deepEqual(r.differences.map((d) => [d.kind, d.difference]), [['wallet', 1_000_000n]]);
    });
  });
}

describe('cashback reconcile (the command)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cashback-reconcile-cli-'));
  const env = { DATA_DIR: dataDir, MAIN_DEVHUB_PORT: '0', TEST_DEVHUB_PORT: '0', DEVHUB_STABILITY_MS: '200', LOG_LEVEL: 'silent', HUB_TIMEOUT_MS: '5000' };
  let runtime: Runtime | null = null;

  before(async () => {
    runtime = await startRuntime(loadConfig(env), { listen: false });
    const added = await addPartner(runtime.db, 'shop');
    if (!added.ok) throw new Error(added.error);
    for (const n of Object.values(runtime.networks)) await n.devhub!.stabilize();
    for (const name of ['main', 'test'] as const) await runtime.scanDeposits(name);
  });
  after(async () => {
    await runtime?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('exit 0 when clean, 1 on a difference, 2 when it cannot check', async () => {
    const rt = runtime!;
    const hubs = { MAIN_HUB_URL: rt.networks.main.devhub!.url, MAIN_NETWORK: 'devnet', TEST_HUB_URL: rt.networks.test.devhub!.url, TEST_NETWORK: 'devnet' };
    // with the hubs' URLs it asks the running server's hubs; without (port 0) it reads a snapshot of their stores
    const [clean, snapshot] = await Promise.all([cashback(['reconcile', '--json'], { ...env, ...hubs }), cashback(['reconcile', '--json'], env)]);
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.equal(snapshot.code, 0, snapshot.stdout + snapshot.stderr);
    assert.match((JSON.parse(snapshot.stdout) as { networks: { main: { hub: string } } }).networks.main.hub, /^snapshot of .*devhub-main\.sqlite/);
    const report = JSON.parse(clean.stdout) as { ok: boolean; networks: Record<string, { ok: boolean; hub: string }> };
    assert.equal(report.ok, true);
    assert.deepEqual(Object.keys(report.networks), ['main', 'test']);
    assert.equal(report.networks.main!.hub, rt.networks.main.devhub!.url);

    await post(rt.db.kysely, 'main', [{ from: 'pool', to: 'paid', amount: 1_500_000_000n, kind: 'tampered' }], Date.now());
    // the server stopped: the command reads a snapshot of the devhub stores, with the same answer
    await rt.close();
    runtime = null;
    const [text, onlyTest, unreachable, moon] = await Promise.all([
      cashback(['reconcile', '--network', 'main'], env),
      cashback(['reconcile', '--network', 'test', '--json'], env),
      cashback(['reconcile', '--json'], { ...env, MAIN_HUB_URL: 'ws://127.0.0.1:9', TEST_HUB_URL: 'ws://127.0.0.1:9' }),
      cashback(['reconcile', '--network', 'moon'], env),
    ]);
    assert.equal(text.code, 1, text.stdout + text.stderr);
    assert.match(text.stdout, /main: 1 DIFFERENCE/);
    assert.match(text.stdout, /DIFFERENCE wallet: .*more on the network by 1500000000 bytes \(1\.5 GB\)/);
    assert.match(text.stdout, /snapshot of .*devhub-main\.sqlite/);
    assert.equal(onlyTest.code, 0, onlyTest.stdout + onlyTest.stderr);
    assert.deepEqual(Object.keys((JSON.parse(onlyTest.stdout) as { networks: object }).networks), ['test']);
    assert.equal(unreachable.code, 2, unreachable.stdout + unreachable.stderr);
    assert.equal((JSON.parse(unreachable.stdout) as { ok: boolean }).ok, false);
    assert.match(unreachable.stderr, /hub ws:\/\/127\.0\.0\.1:9 unreachable/);
    assert.equal(moon.code, 2);
    assert.match(moon.stderr, /network must be main or test, got "moon"/);
  });
});
