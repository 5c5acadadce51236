import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, form, type TestApp } from '../helpers/app.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { AUTH_MEMORY_MS, setEnabled } from '../../src/services/partners.ts';
import type { PaymentPayload } from '../../src/obyte/types.ts';
import { balance, post } from '../../src/storage/ledger.ts';

const CUSTOMER_ADDRESS = 'KSCCYOEMOMUMJXROLK4HWLTJBWFXICRB';

for (const kind of STORE_KINDS) {
  describe(`purchase API on ${kind}`, () => {
    let app: TestApp;
    let seq = 0;
    const orderId = () => `order-${kind}-${++seq}`;
    const base = (over: Record<string, string | number> = {}) => ({
      partner: app.partner.name,
      partner_key: app.partner.key,
      customer: 'cust-1',
      order_id: orderId(),
      description: 'coffee',
      address: CUSTOMER_ADDRESS,
      currency: 'USD',
      currency_amount: '49.90',
      ...over,
    });

    before(async () => {
      app = await startTestApp(kind, { FIXED_RATES: 'EUR_USD=1.08', PAYOUT_WAIT_MS: '3000', HUB_TIMEOUT_MS: '1000' });
    });
    after(() => app.close());

    test('a form-encoded purchase is paid on the hub, and the same request again pays nothing more', async () => {
      const fields = base();
      const first = await app.post('/new_purchase', form(fields));
      assert.equal(first.status, 200);
      assert.equal(first.json.result, 'ok', JSON.stringify(first.json));
      assert.equal(typeof first.json.cashback_amount, 'number');
      assert.ok(Number.isInteger(first.json.cashback_amount));
      // 10% of 49.90 USD at the devnet rate of 8.5 USD per GBYTE
      assert.equal(first.json.cashback_amount, Math.floor((49.9 * 0.1 * 1e9) / 8.5));
      const unit = first.json.unit as string;
      assert.match(unit, /^[A-Za-z0-9+/]{43}=$/);
      assert.ok(first.headers['x-request-id']);
      assert.equal(first.headers['access-control-allow-origin'], '*');

      const joint = await app.runtime.networks.main.devhub!.getJoint(unit);
      assert.ok(joint, 'the hub holds the unit');
      const payment = joint.unit.messages.find((m) => m.app === 'payment')!.payload as PaymentPayload;
      const paid = payment.outputs.filter((o) => o.address === CUSTOMER_ADDRESS).reduce((s, o) => s + o.amount, 0);
      assert.equal(paid, first.json.cashback_amount);

      const again = await app.post('/new_purchase', form({ ...fields, description: 'another description' }));
      assert.deepEqual(again.json, first.json);
      const changed = await app.post('/new_purchase', form({ ...fields, currency_amount: '50' }));
      assert.deepEqual(changed.json, { result: 'error', error: 'order_id already used' });
    });

    test('a sent payout becomes stable once the network makes its unit final', async () => {
      const fields = base();
      const res = await app.post('/new_purchase', form(fields));
      assert.equal(res.json.result, 'ok', JSON.stringify(res.json));
      const state = async () =>
        app.runtime.db.kysely
          .selectFrom('payouts')
          .innerJoin('units', 'units.unit', 'payouts.unit')
          .select(['payouts.status as payout', 'units.status as unit'])
          .where('payouts.unit', '=', res.json.unit as string)
          .executeTakeFirstOrThrow();
      assert.deepEqual(await state(), { payout: 'sent', unit: 'sent' });
      await app.settle();
      assert.deepEqual(await state(), { payout: 'stable', unit: 'stable' });
      const again = await app.post('/new_purchase', form(fields));
      assert.deepEqual(again.json, res.json, 'a stable payout still answers the same');
    });

    test("a payout unit spends the change of the one before, without asking the hub to pick coins", async () => {
      const first = await app.post('/new_purchase', form(base()));
      const second = await app.post('/new_purchase', form(base()));
      assert.equal(first.json.result, 'ok', JSON.stringify(first.json));
      assert.equal(second.json.result, 'ok', JSON.stringify(second.json));
      const joint = (await app.runtime.networks.main.devhub!.getJoint(second.json.unit as string))!;
      const payment = joint.unit.messages.find((m) => m.app === 'payment')!.payload as PaymentPayload;
      assert.deepEqual(payment.inputs.map((i) => ('unit' in i ? i.unit : null)), [first.json.unit]);
    });

    test('two identical requests at the same moment pay once', async () => {
      const fields = form(base());
      const [a, b] = await Promise.all([app.post('/new_purchase', fields), app.post('/new_purchase', fields)]);
      assert.equal(a.json.result, 'ok', JSON.stringify(a.json));
      assert.deepEqual(a.json, b.json);
      const rows = await app.runtime.db.kysely.selectFrom('payouts').select('id').where('unit', '=', a.json.unit as string).execute();
      const purchases = await app.runtime.db.kysely
        .selectFrom('purchases')
        .select('id')
        .where('unit', '=', a.json.unit as string)
        .where('customer', '=', 'cust-1')
        .execute();
      assert.equal(purchases.length, rows.length);
    });

    test('JSON bodies, numbers for numeric fields, and the test network', async () => {
      const res = await app.post('/test/new_purchase/', { ...base(), currency_amount: 12.5, partner_cashback_percentage: 5 });
      assert.equal(res.json.result, 'ok', JSON.stringify(res.json));
      assert.ok(await app.runtime.networks.test.devhub!.getJoint(res.json.unit as string));
      assert.equal(await app.runtime.networks.main.devhub!.getJoint(res.json.unit as string), null);
    });

    const errorRows: Array<[string, () => Record<string, string | number>, string]> = [
      ['missing credentials', () => { const { partner_key: _k, ...rest } = base(); return rest; }, 'authentication failed'],
      ['wrong key', () => base({ partner_key: 'not-the-key' }), 'authentication failed'],
      ['unknown partner', () => base({ partner: 'nobody' }), 'authentication failed'],
      ['missing customer', () => base({ customer: '' }), 'customer is required'],
      ['missing order_id', () => base({ order_id: ' ' }), 'order_id is required'],
      ['missing address', () => base({ address: '' }), 'address is required'],
      ['malformed address', () => base({ address: 'KSCCYOEMOMUMJXROLK4HWLTJBWFXICR8' }), 'invalid address'],
      ['our own hot wallet as the recipient', () => base({ address: app.runtime.networks.main.hot.address }), 'invalid address'],
      ["a partner's deposit address as the recipient", () => base({ address: app.runtime.depositKey(app.partner.depositIndex).address }), 'invalid address'],
      ['missing currency', () => base({ currency: '' }), 'currency is required'],
      ['unsupported currency', () => base({ currency: 'JPY' }), 'unsupported currency'],
      ['missing amount', () => base({ currency_amount: '' }), 'currency_amount is required'],
      ['comma decimal', () => base({ currency_amount: '49,90' }), 'invalid currency_amount'],
      ['negative partner percentage', () => base({ partner_cashback_percentage: '-1' }), 'invalid partner_cashback_percentage'],
      ['GBYTE without purchase_unit', () => base({ currency: 'GBYTE', currency_amount: '1' }), 'purchase_unit is required for GBYTE purchases'],
      ['unknown purchase_unit', () => base({ currency: 'GBYTE', currency_amount: '1', purchase_unit: 'kYbc5KGKB/KnjynYePEF4cpumKmOz22xVKSVWbmtZ0M=' }), 'purchase_unit not found'],
      ['partner share above the deposit', () => base({ currency_amount: '10000000', partner_cashback_percentage: '50' }), 'not enough partner funds'],
      ['no rate for the currency', () => base({ currency: 'RUR', currency_amount: '1000' }), 'exchange rate unavailable'],
      ['cashback below the minimum', () => base({ currency_amount: '0.00001' }), 'cashback amount too small'],
    ];
    for (const [name, body, error] of errorRows) {
      test(`error: ${name}`, async () => {
        const res = await app.post('/new_purchase', form(body()));
        assert.equal(res.status, 200);
        assert.deepEqual(res.json, { result: 'error', error });
      });
    }

    test('error: disabled partner (once the server no longer remembers its last authentication)', async () => {
      await setEnabled(app.runtime.db, app.partner.name, false);
      try {
        await new Promise((r) => setTimeout(r, AUTH_MEMORY_MS));
        const res = await app.post('/new_purchase', form(base()));
        assert.deepEqual(res.json, { result: 'error', error: 'authentication failed' });
      } finally {
        await setEnabled(app.runtime.db, app.partner.name, true);
      }
    });

    test('error: the pool cannot cover its share', async () => {
      // the operator takes all but 1,000,000 bytes out of the pool, so a 100 USD purchase's share no longer fits
      const db = app.runtime.db.kysely;
      const pool = await balance(db, 'main', 'pool');
      await post(db, 'main', [{ from: 'pool', to: 'external', amount: pool - 1_000_000n, kind: 'withdrawal' }], Date.now());
      try {
        const res = await app.post('/new_purchase', form(base({ currency_amount: '100' })));
        assert.deepEqual(res.json, { result: 'error', error: 'cashback pool depleted' });
        assert.equal(await balance(db, 'main', 'pool'), 1_000_000n, 'nothing was reserved');
      } finally {
        await post(db, 'main', [{ from: 'external', to: 'pool', amount: pool - 1_000_000n, kind: 'deposit' }], Date.now());
      }
    });

    test('GBYTE purchases: a verified purchase_unit earns 20%, and only once', async () => {
      const devhub = app.runtime.networks.main.devhub!;
      const purchaseUnit = await devhub.faucet(app.partner.receivingAddress, 2e9);
      const fields = base({ currency: 'GBYTE', currency_amount: '2', purchase_unit: purchaseUnit });
      const res = await app.post('/new_purchase', form(fields));
      assert.equal(res.json.result, 'ok', JSON.stringify(res.json));
      assert.equal(res.json.cashback_amount, 0.2 * 2e9);
      const reuse = await app.post('/new_purchase', form({ ...fields, order_id: orderId() }));
      assert.deepEqual(reuse.json, { result: 'error', error: 'purchase_unit already used' });
      const underpaid = await app.post('/new_purchase', form(base({ currency: 'GBYTE', currency_amount: '3', purchase_unit: await devhub.faucet(app.partner.receivingAddress, 1e9) })));
      assert.deepEqual(underpaid.json, { result: 'error', error: 'purchase_unit does not pay currency_amount' });
    });

    test('a payout that cannot be sent in time fails cleanly and leaves the order free', async () => {
      const devhub = app.runtime.networks.main.devhub!;
      await devhub.faults.stallNext('light/get_parents_and_last_ball_and_witness_list_unit', 1000);
      const fields = base();
      const short = await app.post('/new_purchase', form(fields));
      assert.deepEqual(short.json, { result: 'error', error: 'payout failed, try again later' });
      await devhub.faults.reset();
      const retry = await app.post('/new_purchase', form(fields));
      assert.equal(retry.json.result, 'ok', JSON.stringify(retry.json));
    });

    test('GET answers a JSON error and pays nothing; OPTIONS answers CORS preflight', async () => {
      const get = await app.runtime.http!.inject({ method: 'GET', url: '/new_purchase' });
      assert.equal(get.statusCode, 200);
      assert.deepEqual(JSON.parse(get.body), { result: 'error', error: 'use POST' });
      const options = await app.runtime.http!.inject({
        method: 'OPTIONS',
        url: '/new_purchase',
        headers: { origin: 'http://localhost:8080', 'access-control-request-method': 'POST' },
      });
      assert.equal(options.statusCode, 204);
      assert.equal(options.headers['access-control-allow-origin'], '*');
    });

    test('malformed bodies get the JSON error', async () => {
      const badJson = await app.post('/new_purchase', '{"partner":', { 'content-type': 'application/json' });
      assert.deepEqual(badJson.json, { result: 'error', error: 'invalid request body' });
      const huge = await app.post('/new_purchase', form(base({ description: 'x'.repeat(70 * 1024) })));
      assert.deepEqual(huge.json, { result: 'error', error: 'request body too large' });
    });
  });
}
