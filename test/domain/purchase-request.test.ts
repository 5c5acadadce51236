import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  isPlainEmail,
  NumberText,
  parsePurchaseRequest,
  purchaseFingerprint,
  readCredentials,
  type PurchaseRequest,
} from '../../src/domain/purchase-request.ts';
import { Dec } from '../../src/domain/money.ts';
import type { Result } from '../../src/domain/result.ts';

// Valid and broken addresses from the ocore vectors (test/fixtures/vectors/addresses.json).
const ADDR = 'FAB6TH7IRAVHDLK2AAWY5YBE6CEBUACF';
const ADDR2 = 'BVVJ2K7ENPZZ3VYZFWQWK7ISPCATFIW3';
const BAD_CHECKSUM = 'FAB6TH7IRAVHDLK2AAWY5YBE6CEBUACG';
const UNIT = 'kYbc5KGKB/KnjynYePEF4cpumKmOz22xVKSVWbmtZ0M=';
const UNIT_PLUS = 'BdDn+i8NU4ktDW1Bcjt+ElNfYjboN8EP+8toXzx0C9A=';

/** Standard form decoding as the HTTP layer does it: '+' is a space, the first of a repeated key wins. */
function form(body: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) if (!Object.hasOwn(out, key)) out[key] = value;
  return out;
}

function value(result: Result<PurchaseRequest>): PurchaseRequest {
  if (!result.ok) assert.fail(`expected ok, got ${result.error.message}`);
  return result.value;
}

function message(result: Result<PurchaseRequest>): string {
  if (result.ok) assert.fail('expected an error');
  return result.error.message;
}

function parse(fields: Record<string, unknown>) {
  return parsePurchaseRequest(fields);
}

const BASE = { customer: 'c1', order_id: 'o1', address: ADDR, currency: 'USD', currency_amount: '10' };

