import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestApp, form, type TestApp } from '../helpers/app.ts';
import { STORE_KINDS } from '../helpers/stores.ts';

const CUSTOMER_ADDRESS = 'KSCCYOEMOMUMJXROLK4HWLTJBWFXICRB';
// the smallest window the config allows; each block below is reached well within it
const WINDOW_MS = 1000;
const TOO_MANY = { result: 'error', error: 'too many requests' };

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
    /** POSTs as the client at remoteAddress (inject's default is 127.0.0.1). */
    const postFrom = async (remoteAddress: string, path: string, body: Record<string, string>, headers: Record<string, string> = {}) => {
      const res = await app.runtime.http!.inject({
        method: 'POST',
        url: path,
        remoteAddress,
        payload: form(body),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      });
      return { status: res.statusCode, headers: res.headers, json: JSON.parse(res.body) as Record<string, unknown> };
    };

    before(async () => {
      app = await startTestApp(kind, { AUTH_MAX_FAILURES: '3', AUTH_WINDOW_MS: String(WINDOW_MS), PAYOUT_WAIT_MS: '3000' });
    });
    after(() => app.close());

    test('after 3 failed authentications the 4th request is refused with 429, even with the right key', async () => {
      for (let i = 0; i < 3; i++) {
        const res = await app.post('/new_purchase', form(fields({ partner_key: `wrong-${i}` })));
        assert.equal(res.status, 200);
        assert.deepEqual(res.json, { result: 'error', error: 'authentication failed' });
      }
      const blocked = await app.post('/new_purchase', form(fields()));
      assert.equal(blocked.status, 429);
      assert.deepEqual(blocked.json, TOO_MANY);
      assert.ok(blocked.headers['x-request-id']);
      assert.match(String(blocked.headers['content-type']), /^application\/json/);
      assert.equal(blocked.headers['access-control-allow-origin'], '*');
      // the throttle is per client, not per network
      const otherNetwork = await app.post('/test/new_purchase', form(fields()));
      assert.equal(otherNetwork.status, 429);

      const other = await postFrom('10.1.0.2', '/new_purchase', fields());
      assert.equal(other.status, 200);
      assert.equal(other.json.result, 'ok', JSON.stringify(other.json));
    });

    test('other refusals do not count, failures on both networks add up, and X-Forwarded-For is not trusted', async () => {
      const client = '10.1.0.3';
      for (let i = 0; i < 5; i++) {
        const res = await postFrom(client, '/new_purchase', fields({ customer: '' }));
        assert.deepEqual(res.json, { result: 'error', error: 'customer is required' });
      }
      await postFrom(client, '/new_purchase', fields({ partner: 'nobody' }));
      await postFrom(client, '/test/new_purchase', fields({ partner_key: '' }));
      const third = await postFrom(client, '/test/new_purchase', fields({ partner_key: 'wrong' }));
      assert.deepEqual(third.json, { result: 'error', error: 'authentication failed' });
      const spoofed = await postFrom(client, '/new_purchase', fields(), { 'x-forwarded-for': '10.9.9.9' });
      assert.equal(spoofed.status, 429);
      assert.deepEqual(spoofed.json, TOO_MANY);
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
  });
}
