// A network whose hub turns out, on a reconnect, to be on another network stops paying: purchases get a JSON error,
// /health says why, and it pays again once the right hub is back.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { startTestApp, form, type TestApp } from '../helpers/app.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { startDevHub, type DevHub } from '../../src/devhub/index.ts';
import { NETWORK_PARAMS } from '../../src/obyte/constants.ts';

for (const kind of STORE_KINDS) {
  describe(`a hub of another network after a reconnect, on ${kind}`, () => {
    let app: TestApp;
    let impostor: DevHub | null = null;
    let seq = 0;
    const purchase = () =>
      app.post(
        '/new_purchase',
        form({
          partner: app.partner.name,
          partner_key: app.partner.key,
          customer: 'c1',
          order_id: `hn-${kind}-${++seq}`,
          address: 'KSCCYOEMOMUMJXROLK4HWLTJBWFXICRB',
          currency: 'USD',
          currency_amount: '20',
        }),
      );
    const health = async () => {
      const res = await app.runtime.http!.inject({ method: 'GET', url: '/health' });
      return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, Record<string, string>> };
    };

    before(async () => {
      app = await startTestApp(kind, { PAYOUT_WAIT_MS: '3000', HUB_TIMEOUT_MS: '1000' });
    });
    after(async () => {
      await impostor?.close();
      await app.close();
    });

    test('the network stops paying, says so on /health, and takes no order', async () => {
      const ok = await purchase();
      assert.equal(ok.json.result, 'ok', JSON.stringify(ok.json));
      const before = await health();
      assert.equal(before.status, 200);
      assert.equal(before.body.main!.network, 'devnet');

      const main = app.runtime.networks.main;
      const port = main.devhub!.port;
      await main.devhub!.close();
      const refused = once(main.hub, 'refused');
      // a testnet hub where the main devnet's hub was
      impostor = await startDevHub({ port, params: NETWORK_PARAMS.testnet });
      await refused;

      const h = await health();
      assert.equal(h.status, 503);
      assert.equal(h.body.main!.hub, 'refused');
      assert.match(h.body.main!.error!, /alt 2/);
      assert.equal(h.body.test!.hub, 'connected');

      const count = async () => (await app.runtime.db.kysely.selectFrom('purchases').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
      const taken = Number(await count());
      const res = await purchase();
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, { result: 'error', error: 'payout failed, try again later' });
      assert.equal(Number(await count()), taken, 'no order taken');
    });
  });
}