describe('the five real clients (bodies from clients.md, decoded as a form)', () => {
  test('A, Ionic app, latest version', () => {
    const raw = form(
      `order_id=1042&currency_amount=12.5&address=${ADDR}&partner=PARTNER_NAME&partner_key=PARTNER_KEY&currency=EUR&partner_cashback_percentage=10&description=restaurant&customer=Xk3_p9Qa`,
    );
    assert.deepEqual(readCredentials(raw), { partner: 'PARTNER_NAME', partnerKey: 'PARTNER_KEY' });
    const req = value(parsePurchaseRequest(raw));
    assert.equal(req.orderId, '1042');
    assert.equal(req.customer, 'Xk3_p9Qa');
    assert.equal(req.description, 'restaurant');
    assert.equal(req.merchant, null);
    assert.deepEqual(req.recipient, { kind: 'address', address: ADDR });
    assert.equal(req.currency, 'EUR');
    assert.equal(req.amount.toFixed(), '12.5');
    assert.equal(req.partnerPct.toFixed(), '10');
    assert.equal(req.purchaseUnit, null);
  });

  test('A keeps a QR query and a duplicate customer key; an old profile sends purchase_unit= and description=undefined', () => {
    const raw = form(
      `order_id=7&currency_amount=3&address=${ADDR}?amount=100&partner=P&partner_key=K&currency=RUR&partner_cashback_percentage=&purchase_unit=&customer=restaurant&description=undefined&customer=Xk3_p9Qa`,
    );
    const req = value(parsePurchaseRequest(raw));
    assert.deepEqual(req.recipient, { kind: 'address', address: ADDR });
    assert.equal(req.customer, 'restaurant');
    assert.equal(req.description, 'undefined');
    assert.equal(req.partnerPct.toFixed(), '0');
    assert.equal(req.purchaseUnit, null);
  });

  test('A leaves obyte-tn: on the address; we strip it', () => {
    const req = value(parse({ ...BASE, address: `obyte-tn:${ADDR}` }));
    assert.deepEqual(req.recipient, { kind: 'address', address: ADDR });
  });

  test("A sends '+' of an email raw, so it decodes as a space: the address is refused, not guessed", () => {
    const raw = form(`order_id=1&currency_amount=1&address=buyer+tag@example.com&currency=USD&customer=x`);
    assert.equal(raw.address, 'buyer tag@example.com');
    assert.equal(message(parsePurchaseRequest(raw)), 'invalid address');
  });

  test('A with settings never saved: no credentials, no currency', () => {
    const raw = form(`order_id=1042&currency_amount=12.5&address=${ADDR}&customer=Xk3_p9Qa`);
    assert.equal(readCredentials(raw), null);
    assert.equal(message(parsePurchaseRequest(raw)), 'currency is required');
  });

  test('B, WooBytes, fiat guest order', () => {
    const raw = form(
      `partner=PARTNER_NAME&partner_key=PARTNER_KEY&customer=0&order_id=1234&description=woocommerce+sale&merchant=PARTNER_NAME&address=${ADDR}&currency=EUR&currency_amount=49.90&partner_cashback_percentage=0&purchase_unit=`,
    );
    const req = value(parsePurchaseRequest(raw));
    assert.equal(req.customer, '0');
    assert.equal(req.orderId, '1234');
    assert.equal(req.description, 'woocommerce sale');
    assert.equal(req.merchant, 'PARTNER_NAME');
    assert.equal(req.amount.toFixed(), '49.9');
    assert.equal(req.partnerPct.toFixed(), '0');
    assert.equal(req.purchaseUnit, null);
  });

  test('B, WooBytes, paid in bytes, email recipient, empty percentage', () => {
    const raw = form(
      `partner=PARTNER_NAME&partner_key=PARTNER_KEY&customer=17&order_id=1235&description=woocommerce+sale&merchant=PARTNER_NAME&address=buyer%2Btag%40example.com&currency=GBYTE&currency_amount=0.123456789&partner_cashback_percentage=&purchase_unit=${encodeURIComponent(UNIT_PLUS)}`,
    );
    const req = value(parsePurchaseRequest(raw));
    assert.deepEqual(req.recipient, { kind: 'email', email: 'buyer+tag@example.com' });
    assert.equal(req.currency, 'GBYTE');
    assert.equal(req.amount.toFixed(), '0.123456789');
    assert.equal(req.partnerPct.toFixed(), '0');
    assert.equal(req.purchaseUnit, UNIT_PLUS);
  });

  test('B, PHP 8 float formatting is read exactly', () => {
    for (const [text, exact] of [
      ['0.12345678900000001', '0.12345678900000001'],
      ['5.0E-5', '0.00005'],
      ['1', '1'],
      ['2.5', '2.5'],
    ]) {
      const req = value(parse({ ...BASE, currency: 'GBYTE', currency_amount: text, purchase_unit: UNIT }));
      assert.equal(req.amount.toFixed(), exact, text);
    }
  });

  test('B, paid in bytes through a non-byte gateway: purchase_unit present but empty', () => {
    const raw = form(`customer=17&order_id=1&address=${ADDR}&currency=GBYTE&currency_amount=1&purchase_unit=`);
    assert.equal(message(parsePurchaseRequest(raw)), 'purchase_unit is required for GBYTE purchases');
  });

  test("B, the gateway's test mode value is not a unit", () => {
    const raw = form(`customer=17&order_id=1&address=${ADDR}&currency=GBYTE&currency_amount=1&purchase_unit=test_mode_receive_unit`);
    assert.equal(message(parsePurchaseRequest(raw)), 'invalid purchase_unit');
  });

  test('B, shop currency codes: RUB is RUR, the others are unsupported', () => {
    assert.equal(value(parse({ ...BASE, currency: 'RUB' })).currency, 'RUR');
    for (const code of ['GBP', 'JPY', 'B', 'MB', 'GB', 'CXP']) {
      assert.equal(message(parse({ ...BASE, currency: code })), 'unsupported currency', code);
    }
  });

  test('B0, raw cURL: bytes sent as GBYTE amount still parse (conversion bounds them)', () => {
    const raw = form(`customer=1&order_id=2&description=woocommerce+sale&merchant=P&address=${ADDR}&currency=GBYTE&currency_amount=123456789&partner_cashback_percentage=0&purchase_unit=${encodeURIComponent(UNIT)}`);
    assert.equal(value(parsePurchaseRequest(raw)).amount.toFixed(), '123456789');
  });

  test('C, jQuery helper: unescaped spaces, empty merchant, JPY', () => {
    const body =
      'partner=PARTNER_NAME&partner_key=PARTNER_KEY&customer=table 7&order_id=A-0099&description=coffee and cake&merchant=&address=name@example.com&currency=JPY&currency_amount=1500&partner_cashback_percentage=';
    assert.equal(message(parsePurchaseRequest(form(body))), 'unsupported currency');
    const req = value(parsePurchaseRequest(form(body.replace('JPY', 'USD'))));
    assert.equal(req.customer, 'table 7');
    assert.equal(req.description, 'coffee and cake');
    assert.equal(req.merchant, null);
    assert.deepEqual(req.recipient, { kind: 'email', email: 'name@example.com' });
    assert.equal(req.partnerPct.toFixed(), '0');
  });

  test("C, a QR address with its query split by '&' and a stray key", () => {
    const raw = form(`customer=t&order_id=1&description=fish & chips&address=${ADDR}?amount=100&asset=base&currency=usd&currency_amount=5`);
    const req = value(parsePurchaseRequest(raw));
    assert.deepEqual(req.recipient, { kind: 'address', address: ADDR });
    assert.equal(req.description, 'fish');
    assert.equal(req.currency, 'USD');
  });

  test('C, empty amount, negative percentage, literal "null" credentials', () => {
    assert.equal(message(parsePurchaseRequest(form(`customer=t&order_id=1&address=${ADDR}&currency=USD&currency_amount=`))), 'currency_amount is required');
    assert.equal(
      message(parsePurchaseRequest(form(`customer=t&order_id=1&address=${ADDR}&currency=USD&currency_amount=5&partner_cashback_percentage=-5`))),
      'invalid partner_cashback_percentage',
    );
    assert.deepEqual(readCredentials(form('partner=null&partner_key=null')), { partner: 'null', partnerKey: 'null' });
  });

  test('C, GBYTE without purchase_unit (the helper never sends it)', () => {
    const raw = form(`customer=t&order_id=1&address=${ADDR}&currency=GBYTE&currency_amount=0.5`);
    assert.equal(message(parsePurchaseRequest(raw)), 'purchase_unit is required for GBYTE purchases');
  });

  test('D, Telegram bot: quote_plus body, multi-line Cyrillic description, INN merchant', () => {
    const description = 'Борщ 1\nПельмени 2\n';
    const body = new URLSearchParams({
      partner: 'PARTNER_NAME',
      partner_key: 'PARTNER_KEY',
      currency: 'RUR',
      customer: 'Ivan None ivan123',
      address: ADDR2,
      merchant: '7712 3456 7890',
      order_id: '12-10-2018 14:35 1234',
      currency_amount: '1234.00',
      description,
    }).toString();
    assert.match(body, /customer=Ivan\+None\+ivan123/);
    const req = value(parsePurchaseRequest(form(body)));
    assert.equal(req.customer, 'Ivan None ivan123');
    assert.equal(req.merchant, '7712 3456 7890');
    assert.equal(req.orderId, '12-10-2018 14:35 1234');
    assert.equal(req.description, 'Борщ 1\nПельмени 2');
    assert.equal(req.currency, 'RUR');
    assert.equal(req.amount.toFixed(), '1234');
  });

  test('D, a lower-case address from its \\w{32} regex is not repaired', () => {
    assert.equal(message(parse({ ...BASE, address: ADDR.toLowerCase() })), 'invalid address');
  });

  test('D, /cashback pressed before a receipt was read', () => {
    const raw = form(`partner=P&partner_key=K&currency=RUR&customer=Ivan+None+ivan123&address=${ADDR}`);
    assert.equal(message(parsePurchaseRequest(raw)), 'order_id is required');
  });
});

