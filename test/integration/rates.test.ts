// Rates you can trust, through the HTTP API on both stores: the oracle's own time (a stale or stopped oracle), two
// sources disagreeing, a 10× jump held then confirmed, a weekend-old ECB rate accepted; each purchase records how
// it was priced, and `cashback rates` (the operator's view) and /health show it.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname } from 'node:path';
import { cashback } from '../helpers/cli.ts';
import { startTestApp, form, type TestApp } from '../helpers/app.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { ratesReport, ratesText, type RatesReport } from '../../src/cli/rates.ts';

const ADDRESS = 'KSCCYOEMOMUMJXROLK4HWLTJBWFXICRB';
const MIN = 60_000;
const DAY = 24 * 60 * MIN;
// 10% of 20 USD at the devnet's 8.5 USD per GBYTE, and at a tenth of that
const AT_8_5 = 235294117;
const AT_0_85 = 2352941176;

/** The app's helpers for these tests: purchases, fetch rounds, the stored operator view, /health. */
function tools(app: () => TestApp) {
  let order = 0;
  const main = () => app().runtime.networks.main;
  return {
    buy: (currency: string, amount: number, path = '/new_purchase') =>
      app().post(path, form({
        partner: app().partner.name, partner_key: app().partner.key, customer: 'c1', order_id: `r-${++order}`,
        address: ADDRESS, currency, currency_amount: amount,
      })),
    /** How the last purchase was priced, as recorded with it. */
    lastPricing: async (): Promise<Record<string, { value: string; source: string; at: number; ref?: string; checked_with: unknown[] }>> => {
      const row = await app().runtime.db.kysely.selectFrom('purchases').select(['rate_sources']).where('order_id', '=', `r-${order}`).executeTakeFirstOrThrow();
      return JSON.parse(row.rate_sources ?? 'null');
    },
    /** Two fetch rounds: the first may have started before the test changed a source. */
    round: async () => {
      await main().rates.refresh();
      await main().rates.refresh();
    },
    /** What `cashback rates` shows for the main network, once the server has stored its latest round. */
    report: async (): Promise<RatesReport[string]> => {
      const expected = new Date(main().rates.status().updated_at).toISOString();
      for (let i = 0; ; i++) {
        const r = (await ratesReport(app().runtime.db, ['main'], Date.now())).main!;
        if ((r.updated_at ?? '') >= expected || i > 100) return r;
        await sleep(20);
      }
    },
    orders: () => order,
    health: async () => JSON.parse((await app().runtime.http!.inject({ method: 'GET', url: '/health' })).body) as Record<string, any>,
    devhub: () => main().devhub!,
  };
}

const UNAVAILABLE = { result: 'error', error: 'exchange rate unavailable' };

