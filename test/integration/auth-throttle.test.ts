import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestApp, form, type TestApp } from '../helpers/app.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { loadConfig } from '../../src/config.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';

const CUSTOMER_ADDRESS = 'KSCCYOEMOMUMJXROLK4HWLTJBWFXICRB';
// the smallest window the config allows; each block below is reached well within it
const WINDOW_MS = 1000;
const TOO_MANY = { result: 'error', error: 'too many requests' };
const AUTH_FAILED = { result: 'error', error: 'authentication failed' };
// the proxies in front of the server in these tests
const PROXIES = '10.250.0.0/16,127.0.0.1';

for (const kind of STORE_KINDS) {
  describe(`authentication throttle on ${kind}`, () => {
    let app: TestApp;
    let seq = 0;
    const fields = (over: Record<string, string> = {}) => ({
      partner: app.partner.name,
      partner_key: app.partner.key,
      customer: 'cust-1',
      order_id: `throttle-${++seq}`,
      address: CUSTOMER_ADDRESS,
      currency: 'USD',
      currency_amount: '20',
      ...over,
    });
    /** POSTs as the client at remoteAddress (inject's default is 127.0.0.1), to this app or another runtime's. */
    const postFrom = async (remoteAddress: string, path: string, body: Record<string, string>, headers: Record<string, string> = {}, runtime?: Runtime) => {
      const res = await (runtime ?? app.runtime).http!.inject({
        method: 'POST',
        url: path,
        remoteAddress,
        payload: form(body),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      });
      return { status: res.statusCode, headers: res.headers, json: JSON.parse(res.body) as Record<string, unknown> };
    };

    before(async () => {
      app = await startTestApp(kind, { AUTH_MAX_FAILURES: '3', AUTH_WINDOW_MS: String(WINDOW_MS), PAYOUT_WAIT_MS: '3000', TRUST_PROXY: PROXIES });
    });
    after(() => app.close());

    test('after 3 failed authentications of a partner the 4th request for it is refused with 429, even with the right key', async () => {
      const client = '10.1.0.1';
      for (let i = 0; i < 3; i++) {
        const res = await postFrom(client, '/new_purchase', fields({ partner_key: `wrong-${i}` }));
        assert.equal(res.status, 200);
        assert.deepEqual(res.json, AUTH_FAILED);
      }
      const blocked = await postFrom(client, '/new_purchase', fields());
      assert.equal(blocked.status, 429);
      assert.deepEqual(blocked.json, TOO_MANY);
      assert.ok(blocked.headers['x-request-id']);
      assert.match(String(blocked.headers['content-type']), /^application\/json/);
      assert.equal(blocked.headers['access-control-allow-origin'], '*');
      // the throttle is per client, not per network
      const otherNetwork = await postFrom(client, '/test/new_purchase', fields());
      assert.equal(otherNetwork.status, 429);

      const other = await postFrom('10.1.0.2', '/new_purchase', fields());
      assert.equal(other.status, 200);
      assert.equal(other.json.result, 'ok', JSON.stringify(other.json));
    });

    test("a valid key from a throttled client is served: other partners' failures never refuse it", async () => {
      // the issue: after 20 failures from one IP, even valid keys from that IP got 429
      const client = '10.1.0.5';
      for (let i = 0; i < 5; i++) await postFrom(client, '/new_purchase', fields({ partner: 'nobody', partner_key: `guess-${i}` }));
      for (let i = 0; i < 5; i++) await postFrom(client, '/new_purchase', fields({ partner: `guess-${i}`, partner_key: 'x' }));
      assert.equal((await postFrom(client, '/new_purchase', fields({ partner: 'nobody' }))).status, 429);
      const served = await postFrom(client, '/new_purchase', fields());
      assert.equal(served.status, 200);
      assert.equal(served.json.result, 'ok', JSON.stringify(served.json));
    });

    test('other refusals do not count, failures on both networks add up', async () => {
      const client = '10.1.0.3';
      for (let i = 0; i < 5; i++) {
        const res = await postFrom(client, '/new_purchase', fields({ customer: '' }));
        assert.deepEqual(res.json, { result: 'error', error: 'customer is required' });
      }
      await postFrom(client, '/new_purchase', fields({ partner_key: 'wrong' }));
      await postFrom(client, '/test/new_purchase', fields({ partner_key: '' }));
      const third = await postFrom(client, '/test/new_purchase', fields({ partner_key: 'wrong' }));
      assert.deepEqual(third.json, AUTH_FAILED);
      const blocked = await postFrom(client, '/new_purchase', fields());
      assert.equal(blocked.status, 429);
      assert.deepEqual(blocked.json, TOO_MANY);
    });

    test('X-Forwarded-For is believed from the listed proxies only', async () => {
      // through a proxy: each forwarded client is counted on its own
      for (let i = 0; i < 3; i++) await postFrom('10.250.0.9', '/new_purchase', fields({ partner_key: 'wrong' }), { 'x-forwarded-for': '203.0.113.7' });
      assert.equal((await postFrom('10.250.0.9', '/new_purchase', fields(), { 'x-forwarded-for': '203.0.113.7' })).status, 429);
      const neighbour = await postFrom('10.250.0.9', '/new_purchase', fields(), { 'x-forwarded-for': '203.0.113.8' });
      assert.equal(neighbour.json.result, 'ok', JSON.stringify(neighbour.json));
      // from anywhere else the header is ignored: spoofing the blocked address neither locks its owner out nor escapes
      const spoofer = '198.51.100.4';
      const spoofed = await postFrom(spoofer, '/new_purchase', fields(), { 'x-forwarded-for': '203.0.113.7' });
      assert.equal(spoofed.json.result, 'ok', JSON.stringify(spoofed.json));
      for (let i = 0; i < 3; i++) {
        await postFrom(spoofer, '/new_purchase', fields({ partner_key: 'wrong' }), { 'x-forwarded-for': `192.0.2.${i}` });
      }
      assert.equal((await postFrom(spoofer, '/new_purchase', fields(), { 'x-forwarded-for': '192.0.2.99' })).status, 429);
    });

    test('the block ends when the window has passed', async () => {
      const client = '10.1.0.4';
      for (let i = 0; i < 3; i++) await postFrom(client, '/new_purchase', fields({ partner_key: 'wrong' }));
      assert.equal((await postFrom(client, '/new_purchase', fields())).status, 429);
      await sleep(WINDOW_MS + 100);
      const res = await postFrom(client, '/new_purchase', fields());
      assert.equal(res.status, 200);
      assert.equal(res.json.result, 'ok', JSON.stringify(res.json));
    });

    test('two API processes on one store count the same failures', async () => {
      // a second server, API only, on the same store and hubs: what another process behind a load balancer is
      const hub = (n: 'main' | 'test') => app.runtime.networks[n];
      const config = loadConfig({
        DATA_DIR: app.config.dataDir,
        MODE: 'api',
        MAIN_HUB_URL: hub('main').devhub!.url,
        TEST_HUB_URL: hub('test').devhub!.url,
        MAIN_NETWORK: 'devnet',
        TEST_NETWORK: 'devnet',
        MAIN_ORACLE_ADDRESS: hub('main').devhub!.oracleAddress,
        TEST_ORACLE_ADDRESS: hub('test').devhub!.oracleAddress,
        FIAT_RATES: 'false',
        LOG_LEVEL: 'silent',
        AUTH_MAX_FAILURES: '3',
        AUTH_WINDOW_MS: '5000',
      });
      const second = await startRuntime({ ...config, store: app.config.store }, { listen: false });
      try {
        const client = '10.1.0.6';
        for (let i = 0; i < 2; i++) assert.deepEqual((await postFrom(client, '/new_purchase', fields({ partner_key: 'wrong' }))).json, AUTH_FAILED);
        assert.deepEqual((await postFrom(client, '/new_purchase', fields({ partner_key: 'wrong' }), {}, second)).json, AUTH_FAILED);
        // the third failure, seen by the second process, blocks the client there
        assert.equal((await postFrom(client, '/new_purchase', fields(), {}, second)).status, 429);
        // and the first process refuses the next failure as the fourth
        assert.deepEqual((await postFrom(client, '/new_purchase', fields({ partner_key: 'wrong' }))).json, TOO_MANY);
        assert.equal((await postFrom(client, '/new_purchase', fields())).status, 429);
      } finally {
        await second.close();
      }
    });
  });
}