describe('field rules', () => {
  test('every value is trimmed', () => {
    const req = value(
      parse({
        customer: '  c  ',
        order_id: '\to\n',
        description: ' d ',
        merchant: ' m ',
        address: ` ${ADDR} `,
        currency: ' eur ',
        currency_amount: ' 1.5 ',
        partner_cashback_percentage: ' 2 ',
      }),
    );
    assert.deepEqual(
      [req.customer, req.orderId, req.description, req.merchant, req.currency, req.amount.toFixed(), req.partnerPct.toFixed()],
      ['c', 'o', 'd', 'm', 'EUR', '1.5', '2'],
    );
  });

  test('required fields: absent, null, empty or blank', () => {
    for (const field of ['customer', 'order_id', 'address', 'currency', 'currency_amount']) {
      for (const missing of [undefined, null, '', '   ']) {
        const raw: Record<string, unknown> = { ...BASE };
        if (missing === undefined) delete raw[field];
        else raw[field] = missing;
        const result = parse(raw);
        assert.equal(message(result), `${field} is required`, `${field}=${String(missing)}`);
        assert.equal(result.ok ? null : result.error.code, 'field_required');
      }
    }
  });

  test('"0" is a valid customer and order_id', () => {
    const req = value(parse({ ...BASE, customer: '0', order_id: '0' }));
    assert.equal(req.customer, '0');
    assert.equal(req.orderId, '0');
  });

  test('length limits count code points', () => {
    const emoji = '😀';
    assert.ok(parse({ ...BASE, customer: emoji.repeat(200) }).ok);
    assert.equal(message(parse({ ...BASE, customer: 'x'.repeat(201) })), 'invalid customer');
    assert.ok(parse({ ...BASE, order_id: 'x'.repeat(200) }).ok);
    assert.equal(message(parse({ ...BASE, order_id: 'x'.repeat(201) })), 'invalid order_id');
    assert.ok(parse({ ...BASE, description: emoji.repeat(1000) }).ok);
    assert.equal(message(parse({ ...BASE, description: 'x'.repeat(1001) })), 'invalid description');
    assert.ok(parse({ ...BASE, merchant: 'x'.repeat(200) }).ok);
    assert.equal(message(parse({ ...BASE, merchant: 'x'.repeat(201) })), 'invalid merchant');
  });

  test('optional texts: missing or empty become null; newlines inside the description are kept', () => {
    const req = value(parse({ ...BASE, description: '', merchant: '  ' }));
    assert.equal(req.description, null);
    assert.equal(req.merchant, null);
    assert.equal(value(parse({ ...BASE, description: 'a\r\nb\n\nc' })).description, 'a\r\nb\n\nc');
  });

  test('a NUL character is refused in any field', () => {
    assert.equal(message(parse({ ...BASE, customer: 'a\u0000b' })), 'invalid customer');
    assert.equal(message(parse({ ...BASE, description: 'a\u0000' })), 'invalid description');
    assert.equal(readCredentials({ partner: 'p\u0000', partner_key: 'k' }), null);
  });

  test('text must be well-formed Unicode without control characters; only description keeps newlines and tabs', () => {
    const fields = ['customer', 'order_id', 'description', 'merchant', 'address', 'currency', 'currency_amount', 'partner_cashback_percentage'];
    for (const bad of ['a\ud800', '\udc00b', 'a\udbff\u0041', 'a\u0001b', 'a\u001bb', 'a\u007fb', 'a\u0085b', 'a\u009fb', 'a\u0000b']) {
      for (const field of fields) {
        const text = field === 'address' ? `x${bad}@example.com` : `1${bad}`;
        assert.equal(message(parse({ ...BASE, [field]: text })), `invalid ${field}`, `${field}: ${JSON.stringify(bad)}`);
      }
      assert.equal(message(parse({ ...BASE, currency: 'GBYTE', currency_amount: '1', purchase_unit: `${UNIT}${bad}` })), 'invalid purchase_unit');
      assert.equal(readCredentials({ partner: `p${bad}`, partner_key: 'k' }), null, JSON.stringify(bad));
      assert.equal(readCredentials({ partner: 'p', partner_key: `k${bad}` }), null, JSON.stringify(bad));
    }
    for (const field of ['customer', 'order_id', 'merchant']) {
      for (const inner of ['a\nb', 'a\tb', 'a\rb']) assert.equal(message(parse({ ...BASE, [field]: inner })), `invalid ${field}`, field);
    }
    assert.equal(value(parse({ ...BASE, description: 'line 1\r\n\tline 2' })).description, 'line 1\r\n\tline 2');
    // well-formed pairs and other non-ASCII text are fine; trailing newlines are trimmed like spaces
    assert.equal(value(parse({ ...BASE, customer: 'Zoë 😀' })).customer, 'Zoë 😀');
    assert.equal(value(parse({ ...BASE, customer: 'c1\n' })).customer, 'c1');
  });

  test('currency is compared in ASCII only', () => {
    for (const text of ['uſd', 'UſD', 'btc\u0131', 'ＵＳＤ', 'usd\u200b']) assert.equal(message(parse({ ...BASE, currency: text })), 'unsupported currency', text);
    assert.equal(value(parse({ ...BASE, currency: 'uSd' })).currency, 'USD');
  });

  test('a JSON number is read by its text exactly as written', () => {
    const exact = value(parse({ ...BASE, currency_amount: new NumberText('0.12345678900000000123456789') }));
    assert.equal(exact.amount.toFixed(), '0.12345678900000000123456789');
    assert.equal(value(parse({ ...BASE, currency_amount: new NumberText('12345678901234.5678') })).amount.toFixed(), '12345678901234.5678');
    assert.equal(value(parse({ ...BASE, currency_amount: new NumberText('5.0E-5') })).amount.toFixed(), '0.00005');
    assert.equal(value(parse({ ...BASE, partner_cashback_percentage: new NumberText('2.50') })).partnerPct.toFixed(), '2.5');
    for (const text of ['-1', '0', '1e400', '1e-400', '0.0000000000000000000000000000001']) {
      assert.equal(message(parse({ ...BASE, currency_amount: new NumberText(text) })), 'invalid currency_amount', text);
    }
    assert.equal(message(parse({ ...BASE, customer: new NumberText('1') })), 'invalid customer');
  });

  test('non-string values are invalid, except JSON numbers for the numeric fields', () => {
    assert.equal(message(parse({ ...BASE, customer: 17 })), 'invalid customer');
    assert.equal(message(parse({ ...BASE, order_id: 1234 })), 'invalid order_id');
    assert.equal(message(parse({ ...BASE, description: ['a'] })), 'invalid description');
    assert.equal(message(parse({ ...BASE, merchant: { a: 1 } })), 'invalid merchant');
    assert.equal(message(parse({ ...BASE, address: true })), 'invalid address');
    assert.equal(message(parse({ ...BASE, currency: 1 })), 'invalid currency');
    assert.equal(message(parse({ ...BASE, currency_amount: true })), 'invalid currency_amount');
    assert.equal(message(parse({ ...BASE, partner_cashback_percentage: [] })), 'invalid partner_cashback_percentage');
    const req = value(parse({ ...BASE, currency_amount: 49.9, partner_cashback_percentage: 5 }));
    assert.equal(req.amount.toFixed(), '49.9');
    assert.equal(req.partnerPct.toFixed(), '5');
    assert.equal(value(parse({ ...BASE, currency_amount: 5e-5 })).amount.toFixed(), '0.00005');
    assert.equal(message(parse({ ...BASE, currency_amount: -1 })), 'invalid currency_amount');
    assert.equal(message(parse({ ...BASE, currency_amount: 0 })), 'invalid currency_amount');
  });

  test('inherited keys are not fields', () => {
    const raw = Object.create({ customer: 'inherited' }) as Record<string, unknown>;
    Object.assign(raw, { ...BASE });
    delete raw.customer;
    assert.equal(message(parse(raw)), 'customer is required');
  });

  describe('address', () => {
    test('prefixes are stripped in any letter case, then a trailing query', () => {
      for (const text of [
        `obyte:${ADDR}`,
        `byteball:${ADDR}`,
        `OBYTE-TN:${ADDR}`,
        `Byteball-Tn:${ADDR}`,
        `ByteBall:${ADDR}?amount=100&asset=base`,
        `${ADDR}?`,
      ]) {
        assert.deepEqual(value(parse({ ...BASE, address: text })).recipient, { kind: 'address', address: ADDR }, text);
      }
    });

    test('only one prefix and only those four', () => {
      for (const text of [`obyte:obyte:${ADDR}`, `mailto:${ADDR}`, `obyte-testnet:${ADDR}`, `obyte:`, '?x', `bitcoin:${ADDR}`]) {
        assert.equal(message(parse({ ...BASE, address: text })), 'invalid address', text);
      }
    });

    test('checksum and letter case are checked (ocore vectors)', () => {
      for (const text of [BAD_CHECKSUM, ADDR.toLowerCase(), 'BVVJ2K7ENPZZ3VYZfwqwk7ispcatfiw3', ADDR.slice(0, 31), `${ADDR}A`]) {
        assert.equal(message(parse({ ...BASE, address: text })), 'invalid address', text);
      }
    });

    test('an e-mail address is a plain local@domain (contract §3); injection and undeliverable forms are refused', () => {
      const good = [
        'a@b.co',
        'first.last@sub.example.co.uk',
        "o'neil+tag@shop-1.example.com",
        "!#$%&'*+-/=^_`{|}~@example.com",
        `a@${'x'.repeat(63)}.com`,
        `${'l'.repeat(64)}@${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(61)}`,
      ];
      for (const text of good) assert.ok(isPlainEmail(text), text);
      assert.equal(good[5]!.length, 254);
      const bad = [
        '"a" <thief@evil.example>, "b"@shop.example',
        '"a" <b@c.com>"@d.com',
        'a <b@c.com>',
        '<b@c.com>',
        'b@c.com, d@e.com',
        'b@c.com;d@e.com',
        '"quoted"@example.com',
        'a(comment)@example.com',
        'a@[999.999.999.999]',
        'a@[1.2.3.4]',
        'a@-x.com',
        'a@x-.com',
        'a@x..com',
        'a@.x.com',
        'a@x.com.',
        `a@${'x'.repeat(64)}.com`,
        'a@localhost',
        'a@x.c0m',
        'a@x.co-m',
        'a@123.456',
        'a..b@x.com',
        '.a@x.com',
        'a.@x.com',
        'a@b@c.com',
        'a\\b@x.com',
        'ü@example.com',
        'a@exämple.com',
        'a@x.com\nBcc: c@d.com',
        `${'l'.repeat(65)}@${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(61)}`,
      ];
      for (const text of bad) {
        assert.ok(!isPlainEmail(text), text);
        assert.equal(message(parse({ ...BASE, address: text })), 'invalid address', text);
      }
    });

    test('emails, with a prefix and a query stripped too', () => {
      assert.deepEqual(value(parse({ ...BASE, address: 'obyte:first.last@sub.example.co.uk?x=1' })).recipient, {
        kind: 'email',
        email: 'first.last@sub.example.co.uk',
      });
      // the domain is kept in lower case, as the mailer writes it; the local part as sent
      assert.deepEqual(value(parse({ ...BASE, address: 'USER@EXAMPLE.COM' })).recipient, { kind: 'email', email: 'USER@example.com' });
      for (const text of ['user@', '@example.com', 'user@example', 'a b@example.com', `${'x'.repeat(250)}@ex.com`]) {
        assert.equal(message(parse({ ...BASE, address: text })), 'invalid address', text);
      }
    });
  });

  test('currency: case-insensitive, RUB is an alias of RUR', () => {
    for (const [text, code] of [
      ['usd', 'USD'],
      ['Eur', 'EUR'],
      ['rur', 'RUR'],
      ['rub', 'RUR'],
      ['gbyte', 'GBYTE'],
      ['btc', 'BTC'],
    ]) {
      const req = value(parse({ ...BASE, currency: text, purchase_unit: UNIT }));
      assert.equal(req.currency, code, text);
    }
    for (const text of ['US D', 'USDT', 'bytes', 'toString', '__proto__', 'constructor']) {
      assert.equal(message(parse({ ...BASE, currency: text })), 'unsupported currency', text);
    }
  });

  test('currency_amount: accepted forms', () => {
    for (const [text, exact] of [
      ['49.90', '49.9'],
      ['1500', '1500'],
      ['0.12345678900000001', '0.12345678900000001'],
      ['5.0E-5', '0.00005'],
      ['5e-5', '0.00005'],
      ['1e3', '1000'],
      ['1E+3', '1000'],
      ['.5', '0.5'],
      ['5.', '5'],
      ['007', '7'],
      ['1e15', '1000000000000000'],
      [`0.${'0'.repeat(29)}1`, `0.${'0'.repeat(29)}1`],
    ]) {
      assert.equal(value(parse({ ...BASE, currency_amount: text })).amount.toFixed(), exact, text);
    }
  });

  test('currency_amount: refused forms', () => {
    for (const text of [
      '49,90',
      '1,500.00',
      '0',
      '0.000',
      '0e5',
      '-1',
      '+1',
      '0x10',
      'Infinity',
      'NaN',
      '1e',
      'e5',
      '.',
      '1 000',
      '12.5€',
      '1e99999',
      '1.000000000000001e15',
      `0.${'0'.repeat(30)}1`,
      '1'.repeat(65),
    ]) {
      assert.equal(message(parse({ ...BASE, currency_amount: text })), 'invalid currency_amount', text);
    }
  });

  test('partner_cashback_percentage: 0 to the configured maximum', () => {
    assert.equal(value(parse({ ...BASE })).partnerPct.toFixed(), '0');
    assert.equal(value(parse({ ...BASE, partner_cashback_percentage: '' })).partnerPct.toFixed(), '0');
    assert.equal(value(parse({ ...BASE, partner_cashback_percentage: '0' })).partnerPct.toFixed(), '0');
    assert.equal(value(parse({ ...BASE, partner_cashback_percentage: '12.5' })).partnerPct.toFixed(), '12.5');
    assert.equal(value(parse({ ...BASE, partner_cashback_percentage: '100' })).partnerPct.toFixed(), '100');
    for (const text of ['100.0001', '-0', '-5', '5%', '1,5', 'ten']) {
      assert.equal(message(parse({ ...BASE, partner_cashback_percentage: text })), 'invalid partner_cashback_percentage', text);
    }
    const limited = parsePurchaseRequest({ ...BASE, partner_cashback_percentage: '41' }, { maxPartnerPct: Dec(40) });
    assert.equal(message(limited), 'invalid partner_cashback_percentage');
    assert.ok(parsePurchaseRequest({ ...BASE, partner_cashback_percentage: '40' }, { maxPartnerPct: Dec(40) }).ok);
  });

  test('purchase_unit: required and checked for GBYTE only', () => {
    const gbyte = { ...BASE, currency: 'GBYTE' };
    assert.equal(message(parse(gbyte)), 'purchase_unit is required for GBYTE purchases');
    const required = parse({ ...gbyte, purchase_unit: ' ' });
    assert.equal(required.ok ? null : required.error.code, 'purchase_unit_required');
    assert.equal(value(parse({ ...gbyte, purchase_unit: ` ${UNIT} ` })).purchaseUnit, UNIT);
    for (const text of [UNIT.slice(0, 43), `${UNIT}A`, UNIT.replace('M=', 'N='), 'kYbc5KGKB_KnjynYePEF4cpumKmOz22xVKSVWbmtZ0M=', '!'.repeat(44)]) {
      assert.equal(message(parse({ ...gbyte, purchase_unit: text })), 'invalid purchase_unit', text);
    }
    assert.equal(message(parse({ ...gbyte, purchase_unit: 12 })), 'invalid purchase_unit');
    assert.equal(value(parse({ ...BASE, purchase_unit: 'garbage' })).purchaseUnit, null);
    assert.equal(value(parse({ ...BASE, currency: 'BTC', purchase_unit: UNIT })).purchaseUnit, null);
  });

  test("purchase_unit: a raw '+' decoded as a space is put back", () => {
    const raw = form(`customer=1&order_id=2&address=${ADDR}&currency=GBYTE&currency_amount=1&purchase_unit=${UNIT_PLUS}`);
    assert.equal(raw.purchase_unit, UNIT_PLUS.replaceAll('+', ' '));
    assert.equal(value(parsePurchaseRequest(raw)).purchaseUnit, UNIT_PLUS);
  });
});

