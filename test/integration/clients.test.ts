// The five real clients of clients.md, each with its body exactly as it goes on the wire.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import type { NetworkName } from '../../src/storage/schema.ts';
import type { PaymentPayload } from '../../src/obyte/types.ts';

const CUSTOMER_ADDRESS = 'KSCCYOEMOMUMJXROLK4HWLTJBWFXICRB';
const UNIT_RE = /^[A-Za-z0-9+/]{43}=$/;
// the embedded devnets price GBYTE at 8.5 USD; FIXED_RATES below gives EUR and RUB
const GBYTE_USD_TENTHS = 85n;

/** floor(usd * pct% / 8.5 USD per GBYTE) in bytes, exactly; usd is given in micro-dollars. */
function bytesFor(microUsd: bigint, pct: bigint): bigint {
  return (microUsd * 1000n * pct * 10n) / (100n * GBYTE_USD_TENTHS);
}

type Answer = Awaited<ReturnType<TestApp['post']>>;

/** One raw HTTP/1.0 exchange, as WordPress's default transport makes it: the server closes the connection after the answer. */
function http10(port: number, path: string, headers: Record<string, string>, body: string): Promise<{ head: string; body: string }> {
  return new Promise((done, fail) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', fail);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      done({ head: text.slice(0, split), body: text.slice(split + 4) });
    });
    const lines = [`POST ${path} HTTP/1.0`, 'Host: 127.0.0.1', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), `Content-Length: ${Buffer.byteLength(body)}`];
    socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
  });
}

function assertPaid(res: Answer, cashback: bigint): string {
  assert.equal(res.status, 200);
  assert.equal(res.json.result, 'ok', JSON.stringify(res.json));
  assert.ok(Number.isInteger(res.json.cashback_amount));
  assert.equal(res.json.cashback_amount, Number(cashback));
  assert.match(res.json.unit as string, UNIT_RE);
  assert.deepEqual(Object.keys(res.json), ['result', 'cashback_amount', 'unit']);
  return res.json.unit as string;
}

