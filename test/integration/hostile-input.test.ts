// Issue 12, points 1, 5 and 7: what an attacker or a sloppy client sends, through the real HTTP stack on both stores.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, form, type TestApp } from '../helpers/app.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { balances } from '../../src/storage/ledger.ts';

const CUSTOMER_ADDRESS = 'KSCCYOEMOMUMJXROLK4HWLTJBWFXICRB';
/** 10% of an amount in US cents at the devnets' 8.5 USD per GBYTE, in bytes: cents / 100 × 0.1 / 8.5 × 10^9, rounded down. */
const tenPercent = (usdCents: bigint): number => Number((usdCents * 10n ** 9n) / 8500n);

/** The .eml files in the outbox, waiting until there are at least `count`. */
async function outbox(app: TestApp, count: number): Promise<string[]> {
  const dir = app.config.mail.outboxDir;
  for (let waited = 0; ; waited += 50) {
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.eml'));
    } catch {
      // not made yet
    }
    if (names.length >= count) return names.map((n) => join(dir, n));
    if (waited > 10_000) assert.fail(`${names.length} of ${count} e-mails in the outbox`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const kind of STORE_KINDS) {
  describe(`hostile input on ${kind}`, () => {
    let app: TestApp;
    let seq = 0;
    const base = (over: Record<string, string | number> = {}) => ({
      partner: app.partner.name,
      partner_key: app.partner.key,
      customer: 'cust-1',
      order_id: `hostile-${kind}-${++seq}`,
      address: CUSTOMER_ADDRESS,
      currency: 'USD',
      currency_amount: '1',
      ...over,
    });
    /** A JSON body written by hand, so that it can hold repeated keys and numbers no double holds. */
    const rawJson = (text: string) => app.post('/new_purchase', text, { 'content-type': 'application/json' });
    const purchaseCount = async () => (await app.runtime.db.kysely.selectFrom('purchases').select((e) => e.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;

    before(async () => {
      app = await startTestApp(kind);
    });
    after(() => app.close());

    test('e-mail recipients: injection and undeliverable forms are refused, and nothing is mailed for them', async () => {
      const hostile = [
        '"a" <thief@evil.example>, "b"@shop.example',
        '"a" <b@c.com>"@d.com',
        'Shop <thief@evil.example>',
        'a@[999.999.999.999]',
        'a@-x.com',
        `a@${'x'.repeat(64)}.com`,
        'victim@shop.example,thief@evil.example',
        '"thief@evil.example"@shop.example',
      ];
      const before = await purchaseCount();
      for (const address of hostile) {
        for (const body of [form(base({ address })), JSON.stringify(base({ address }))]) {
          const res = await app.post('/new_purchase', body, { 'content-type': body.startsWith('{') ? 'application/json' : 'application/x-www-form-urlencoded' });
          assert.equal(res.status, 200);
          assert.deepEqual(res.json, { result: 'error', error: 'invalid address' }, address);
        }
      }
      assert.equal(await purchaseCount(), before, 'no purchase was taken');
      const textcoins = await app.runtime.db.kysely.selectFrom('textcoins').select('email').execute();
      assert.ok(textcoins.every((t) => !/evil|\[|-x\.com/.test(t.email)), JSON.stringify(textcoins));
    });

    test("a textcoin's e-mail goes To: exactly the stored address, and the files that hold it are private", async () => {
      const address = "O'Neil.Buyer+tag@Shop-1.Example.COM";
      const stored = "O'Neil.Buyer+tag@shop-1.example.com";
      const res = await app.post('/new_purchase', form(base({ address, customer: 'mail-1' })));
      assert.equal(res.json.result, 'ok', JSON.stringify(res.json));
      const row = await app.runtime.db.kysely.selectFrom('textcoins').select('email').executeTakeFirstOrThrow();
      assert.equal(row.email, stored);
      const [file] = await outbox(app, 1);
      const eml = readFileSync(file!, 'utf8');
      assert.deepEqual(eml.split('\n').filter((l) => /^(to|cc|bcc):/i.test(l)), [`To: ${stored}`]);
      assert.ok(!/evil/.test(eml));
      const mode = (path: string) => statSync(path).mode & 0o777;
      assert.equal(mode(file!), 0o600, 'the .eml');
      assert.equal(mode(app.config.mail.outboxDir), 0o700, 'the outbox');
      assert.equal(mode(app.config.dataDir), 0o700, 'DATA_DIR');
      assert.equal(mode(app.config.wallet.file), 0o600, 'the wallet');
      assert.equal(mode(app.config.secretKey.file), 0o600, 'the secret key');
      if (app.config.store.kind === 'sqlite') {
        const db = app.config.store.file;
        for (const path of [db, `${db}-wal`, `${db}-shm`]) assert.equal(mode(path), 0o600, path);
      }
    });

    test('JSON: the first of a repeated key wins, as in a form', async () => {
      const fields = base();
      const head = JSON.stringify(fields).slice(0, -1);
      const res = await rawJson(`${head},"currency_amount":"1000"}`.replace('"currency_amount":"1"', '"currency_amount":"1","currency_amount":"1000"'));
      assert.equal(res.json.result, 'ok', JSON.stringify(res.json));
      assert.equal(res.json.cashback_amount, tenPercent(100n));
      const taken = await app.runtime.db.kysely.selectFrom('purchases').select('currency_amount').where('order_id', '=', fields.order_id).executeTakeFirstOrThrow();
      assert.equal(taken.currency_amount, '1');
      // a repeated partner_key cannot smuggle a second guess in either
      const second = await rawJson(JSON.stringify(base({ partner_key: 'wrong' })).replace('"partner_key":"wrong"', `"partner_key":"wrong","partner_key":"${app.partner.key}"`));
      assert.deepEqual(second.json, { result: 'error', error: 'authentication failed' });
    });

    test('JSON: a number is taken by its decimal text exactly as written, never through a double', async () => {
      // 84.99999999999999999999 is 85 as a double; 10% of 85 USD at 8.5 is exactly 1 GBYTE, of the exact amount just below
      const fields = base();
      const body = JSON.stringify({ ...fields, currency_amount: 0 }).replace('"currency_amount":0', '"currency_amount":84.99999999999999999999');
      const res = await rawJson(body);
      assert.equal(res.json.result, 'ok', JSON.stringify(res.json));
      assert.equal(res.json.cashback_amount, 999_999_999);
      const taken = await app.runtime.db.kysely.selectFrom('purchases').select('currency_amount').where('order_id', '=', fields.order_id).executeTakeFirstOrThrow();
      assert.equal(taken.currency_amount, '84.99999999999999999999');
      // a number with more places than the rules allow is refused, not rounded
      const tooFine = await rawJson(JSON.stringify({ ...base(), currency_amount: 0 }).replace('"currency_amount":0', `"currency_amount":1.${'0'.repeat(30)}1`));
      assert.deepEqual(tooFine.json, { result: 'error', error: 'invalid currency_amount' });
    });

    test('text: currency in ASCII only, no lone surrogates, no control characters', async () => {
      const before = await purchaseCount();
      const cases: Array<[string, string]> = [
        [JSON.stringify(base({ currency: 'uſd' })), 'unsupported currency'],
        [JSON.stringify(base({ customer: 'x' })).replace('"customer":"x"', '"customer":"x\\ud800"'), 'invalid customer'],
        [JSON.stringify(base({ order_id: 'x' })).replace('"order_id":"x"', '"order_id":"\\udfffx"'), 'invalid order_id'],
        [JSON.stringify(base({ description: 'x' })).replace('"description":"x"', '"description":"a\\u0000b"'), 'invalid description'],
        [JSON.stringify(base({ merchant: 'a\u001bb' })), 'invalid merchant'],
        [JSON.stringify(base({ order_id: 'a\nb' })), 'invalid order_id'],
      ];
      for (const [body, error] of cases) assert.deepEqual((await rawJson(body)).json, { result: 'error', error }, body);
      // the same through a form body, where %-escapes can spell any code unit
      const formCases: Array<[string, string]> = [
        [form(base({ currency: 'uſd' })), 'unsupported currency'],
        [`${form(base({ customer: 'x' }))}`.replace('customer=x', 'customer=x%01y'), 'invalid customer'],
        [`${form(base({ merchant: 'm' }))}`.replace('merchant=m', 'merchant=m%C2%85'), 'invalid merchant'],
      ];
      for (const [body, error] of formCases) assert.deepEqual((await app.post('/new_purchase', body)).json, { result: 'error', error }, body);
      assert.equal(await purchaseCount(), before, 'none was taken');
      // a description keeps its newlines and tabs
      const ok = await app.post('/new_purchase', form(base({ description: 'table 4\r\n\t2 coffees' })));
      assert.equal(ok.json.result, 'ok', JSON.stringify(ok.json));
    });

    test('unknown paths answer 404 and wrong methods 405, with the JSON error body; purchase paths keep 200', async () => {
      const ask = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD', url: string) => {
        const res = await app.runtime.http!.inject({ method, url, payload: method === 'GET' || method === 'HEAD' ? undefined : form(base()), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        return { status: res.statusCode, body: res.body, headers: res.headers };
      };
      for (const url of ['/nowhere', '/new_purchase/extra', '/test', '/new_purchases']) {
        for (const method of ['GET', 'POST', 'PUT', 'DELETE'] as const) {
          const res = await ask(method, url);
          assert.equal(res.status, 404, `${method} ${url}`);
          assert.deepEqual(JSON.parse(res.body), { result: 'error', error: 'not found' });
          assert.match(String(res.headers['content-type']), /^application\/json/);
        }
      }
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'] as const) {
        const res = await ask(method, '/health');
        assert.equal(res.status, 405, `${method} /health`);
        assert.deepEqual(JSON.parse(res.body), { result: 'error', error: 'method not allowed' });
        assert.equal(res.headers.allow, 'GET, HEAD');
      }
      const before = await purchaseCount();
      for (const url of ['/new_purchase', '/test/new_purchase/', `/new_purchase?${form(base())}`]) {
        for (const method of ['GET', 'PUT', 'DELETE', 'PATCH'] as const) {
          const res = await ask(method, url);
          assert.equal(res.status, 200, `${method} ${url}`);
          assert.deepEqual(JSON.parse(res.body), { result: 'error', error: 'use POST' });
        }
      }
      assert.equal(await purchaseCount(), before, 'no method but POST takes a purchase');
      assert.equal((await ask('GET', '/health')).status, 200);
    });

    test('the ledger balances after all of it', async () => {
      for (const network of ['main', 'test'] as const) {
        const sum = [...(await balances(app.runtime.db.kysely, network)).values()].reduce((a, b) => a + b, 0n);
        assert.equal(sum, 0n, network);
      }
    });
  });
}