describe('error order: missing fields first, then malformed ones, each in contract order', () => {
  const broken = {
    customer: 'x'.repeat(201),
    order_id: 'x'.repeat(201),
    description: 'x'.repeat(1001),
    merchant: 'x'.repeat(201),
    address: 'nowhere',
    currency: 'XYZ',
    currency_amount: '1,5',
    partner_cashback_percentage: '-1',
    purchase_unit: 'bad',
  };

  test('missing beats malformed, in contract order', () => {
    assert.equal(message(parse({ ...broken, customer: '' })), 'customer is required');
    assert.equal(message(parse({ ...broken, order_id: '' })), 'order_id is required');
    assert.equal(message(parse({ ...broken, address: '', currency_amount: '' })), 'address is required');
    assert.equal(message(parse({ ...broken, currency: '', currency_amount: '' })), 'currency is required');
    assert.equal(message(parse({ ...broken, currency_amount: '' })), 'currency_amount is required');
    assert.equal(message(parse({ ...broken, currency: 'GBYTE', purchase_unit: '' })), 'purchase_unit is required for GBYTE purchases');
  });

  test('malformed fields one after another', () => {
    const expected = [
      ['customer', 'invalid customer'],
      ['order_id', 'invalid order_id'],
      ['description', 'invalid description'],
      ['merchant', 'invalid merchant'],
      ['address', 'invalid address'],
      ['currency', 'unsupported currency'],
      ['currency_amount', 'invalid currency_amount'],
      ['partner_cashback_percentage', 'invalid partner_cashback_percentage'],
    ] as const;
    const fixed: Record<string, unknown> = { ...broken };
    const good: Record<string, unknown> = { ...BASE, description: 'd', merchant: 'm', currency: 'GBYTE', partner_cashback_percentage: '1' };
    for (const [field, text] of expected) {
      if (field === 'currency') fixed.purchase_unit = 'bad';
      assert.equal(message(parse(fixed)), text, field);
      fixed[field] = good[field];
    }
    assert.equal(message(parse(fixed)), 'invalid purchase_unit');
    fixed.purchase_unit = UNIT;
    assert.ok(parse(fixed).ok);
  });
});