for (const kind of STORE_KINDS) {
  describe(`real clients on ${kind}`, () => {
    let app: TestApp;
    let auth: string;

    const purchase = (network: NetworkName, orderId: string) =>
      app.runtime.db.kysely
        .selectFrom('purchases')
        .selectAll()
        .where('network', '=', network)
        .where('order_id', '=', orderId)
        .executeTakeFirstOrThrow();

    const paidTo = async (network: NetworkName, unit: string, address: string) => {
      const joint = await app.runtime.networks[network].devhub!.getJoint(unit);
      assert.ok(joint, 'the hub holds the unit');
      const payment = joint.unit.messages.find((m) => m.app === 'payment')!.payload as PaymentPayload;
      return payment.outputs.filter((o) => o.address === address).reduce((s, o) => s + o.amount, 0);
    };

    before(async () => {
      app = await startTestApp(kind, { FIXED_RATES: 'EUR_USD=1.08,RUB_USD=0.011', PAYOUT_WAIT_MS: '3000', HUB_TIMEOUT_MS: '1000' });
      // base64url keys need no escaping, so even client C's unescaped concatenation carries them intact
      auth = `partner=${app.partner.name}&partner_key=${app.partner.key}`;
    });
    after(() => app.close());

    test('A, Ionic app: Angular encoding, a QR address with prefix and query, duplicate customer keys (first wins)', async () => {
      // an install upgraded from the 2018-05-31 build: the stored "customer" setting and the fresh shortid come out adjacent
      const body =
        `order_id=1042&currency_amount=12.5&address=obyte:${CUSTOMER_ADDRESS}?amount=1000` +
        `&${auth}&currency=EUR&partner_cashback_percentage=10&customer=restaurant&customer=Xk3_p9Qa`;
      const res = await app.post('/new_purchase', body, {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json, text/plain, */*',
        origin: 'http://localhost:8080',
      });
      // 12.5 EUR = 13.5 USD; program 10% + match 10% (floored), partner 10% (floored)
      const unit = assertPaid(res, bytesFor(13_500_000n, 20n) + bytesFor(13_500_000n, 10n));
      assert.equal(res.headers['access-control-allow-origin'], '*');
      assert.match(String(res.headers['content-type']), /^application\/json; charset=utf-8$/);
      assert.equal(await paidTo('main', unit, CUSTOMER_ADDRESS), res.json.cashback_amount);
      const row = await purchase('main', `1042`);
      assert.equal(row.customer, 'restaurant');
      assert.equal(row.recipient, CUSTOMER_ADDRESS);
      assert.equal(row.description, null);
    });

    test('B, WooBytes 1.x: HTTP/1.0 with charset=UTF-8, guest customer 0, email address paid as a textcoin, GBYTE in exponent notation', async () => {
      const headers = {
        'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8',
        Connection: 'close',
        'User-Agent': 'WordPress/5.2; https://shop.example',
        'Accept-Encoding': 'deflate, gzip',
      };
      const fiat =
        `${auth}&customer=0&order_id=1234&description=woocommerce+sale&merchant=${app.partner.name}` +
        `&address=buyer%2Btag%40example.com&currency=EUR&currency_amount=49.90&partner_cashback_percentage=0&purchase_unit=`;
      await app.runtime.http!.listen({ host: '127.0.0.1', port: 0 });
      const raw = await http10((app.runtime.http!.server.address() as AddressInfo).port, '/new_purchase', headers, fiat);
      assert.match(raw.head, /^HTTP\/1\.[01] 200 /);
      assert.match(raw.head, /\r\nx-request-id: \S+/i);
      const res: Answer = { status: 200, headers: {}, json: JSON.parse(raw.body) as Record<string, unknown> };
      // 49.90 EUR = 53.892 USD, 10%
      const unit = assertPaid(res, bytesFor(53_892_000n, 10n));
      const row = await purchase('main', '1234');
      assert.equal(row.customer, '0');
      assert.equal(row.description, 'woocommerce sale');
      assert.equal(row.recipient_kind, 'email');
      assert.equal(row.recipient, 'buyer+tag@example.com');
      const payout = await app.runtime.db.kysely.selectFrom('payouts').selectAll().where('purchase_id', '=', row.id).executeTakeFirstOrThrow();
      assert.equal(payout.kind, 'textcoin');
      assert.equal(BigInt(payout.cashback), BigInt(res.json.cashback_amount as number));
      assert.ok(BigInt(payout.amount) > BigInt(payout.cashback), 'the claim fee is added on top');
      assert.equal(await paidTo('main', unit, payout.address), Number(payout.amount));
      const coin = await app.runtime.db.kysely.selectFrom('textcoins').selectAll().where('payout_id', '=', payout.id).executeTakeFirstOrThrow();
      assert.equal(coin.email, 'buyer+tag@example.com');
      assert.equal(coin.address, payout.address);

      // paid in bytes: 50,000 bytes is "5.0E-5" from PHP; the unit hash goes out with %2B %2F %3D
      const purchaseUnit = await app.runtime.networks.main.devhub!.faucet(app.partner.receivingAddress, 50_000);
      const bytes =
        `${auth}&customer=17&order_id=1235&description=woocommerce+sale&merchant=${app.partner.name}` +
        `&address=${CUSTOMER_ADDRESS}&currency=GBYTE&currency_amount=5.0E-5&partner_cashback_percentage=` +
        `&purchase_unit=${encodeURIComponent(purchaseUnit)}`;
      assertPaid(await app.post('/new_purchase', bytes, headers), 10_000n);
    });

    test('B0, WooBytes v0.1 raw cURL: fiat pays; GBYTE sent as a byte count is refused', async () => {
      const headers = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Byteball for Woocommerce', accept: '*/*' };
      const fiat =
        `${auth}&customer=3&order_id=B0-1&description=woocommerce+sale&merchant=${app.partner.name}` +
        `&address=${CUSTOMER_ADDRESS}&currency=USD&currency_amount=100&partner_cashback_percentage=0&purchase_unit=`;
      assertPaid(await app.post('/new_purchase', fiat, headers), bytesFor(100_000_000n, 10n));

      // v0.1's bug: currency_amount is the byte count, i.e. 123,456,789 GBYTE, which the unit does not pay
      const purchaseUnit = await app.runtime.networks.main.devhub!.faucet(app.partner.receivingAddress, 123_456_789);
      const bytes =
        `${auth}&customer=3&order_id=B0-2&description=woocommerce+sale&merchant=${app.partner.name}` +
        `&address=${CUSTOMER_ADDRESS}&currency=GBYTE&currency_amount=123456789&partner_cashback_percentage=0` +
        `&purchase_unit=${encodeURIComponent(purchaseUnit)}`;
      const res = await app.post('/new_purchase', bytes, headers);
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, { result: 'error', error: 'purchase_unit does not pay currency_amount' });
    });

    test('C, jQuery helper: unescaped spaces and @, empty optional fields, stray keys, JPY refused, testnet', async () => {
      const headers = { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', origin: 'null' };
      const jpy =
        `${auth}&customer=table 7&order_id=A-0099&description=coffee and cake&merchant=` +
        `&address=name@example.com&currency=JPY&currency_amount=1500&partner_cashback_percentage=`;
      const refused = await app.post('/test/new_purchase', jpy, headers);
      assert.equal(refused.status, 200);
      assert.deepEqual(refused.json, { result: 'error', error: 'unsupported currency' });
      assert.equal(refused.headers['access-control-allow-origin'], '*');

      // a '&' in the description and a scanned QR with "&asset=base" each split off a stray key
      const usd =
        `${auth}&customer=table 7&order_id=A-0099&description=coffee & cake&merchant=` +
        `&address=byteball:${CUSTOMER_ADDRESS}?amount=100&asset=base&currency=usd&currency_amount=15&partner_cashback_percentage=`;
      const unit = assertPaid(await app.post('/test/new_purchase', usd, headers), bytesFor(15_000_000n, 10n));
      assert.ok((await paidTo('test', unit, CUSTOMER_ADDRESS)) > 0);
      const row = await purchase('test', `A-0099`);
      assert.equal(row.customer, 'table 7');
      assert.equal(row.description, 'coffee');
      assert.equal(row.merchant, null);
      assert.equal(row.partner_pct, '0');
    });

    test('D, Telegram bot: quote_plus, "None" in customer, multi-line Cyrillic description, RUR; /cashback before a receipt', async () => {
      const wireOrder = '12-10-2018+14%3A35+1234';
      const body =
        `${auth}&currency=RUR&customer=Ivan+None+ivan123&address=${CUSTOMER_ADDRESS}&merchant=771234567890` +
        `&order_id=${wireOrder}&currency_amount=1234.00` +
        '&description=%D0%91%D0%BE%D1%80%D1%89+%D1%83%D0%BA%D1%80%D0%B0%D0%B8%D0%BD%D1%81%D0%BA%D0%B8%D0%B9+1+%D1%88%D1%82%0A%D0%A7%D0%B0%D0%B9+%D1%87%D1%91%D1%80%D0%BD%D1%8B%D0%B9%0A';
      const headers = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'python-requests/2.20.0', accept: '*/*' };
      // 1234.00 RUB at 0.011 USD = 13.574 USD, 10%
      assertPaid(await app.post('/new_purchase', body, headers), bytesFor(13_574_000n, 10n));
      const row = await purchase('main', '12-10-2018 14:35 1234');
      assert.equal(row.customer, 'Ivan None ivan123');
      assert.equal(row.merchant, '771234567890');
      assert.equal(row.currency, 'RUR');
      assert.equal(row.description, 'Борщ украинский 1 шт\nЧай чёрный');

      const early = `${auth}&currency=RUR&customer=Ivan+None+ivan123&address=${CUSTOMER_ADDRESS}`;
      const res = await app.post('/new_purchase', early, headers);
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, { result: 'error', error: 'order_id is required' });
    });
  });
}