for (const kind of STORE_KINDS) {
  describe(`rates through the HTTP API on ${kind}`, () => {
    describe('an oracle that posted two hours ago, then disagrees with the hub', () => {
      let app: TestApp;
      const t = tools(() => app);
      before(async () => {
        // the devnet's clock runs two hours behind: its oracle's feeds, posted at start, are two hours old
        app = await startTestApp(kind, { DEVHUB_CLOCK_OFFSET_MS: String(-2 * 60 * MIN) });
      });
      after(async () => app.close());

      test('the stale feed is not used: the fresh hub rate prices alone, and the operator sees why', async () => {
        const bought = await t.buy('USD', 20);
        assert.equal(bought.json.cashback_amount, AT_8_5, JSON.stringify(bought.json));
        const priced = await t.lastPricing();
        assert.deepEqual(Object.keys(priced), ['GBYTE_USD']);
        assert.equal(priced.GBYTE_USD?.source, 'hub');
        assert.equal(priced.GBYTE_USD?.value, '8.5');
        assert.deepEqual(priced.GBYTE_USD?.checked_with, []);

        const report = await t.report();
        const pair = report.pairs.find((p) => p.pair === 'GBYTE_USD')!;
        assert.equal(pair.state, 'ok');
        const oracle = pair.sources.find((s) => s.source === 'oracle')!;
        assert.equal(oracle.in_use, false);
        assert.ok(oracle.age_ms >= 2 * 60 * MIN - 60_000, `oracle age ${oracle.age_ms}`);
        assert.ok(oracle.ref, 'the oracle unit is shown');
        assert.equal(pair.sources.find((s) => s.source === 'hub')?.in_use, true);
        assert.match(ratesText({ main: report }), /main\s+GBYTE_USD\s+ok\s+oracle\s+8\.5\s+\S+\s+(1h5\dm|2h\dm)\s+no/);
      });

      test('a feed posted at a chosen time 20 minutes ago is still too old to count, even when it disagrees', async () => {
        await t.devhub().setClockOffset(0);
        await t.devhub().publishFeeds({ GBYTE_USD: '5' }, Date.now() - 20 * MIN);
        await t.round();
        assert.equal((await t.buy('USD', 20)).json.cashback_amount, AT_8_5);
        assert.equal((await t.lastPricing()).GBYTE_USD?.source, 'hub');
      });

      test('a fresh feed that disagrees with the hub stops purchases in every currency of that network', async () => {
        await t.devhub().publishFeeds({ GBYTE_USD: '5' });
        await t.round();
        assert.deepEqual((await t.buy('USD', 20)).json, UNAVAILABLE);
        assert.deepEqual((await t.buy('EUR', 20)).json, UNAVAILABLE);
        assert.equal((await t.buy('USD', 20, '/test/new_purchase')).json.result, 'ok', 'the test network has its own rates');

        const pair = (await t.report()).pairs.find((p) => p.pair === 'GBYTE_USD')!;
        assert.equal(pair.state, 'disagreement');
        assert.equal(pair.problem, 'hub 8.5 and oracle 5 differ by more than 5%');
        assert.ok(pair.sources.every((s) => !s.in_use));
        const health = await t.health();
        assert.deepEqual(health.main.rates.GBYTE_USD, { state: 'disagreement', problem: 'hub 8.5 and oracle 5 differ by more than 5%' });
        assert.equal(health.test.rates.GBYTE_USD.state, 'ok');
      });

      test('once they agree again, the oracle prices, checked against the hub, and the purchase records both', async () => {
        const unit = await t.devhub().publishFeeds({ GBYTE_USD: '8.5' });
        const postedAt = t.devhub().getJoint(unit).then((j) => (j?.unit.timestamp ?? 0) * 1000);
        await t.round();
        assert.equal((await t.buy('USD', 20)).json.cashback_amount, AT_8_5);
        const priced = (await t.lastPricing()).GBYTE_USD!;
        assert.deepEqual([priced.source, priced.value, priced.ref, priced.at], ['oracle', '8.5', unit, await postedAt]);
        assert.deepEqual(priced.checked_with.map((c) => (c as { source: string; value: string }).source + ' ' + (c as { value: string }).value), ['hub 8.5']);
        assert.equal((await t.health()).main.rates.GBYTE_USD.source, 'oracle');

        // the operator traces the purchases an oracle unit priced (the CLI reads the SQLite file directly)
        const location = app.store.location;
        if (location.kind === 'sqlite') {
          const env = { DATA_DIR: dirname(location.file), LOG_LEVEL: 'silent' };
          const traced = await cashback(['purchases', '--priced-by', unit, '--json'], env);
          assert.equal(traced.code, 0, traced.stderr);
          const rows = JSON.parse(traced.stdout) as Array<{ order_id: string; rate_sources: { GBYTE_USD: { ref: string } } }>;
          assert.deepEqual(rows.map((r) => [r.order_id, r.rate_sources.GBYTE_USD.ref]), [[`r-${t.orders()}`, unit]]);
          const byHub = JSON.parse((await cashback(['purchases', '--priced-by', 'hub', '--network', 'main', '--json'], env)).stdout) as unknown[];
          assert.equal(byHub.length, 3, 'two priced by the hub, one checked against it');
          assert.match((await cashback(['purchases', '--priced-by', '%'], env)).stderr, /--priced-by takes a rate source name or a unit hash/);
        }
      });
    });

    describe('an oracle that stops posting', () => {
      let app: TestApp;
      const t = tools(() => app);
      before(async () => {
        app = await startTestApp(kind, { RATE_MAX_AGE_MS: '5000' });
        // the hub's exchange rates go away: the oracle is the only source
        await app.runtime.networks.main.devhub!.setExchangeRates({});
      });
      after(async () => app.close());

      test('its last feed prices while within its age, then, though the hub still serves it, no longer', async () => {
        await t.devhub().stopFeeds();
        const posted = Date.now();
        await t.devhub().publishFeeds({ GBYTE_USD: '8.5', GBYTE_BTC: '0.00008947', BTC_USD: '95000' });
        await t.round();
        assert.equal((await t.buy('USD', 20)).json.cashback_amount, AT_8_5);
        assert.equal((await t.lastPricing()).GBYTE_USD?.source, 'oracle');

        await sleep(Math.max(0, posted + 6000 - Date.now()));
        await t.round();
        assert.deepEqual((await t.buy('USD', 20)).json, UNAVAILABLE);
        const pair = (await t.report()).pairs.find((p) => p.pair === 'GBYTE_USD')!;
        assert.equal(pair.state, 'stale');
        assert.ok(pair.sources.find((s) => s.source === 'oracle')!.age_ms > 5000);

        await t.devhub().publishFeeds({ GBYTE_USD: '8.5', GBYTE_BTC: '0.00008947', BTC_USD: '95000' });
        await t.round();
        assert.equal((await t.buy('USD', 20)).json.cashback_amount, AT_8_5);
      });
    });

    describe('a tenfold drop', () => {
      let app: TestApp;
      const t = tools(() => app);
      before(async () => {
        // rounds every 3 s: a jump is confirmed by a round at least that long after the one that held it
        app = await startTestApp(kind, { RATE_REFRESH_MS: '3000' });
      });
      after(async () => app.close());

      test('is held while the last rate serves, then confirmed by a later fetch', async () => {
        assert.equal((await t.buy('USD', 20)).json.cashback_amount, AT_8_5);
        await t.devhub().setExchangeRates({ GBYTE_USD: 0.85, GBYTE_BTC: 0.000008947, BTC_USD: 95000 });
        await t.devhub().publishFeeds({ GBYTE_USD: '0.85', GBYTE_BTC: '0.000008947' });
        await t.round();
        const report = await t.report();
        const pair = report.pairs.find((p) => p.pair === 'GBYTE_USD')!;
        assert.equal(pair.state, 'held');
        assert.equal(pair.held?.value, '0.85');
        assert.deepEqual(pair.sources.map((s) => [s.source, s.value, s.in_use]), [['oracle', '0.85', false], ['hub', '0.85', false]]);
        assert.match(ratesText({ main: report }), /GBYTE_USD: 0\.85 from oracle held since .*, awaiting a second fetch/);

        assert.equal((await t.buy('USD', 20)).json.cashback_amount, AT_8_5, 'priced at the last rate while the jump is held');
        assert.equal((await t.lastPricing()).GBYTE_USD?.value, '8.5');
        assert.equal((await t.health()).main.rates.GBYTE_USD.held, '0.85');

        const since = Date.parse(pair.held!.since!);
        await sleep(Math.max(0, since + 3000 - Date.now()));
        await t.round();
        assert.equal((await t.buy('USD', 20)).json.cashback_amount, AT_0_85);
        const priced = (await t.lastPricing()).GBYTE_USD!;
        assert.deepEqual([priced.source, priced.value], ['oracle', '0.85']);
        assert.equal((await t.report()).pairs.find((p) => p.pair === 'GBYTE_USD')?.state, 'ok');
      });
    });

    describe('the ECB reference rate', () => {
      let app: TestApp;
      const t = tools(() => app);
      let server: Server;
      let ecbDate = '';
      const fixture = readFileSync(new URL('../fixtures/rates/ecb-eurofxref-daily.xml', import.meta.url), 'utf8');
      const day = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString().slice(0, 10);
      before(async () => {
        ecbDate = day(8);
        server = createServer((req, res) => {
          if (req.url === '/ecb') res.writeHead(200, { 'content-type': 'text/xml' }).end(fixture.replace("time='2024-11-22'", `time='${ecbDate}'`));
          else res.writeHead(404).end();
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        app = await startTestApp(kind, { FIAT_RATES: 'true', ECB_RATES_URL: `${base}/ecb`, CBR_RATES_URL: `${base}/cbr`, FIXED_RATES: 'RUB_USD=0.011' });
      });
      after(async () => {
        await app.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      });

      test('eight days old is refused; dated three days ago (a weekend) it prices EUR purchases', async () => {
        assert.deepEqual((await t.buy('EUR', 10)).json, UNAVAILABLE);
        ecbDate = day(3);
        await t.round();
        // 10% of 10 EUR at 1.0412 USD per EUR, at 8.5 USD per GBYTE
        assert.equal((await t.buy('EUR', 10)).json.cashback_amount, 122494117);
        const priced = (await t.lastPricing()).EUR_USD!;
        assert.deepEqual([priced.source, priced.value, priced.at], ['ecb', '1.0412', Date.parse(`${ecbDate}T00:00:00Z`)]);
        const pair = (await t.report()).pairs.find((p) => p.pair === 'EUR_USD')!;
        assert.equal(pair.state, 'ok');
        assert.equal(pair.max_age_ms, 6 * DAY);
        const ecb = pair.sources.find((s) => s.source === 'ecb')!;
        assert.ok(ecb.in_use && ecb.age_ms >= 3 * DAY && ecb.age_ms < 4 * DAY, JSON.stringify(ecb));
        assert.deepEqual((await t.report()).failures.map((f) => f.source), ['cbr']);
      });
    });
  });
}
