// `cashback payouts`, `textcoins` and `deposits` on the store of a server that has paid purchases.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { startTestApp, form, type TestApp } from '../helpers/app.ts';
import { cashback } from '../helpers/cli.ts';

describe('cashback payouts, textcoins, deposits', () => {
  let app: TestApp;
  let env: Record<string, string>;
  const units: string[] = [];

  before(async () => {
    app = await startTestApp('sqlite');
    if (app.store.location.kind !== 'sqlite') throw new Error('sqlite expected');
    env = { DATA_DIR: dirname(app.store.location.file), LOG_LEVEL: 'silent' };
    for (const [i, address] of ['KSCCYOEMOMUMJXROLK4HWLTJBWFXICRB', 'carol@example.com'].entries()) {
      const res = await app.post(
        '/new_purchase',
        form({ partner: app.partner.name, partner_key: app.partner.key, customer: `c${i}`, order_id: `activity-${i}`, address, currency: 'USD', currency_amount: '30' }),
      );
      assert.equal(res.json.result, 'ok', JSON.stringify(res.json));
      units.push(res.json.unit as string);
    }
    await app.settle();
  });
  after(() => app.close());

  test('payouts: the queue by status and the units, per network', async () => {
    const run = await cashback(['payouts', '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const r = JSON.parse(run.stdout) as Record<string, { payouts: Record<string, { count: number }>; oldest_waiting_s: number | null; units: Array<{ kind: string; status: string; count: number }>; last_payout_unit: { unit: string } }>;
    assert.equal(r.main!.payouts.stable!.count, 2);
    assert.equal(r.main!.payouts.queued!.count, 0);
    assert.equal(r.main!.oldest_waiting_s, null);
    assert.equal(r.main!.last_payout_unit.unit, units[1]);
    assert.ok(r.main!.units.some((u) => u.kind === 'sweep' && u.status === 'stable'), 'the deposit sweeps are there too');
    assert.equal(r.test!.payouts.stable!.count, 0);
    const text = await cashback(['payouts', '--network', 'main'], env);
    assert.match(text.stdout, /^main: 0 queued, 0 signed, 0 sent, 2 stable, 0 failed; last unit /);
  });

  test('textcoins: each with its e-mail, amount and state', async () => {
    const run = await cashback(['textcoins', '--json', '--status', 'funded'], env);
    assert.equal(run.code, 0, run.stderr);
    const rows = JSON.parse(run.stdout) as Array<{ email: string; status: string; unit: string; amount: number }>;
    assert.deepEqual(rows.map((r) => [r.email, r.status, r.unit]), [['carol@example.com', 'funded', units[1]]]);
    assert.ok(rows[0]!.amount > 0.1 * 30 / 8.5 * 1e9);
    const none = await cashback(['textcoins', '--json', '--status', 'claimed'], env);
    assert.deepEqual(JSON.parse(none.stdout), []);
    const bad = await cashback(['textcoins', '--status', 'lost'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--status: one of pending, funded, claimed, taken_back/);
  });

  test("deposits: credited payments, the pool's and the partner's", async () => {
    const run = await cashback(['deposits', '--json', '--network', 'main'], env);
    assert.equal(run.code, 0, run.stderr);
    const rows = JSON.parse(run.stdout) as Array<{ to: string; amount: number }>;
    assert.deepEqual(rows.map((r) => r.to).sort(), ['demo', 'pool', 'shop-one'], 'the demo partner of a first start, too');
    assert.equal(rows.find((r) => r.to === 'shop-one')!.amount, 50_000e9);
  });
});
