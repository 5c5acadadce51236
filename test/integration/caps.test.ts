import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, form, type TestApp } from '../helpers/app.ts';
import { STORE_KINDS } from '../helpers/stores.ts';

const ADDRESS = 'KSCCYOEMOMUMJXROLK4HWLTJBWFXICRB';
const OTHER_ADDRESS = 'BVVJ2K7ENPZZ3VYZFWQWK7ISPCATFIW3';
// The devnet rate is 8.5 USD per GBYTE; a cap's remaining USD becomes bytes by the same rate, rounded down. What
// counts against a cap is the program share actually paid (whole bytes) in USD.
const bytes = (usd: number) => Math.floor((usd * 1e9) / 8.5);
const usd = (b: number) => (b * 8.5) / 1e9;

for (const kind of STORE_KINDS) {
  describe(`cashback caps through the HTTP API on ${kind}`, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp(kind, { CUSTOMER_CAP_USD_24H: '1', ADDRESS_CAP_USD_24H: '1.5' });
    });
    after(async () => {
      await app.close();
    });
    let order = 0;
    const buy = (customer: string, address: string, usd: number, partnerPct = 0) =>
      app.post(
        '/new_purchase',
        form({
          partner: app.partner.name,
          partner_key: app.partner.key,
          customer,
          order_id: `cap-${++order}`,
          address,
          currency: 'USD',
          currency_amount: usd,
          partner_cashback_percentage: partnerPct,
        }),
      );

    test('the program part stops at the customer cap and the address cap; the partner part is never capped', async () => {
      // 10% of 5 USD = 0.5 USD, within both caps
      assert.equal((await buy('cap-a', ADDRESS, 5)).json.cashback_amount, bytes(0.5));
      // 1 USD due, about 0.5 USD left of cap-a's cap
      assert.equal((await buy('cap-a', ADDRESS, 10)).json.cashback_amount, bytes(1 - usd(bytes(0.5))));
      // the customer cap is used up: only the partner's 2% of 10 USD remains
      assert.equal((await buy('cap-a', ADDRESS, 10, 2)).json.cashback_amount, bytes(0.2));
      // another customer, the same address: what is left of the address cap (1.5 USD)
      const paidToAddress = usd(bytes(0.5)) + usd(bytes(1 - usd(bytes(0.5))));
      assert.equal((await buy('cap-b', ADDRESS, 10)).json.cashback_amount, bytes(1.5 - paidToAddress));
      // another customer at another address: the whole 1 USD
      assert.equal((await buy('cap-c', OTHER_ADDRESS, 10)).json.cashback_amount, bytes(1));
      // the address cap used up, and nothing from the partner: too small to pay
      assert.deepEqual((await buy('cap-d', ADDRESS, 10)).json, { result: 'error', error: 'cashback amount too small' });
    });

    test('purchases count toward the caps (and are indexed for them) only while caps are on', async () => {
      const rows = await app.runtime.db.kysely.selectFrom('purchases').select(['caps_counted']).where('order_id', 'like', 'cap-%').execute();
      assert.ok(rows.length >= 5);
      assert.ok(rows.every((r) => BigInt(r.caps_counted) === 1n));
    });
  });
}
