import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { createCbrRateSource, createEcbRateSource, parseCbrDaily, parseEcbDaily } from '../../src/rates/fiat-source.ts';
import type { RateSource } from '../../src/rates/types.ts';

const ECB = readFileSync(new URL('../fixtures/rates/ecb-eurofxref-daily.xml', import.meta.url));
const CBR = readFileSync(new URL('../fixtures/rates/cbr-xml-daily.xml', import.meta.url));
const CBR_TEXT = new TextDecoder('windows-1251').decode(CBR);
const ECB_TEXT = ECB.toString('utf8');
// The day after the ECB document, the day of the CBR one.
const NOW = Date.UTC(2024, 10, 23, 12);
const clock = () => NOW;

interface Reply {
  status?: number;
  type?: string;
  body?: Buffer | string;
  hang?: boolean;
  location?: string;
}

const routes = new Map<string, Reply>([
  ['/ecb', { type: 'text/xml', body: ECB }],
  ['/cbr', { type: 'application/xml; charset=windows-1251', body: CBR }],
  ['/cbr-declared', { type: 'application/xml', body: CBR }],
  ['/cbr-as-utf8', { type: 'application/xml; charset=utf-8', body: CBR }],
  ['/cbr-unknown-charset', { type: 'application/xml; charset=x-martian', body: CBR }],
  ['/moved', { status: 302, location: '/ecb' }],
  ['/500', { status: 500, type: 'text/html', body: '<h1>Internal Server Error</h1>' }],
  ['/404', { status: 404, type: 'text/html', body: 'not found' }],
  ['/hang', { hang: true }],
  ['/html', { type: 'text/html', body: '<html><body>maintenance</body></html>' }],
  ['/truncated', { type: 'text/xml', body: ECB_TEXT.slice(0, ECB_TEXT.indexOf("<Cube currency='JPY'")) }],
  ['/no-usd', { type: 'text/xml', body: ECB_TEXT.replace(/<Cube currency='USD'[^>]*>/, '') }],
  ['/comma', { type: 'text/xml', body: ECB_TEXT.replace("rate='1.0412'", "rate='1,0412'") }],
  ['/zero', { type: 'text/xml', body: ECB_TEXT.replace("rate='1.0412'", "rate='0'") }],
  ['/huge', { type: 'text/xml', body: Buffer.alloc((1 << 20) + 1, 0x20) }],
]);

let server: Server;
let base = '';
const hanging = new Set<import('node:http').ServerResponse>();

