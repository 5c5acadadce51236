// Issue 12, points 2 and 8: a GBYTE purchase_unit earns the bytes rate only when it pays the partner, is no unit of
// the program's, and its amount is read as whole bytes the way clients print it.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, form, type TestApp } from '../helpers/app.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { addPartner, findPartner } from '../../src/services/partners.ts';
import { addReceivingAddress } from '../../src/services/partner-settings.ts';
import { SecretBox } from '../../src/services/secret-box.ts';
import { secretKey } from '../../src/wallet.ts';
import { textcoinKey } from '../../src/obyte/keys.ts';
import { composeWithHub } from '../../src/obyte/light-wallet.ts';

const CUSTOMER_ADDRESS = 'KSCCYOEMOMUMJXROLK4HWLTJBWFXICRB';
const STRANGER_ADDRESS = 'C7TL27MYJBCBEHZZY3ZP6D2J7GNQR7T4';
const SECOND_MERCHANT_ADDRESS = 'AK2ERJ3A6YPMLGUZA6CC667AKQ7RSC77';
const UNDERPAID = { result: 'error', error: 'purchase_unit does not pay currency_amount' };
const FROM_PROGRAM = { result: 'error', error: 'purchase_unit is from the program' };

for (const kind of STORE_KINDS) {
  describe(`GBYTE purchase_unit on ${kind}`, () => {
    let app: TestApp;
    let seq = 0;
    const fields = (over: Record<string, string | number> = {}) => ({
      partner: app.partner.name,
      partner_key: app.partner.key,
      customer: 'cust-1',
      order_id: `pu-${++seq}`,
      address: CUSTOMER_ADDRESS,
      currency: 'GBYTE',
      currency_amount: '2',
      ...over,
    });
    const devhub = () => app.runtime.networks.main.devhub!;

    before(async () => {
      app = await startTestApp(kind, { PAYOUT_WAIT_MS: '4000' });
    });
    after(() => app.close());

    test("a stranger's payment does not earn 20%, nor anything", async () => {
      // the issue: a partner quoting a payment between two strangers was paid the bytes rate on it
      const unit = await devhub().faucet(STRANGER_ADDRESS, 2e9);
      const res = await app.post('/new_purchase', form(fields({ purchase_unit: unit })));
      assert.deepEqual(res.json, UNDERPAID);
    });

    test("the operator's funding unit (faucet to the pool funding address) does not earn 20%", async () => {
      const unit = await devhub().faucet(app.runtime.networks.main.funding.address, 2e9);
      const res = await app.post('/new_purchase', form(fields({ purchase_unit: unit })));
      assert.deepEqual(res.json, UNDERPAID);
    });

    test("a unit the program signed never counts, even when it pays the partner's receiving address", async () => {
      // the partner is paid cashback at an address it also registered as a receiving one, then quotes that payout
      const partner = (await findPartner(app.runtime.db, app.partner.name))!;
      assert.ok((await addReceivingAddress(app.runtime.db, partner, 'main', SECOND_MERCHANT_ADDRESS, () => false)).ok);
      const paid = await app.post('/new_purchase', form(fields({ currency: 'USD', currency_amount: '200', address: SECOND_MERCHANT_ADDRESS })));
      assert.equal(paid.json.result, 'ok', JSON.stringify(paid.json));
      const res = await app.post('/new_purchase', form(fields({ currency_amount: '1', purchase_unit: paid.json.unit as string })));
      assert.deepEqual(res.json, FROM_PROGRAM);
    });

    test("a textcoin's claim paying the partner never counts: a textcoin address is the program's", async () => {
      const paid = await app.post('/new_purchase', form(fields({ currency: 'USD', currency_amount: '100', address: 'claimer@example.com' })));
      assert.equal(paid.json.result, 'ok', JSON.stringify(paid.json));
      const coin = await app.runtime.db.kysely
        .selectFrom('textcoins')
        .innerJoin('payouts', 'payouts.id', 'textcoins.payout_id')
        .select(['textcoins.mnemonic_enc'])
        .where('payouts.unit', '=', paid.json.unit as string)
        .executeTakeFirstOrThrow();
      const key = textcoinKey(new SecretBox(await secretKey(app.config)).open(coin.mnemonic_enc));
      const { hub } = app.runtime.networks.main;
      await devhub().stabilize();
      // the merchant claims the textcoin to its own receiving address, then quotes the claim as a sale
      const claim = await composeWithHub(hub, {
        params: app.config.networks.main.protocol,
        key,
        outputs: [{ address: app.partner.receivingAddress, amount: 0 }],
        sendAll: true,
      });
      assert.ok(claim.ok, JSON.stringify(claim));
      await hub.postJoint({ unit: claim.unit });
      const res = await app.post('/new_purchase', form(fields({ currency_amount: '1', purchase_unit: claim.unit.unit! })));
      assert.deepEqual(res.json, FROM_PROGRAM);
    });

    test('a payment to the receiving address earns 20%; outputs on the other network or to the authors do not count', async () => {
      const unit = await devhub().faucet(app.partner.receivingAddress, 2e9);
      const res = await app.post('/new_purchase', form(fields({ purchase_unit: unit })));
      assert.equal(res.json.result, 'ok', JSON.stringify(res.json));
      assert.equal(res.json.cashback_amount, 0.2 * 2e9);
      // the same payment quoted on the test network is not there
      const elsewhere = await app.post('/test/new_purchase', form(fields({ purchase_unit: await devhub().faucet(app.partner.receivingAddress, 2e9) })));
      assert.deepEqual(elsewhere.json, { result: 'error', error: 'purchase_unit not found' });
      // the faucet's change goes back to the faucet, its author: with the faucet registered, that change is no payment
      const partner = (await findPartner(app.runtime.db, app.partner.name))!;
      assert.ok((await addReceivingAddress(app.runtime.db, partner, 'main', devhub().faucetAddress, () => false)).ok);
      const change = await app.post('/new_purchase', form(fields({ purchase_unit: await devhub().faucet(STRANGER_ADDRESS, 2e9) })));
      assert.deepEqual(change.json, UNDERPAID);
    });

    test('a partner without a receiving address on the network is told so, and nothing is paid', async () => {
      const added = await addPartner(app.runtime.db, `no-address-${kind}`);
      assert.ok(added.ok);
      assert.ok((await addReceivingAddress(app.runtime.db, added.value.partner, 'test', STRANGER_ADDRESS, () => false)).ok);
      const unit = await devhub().faucet(STRANGER_ADDRESS, 2e9);
      const body = fields({ partner: added.value.partner.name, partner_key: added.value.key, purchase_unit: unit });
      const res = await app.post('/new_purchase', form(body));
      assert.deepEqual(res.json, { result: 'error', error: 'partner has no receiving address on this network' });
      const taken = await app.runtime.db.kysely.selectFrom('purchases').select('id').where('partner_id', '=', added.value.partner.id).execute();
      assert.equal(taken.length, 0);
    });

    test('0.12345678900000001 GBYTE (WooBytes on PHP 8) is 123,456,789 bytes, and the unit paying that earns 20%', async () => {
      const unit = await devhub().faucet(app.partner.receivingAddress, 123_456_789);
      const res = await app.post('/new_purchase', form(fields({ currency_amount: '0.12345678900000001', purchase_unit: unit })));
      assert.equal(res.json.result, 'ok', JSON.stringify(res.json));
      assert.equal(res.json.cashback_amount, 24_691_357); // floor(20% of 123,456,789)
      const row = await app.runtime.db.kysely.selectFrom('purchases').select('purchase_bytes').where('purchase_unit', '=', unit).executeTakeFirstOrThrow();
      assert.equal(row.purchase_bytes, '123456789');
      // halves round up, and a byte short of the rounded amount is short
      const half = await devhub().faucet(app.partner.receivingAddress, 123_456_789);
      const short = await app.post('/new_purchase', form(fields({ currency_amount: '0.1234567895', purchase_unit: half })));
      assert.deepEqual(short.json, UNDERPAID);
      const json = await app.post('/new_purchase', { ...fields({ currency_amount: '0.1234567885', purchase_unit: half }) });
      assert.equal(json.json.result, 'ok', JSON.stringify(json.json));
    });
  });
}