describe('readCredentials', () => {
  test('trimmed, both required, strings only', () => {
    assert.deepEqual(readCredentials({ partner: ' shop ', partner_key: ' k3y\n' }), { partner: 'shop', partnerKey: 'k3y' });
    assert.equal(readCredentials({ partner: 'shop' }), null);
    assert.equal(readCredentials({ partner: '', partner_key: 'k' }), null);
    assert.equal(readCredentials({ partner: 'shop', partner_key: '  ' }), null);
    assert.equal(readCredentials({ partner: 'shop', partner_key: 123 }), null);
    assert.equal(readCredentials({}), null);
  });
});

describe('purchaseFingerprint', () => {
  const full = {
    customer: 'c',
    order_id: 'o',
    description: 'd',
    merchant: 'm',
    address: ADDR,
    currency: 'GBYTE',
    currency_amount: '49.90',
    partner_cashback_percentage: '5',
    purchase_unit: UNIT,
  };
  const fp = (fields: Record<string, unknown>) => purchaseFingerprint(value(parse(fields)));

  test('a sha256 hex, stable across equivalent spellings, blind to the description', () => {
    const base = fp(full);
    assert.match(base, /^[0-9a-f]{64}$/);
    assert.equal(fp({ ...full, description: 'something else' }), base);
    assert.equal(fp({ ...full, description: undefined }), base);
    assert.equal(fp({ ...full, currency_amount: '49.9' }), base);
    assert.equal(fp({ ...full, currency_amount: 49.9 }), base);
    assert.equal(fp({ ...full, currency_amount: '4.990E1' }), base);
    assert.equal(fp({ ...full, currency: ' gbyte ' }), base);
    assert.equal(fp({ ...full, address: `obyte:${ADDR}?amount=1` }), base);
    assert.equal(fp({ ...full, partner_cashback_percentage: '5.00' }), base);
  });

  test('every other field changes it', () => {
    const base = fp(full);
    const changes: Array<Record<string, unknown>> = [
      { customer: 'c2' },
      { order_id: 'o2' },
      { merchant: 'm2' },
      { merchant: '' },
      { address: ADDR2 },
      { address: 'c@example.com' },
      { currency_amount: '49.91' },
      { partner_cashback_percentage: '' },
      { purchase_unit: UNIT_PLUS },
      { currency: 'USD' },
    ];
    const seen = new Set([base]);
    for (const change of changes) {
      const other = fp({ ...full, ...change });
      assert.ok(!seen.has(other), JSON.stringify(change));
      seen.add(other);
    }
  });

  test('fields cannot bleed into each other', () => {
    assert.notEqual(fp({ ...full, customer: 'a', order_id: 'bc' }), fp({ ...full, customer: 'ab', order_id: 'c' }));
  });
});