before(async () => {
  server = createServer((req, res) => {
    const reply = routes.get(req.url ?? '');
    if (reply === undefined) {
      res.writeHead(404).end();
      return;
    }
    if (reply.hang) {
      hanging.add(res);
      return;
    }
    const headers: Record<string, string> = {};
    if (reply.type) headers['content-type'] = reply.type;
    if (reply.location) headers.location = reply.location;
    res.writeHead(reply.status ?? 200, headers).end(reply.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function detail(result: Awaited<ReturnType<RateSource['fetch']>>): string {
  if (result.ok) assert.fail('expected an error');
  assert.equal(result.error.code, 'rate_unavailable');
  return result.error.detail ?? '';
}

describe('ECB', () => {
  test('EUR_USD from the daily reference rates', async () => {
    const result = await createEcbRateSource({ url: `${base}/ecb`, now: clock }).fetch();
    assert.ok(result.ok);
    assert.deepEqual(Object.keys(result.value), ['EUR_USD']);
    assert.equal(result.value.EUR_USD?.value.toFixed(), '1.0412');
    // the time of the rate is the date the ECB published it for, not the time we asked
    assert.equal(result.value.EUR_USD?.at, Date.UTC(2024, 10, 22));
  });

  test('a redirect is followed', async () => {
    const result = await createEcbRateSource({ url: `${base}/moved`, now: clock }).fetch();
    assert.equal(result.ok && result.value.EUR_USD?.value.toFixed(), '1.0412');
  });

  test('HTTP errors, timeouts and unreachable hosts are error values', async () => {
    assert.match(detail(await createEcbRateSource({ url: `${base}/500`, now: clock }).fetch()), /^ecb: HTTP 500$/);
    assert.match(detail(await createEcbRateSource({ url: `${base}/404`, now: clock }).fetch()), /HTTP 404/);
    const started = Date.now();
    assert.match(detail(await createEcbRateSource({ url: `${base}/hang`, now: clock, timeoutMs: 150 }).fetch()), /TimeoutError/);
    assert.ok(Date.now() - started < 5000, "the timeout, not the 10 s default, ended it");
    const closed = `http://127.0.0.1:1/`;
    assert.match(detail(await createEcbRateSource({ url: closed, now: clock }).fetch()), /ecb: TypeError/);
  });

  test('malformed documents are error values', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/html', /not an ECB reference rate document/],
      ['/truncated', /not an ECB reference rate document/],
      ['/no-usd', /no USD rate/],
      ['/comma', /bad USD rate "1,0412"/],
      ['/zero', /bad USD rate "0"/],
      ['/huge', /document too large/],
    ];
    for (const [path, reason] of cases) {
      assert.match(detail(await createEcbRateSource({ url: `${base}${path}`, now: clock }).fetch()), reason, path);
    }
  });

  test('a stale document is refused', async () => {
    const later = () => Date.UTC(2024, 11, 2);
    assert.match(detail(await createEcbRateSource({ url: `${base}/ecb`, now: later }).fetch()), /dated 2024-11-22 is out of date/);
    const lenient = await createEcbRateSource({ url: `${base}/ecb`, now: later, maxDocumentAgeMs: 30 * 86_400_000 }).fetch();
    assert.ok(lenient.ok);
  });

  test('parser: attribute quotes and order do not matter; dates must exist', () => {
    const doc = (cubes: string) =>
      `<gesmes:Envelope xmlns:gesmes="g"><Cube><Cube time="2024-11-22">${cubes}</Cube></Cube></gesmes:Envelope>`;
    const swapped = parseEcbDaily(doc(`<Cube rate="1.05" currency="USD" />`));
    assert.ok(swapped.ok);
    assert.equal(swapped.value.value.toFixed(), '1.05');
    assert.equal(swapped.value.date, Date.UTC(2024, 10, 22));
    const badDate = parseEcbDaily(doc(`<Cube currency='USD' rate='1.05'/>`).replace('2024-11-22', '2024-02-30'));
    assert.deepEqual(badDate, { ok: false, error: 'bad date "2024-02-30"' });
    const noDate = parseEcbDaily(doc(`<Cube currency='USD' rate='1.05'/>`).replace(' time="2024-11-22"', ''));
    assert.deepEqual(noDate, { ok: false, error: 'no date' });
  });
});

describe('CBR', () => {
  test('RUB_USD = 1 / roubles per dollar, from the windows-1251 document', async () => {
    const result = await createCbrRateSource({ url: `${base}/cbr`, now: clock }).fetch();
    assert.ok(result.ok);
    assert.deepEqual(Object.keys(result.value), ['RUB_USD']);
    const quote = result.value.RUB_USD;
    assert.ok(quote !== undefined);
    // the time of the rate is the date the Bank of Russia set it for, not the time we asked
    assert.equal(new Date(quote.at).toISOString().slice(0, 10), '2024-11-23');
    const rate = quote.value;
    // Python: (Decimal(1) / Decimal('102.5761')).quantize(Decimal('1e-40'), rounding=ROUND_DOWN)
    assert.equal(rate.toFixed(), '0.0097488596271451147002079431758470052965');
    // Rounded down at 40 places: never worth more than the exact inverse.
    assert.ok(rate.times('102.5761').lte(1));
    assert.ok(rate.plus('1e-40').times('102.5761').gt(1));
  });

  test('the charset comes from the header, else from the XML declaration; a wrong one is an error', async () => {
    const declared = await createCbrRateSource({ url: `${base}/cbr-declared`, now: clock }).fetch();
    assert.ok(declared.ok);
    assert.match(detail(await createCbrRateSource({ url: `${base}/cbr-as-utf8`, now: clock }).fetch()), /cannot decode the document as utf-8/);
    assert.match(detail(await createCbrRateSource({ url: `${base}/cbr-unknown-charset`, now: clock }).fetch()), /x-martian/);
  });

  test('the document decodes to the real Cyrillic names', () => {
    assert.match(CBR_TEXT, /<Name>Доллар США<\/Name>/);
  });

  test('parser: the nominal is honoured, a point decimal or a missing dollar is refused', () => {
    const doc = (valute: string, date = '23.11.2024') =>
      `<?xml version="1.0" encoding="windows-1251"?><ValCurs Date="${date}" name="Foreign Currency Market">${valute}</ValCurs>`;
    const usd = (nominal: string, value: string) =>
      `<Valute ID="R01235"><NumCode>840</NumCode><CharCode>USD</CharCode><Nominal>${nominal}</Nominal><Name>Доллар США</Name><Value>${value}</Value></Valute>`;
    const per10 = parseCbrDaily(doc(usd('10', '1000,0')));
    assert.ok(per10.ok);
    assert.equal(per10.value.value.toFixed(), '0.01');
    assert.equal(per10.value.pair, 'RUB_USD');
    assert.deepEqual(parseCbrDaily(doc(usd('1', '102.5761'))), { ok: false, error: 'bad USD value "102.5761"' });
    assert.deepEqual(parseCbrDaily(doc(usd('1', '0,0'))), { ok: false, error: 'bad USD value "0,0"' });
    assert.deepEqual(parseCbrDaily(doc(usd('0', '100,0'))), { ok: false, error: 'bad USD nominal "0"' });
    assert.deepEqual(parseCbrDaily(doc(usd('1', '100,0').replace('USD', 'EUR'))), { ok: false, error: 'no USD rate' });
    assert.deepEqual(parseCbrDaily(doc(usd('1', '100,0'), '31.11.2024')), { ok: false, error: 'bad date "31.11.2024"' });
    assert.deepEqual(parseCbrDaily('<html></html>'), { ok: false, error: 'not a CBR daily rates document' });
    assert.deepEqual(parseCbrDaily(CBR_TEXT.slice(0, -20)), { ok: false, error: 'not a CBR daily rates document' });
  });

  test('a future date within the window is fine (CBR publishes ahead), far away is not', async () => {
    const friday = () => Date.UTC(2024, 10, 22, 15);
    assert.ok((await createCbrRateSource({ url: `${base}/cbr`, now: friday }).fetch()).ok);
    const longAgo = () => Date.UTC(2023, 0, 1);
    assert.match(detail(await createCbrRateSource({ url: `${base}/cbr`, now: longAgo }).fetch()), /out of date/);
  });
});
