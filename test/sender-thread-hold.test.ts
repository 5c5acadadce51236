// A payout sender held by its host (the network's hub is refused) pays nothing until it is released.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDevHub, type DevHub } from '../src/devhub/index.ts';
import { walletKey } from '../src/obyte/keys.ts';
import { NETWORK_PARAMS } from '../src/obyte/constants.ts';
import { startSenderThread } from '../src/sender-thread.ts';
import type { PayoutOutcome } from '../src/services/payouts/outcomes.ts';
import { openTestStore, queueTestPayout, STORE_KINDS, type TestStore } from './helpers/stores.ts';

const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const hot = walletKey(MNEMONIC, 3);
const customer = walletKey(MNEMONIC, 4).address;

for (const kind of STORE_KINDS) {
  describe(`held payout sender thread on ${kind}`, () => {
    let store: TestStore;
    let hub: DevHub;
    before(async () => {
      store = await openTestStore(kind);
      hub = await startDevHub({ port: 0, genesis: [{ address: hot.address, amount: 1_000_000_000 }], tpsFee: { tps_fee_multiplier: 0 } });
    });
    after(async () => {
      await hub.close();
      await store.dispose();
    });

    test('nothing is composed or broadcast while held; the payout goes out once released', async () => {
      const settled: PayoutOutcome[] = [];
      let onSettle: () => void = () => undefined;
      const paid = new Promise<void>((resolve) => (onSettle = resolve));
      const thread = await startSenderThread(
        {
          store: store.location,
          network: 'main',
          hubTimeoutMs: 5000,
          hot,
          protocol: NETWORK_PARAMS.devnet,
          maxPerUnit: 127,
          leaseMs: 30_000,
          maxTpsFeePerPayout: 1000n,
          minUnitIntervalMs: 0,
        },
        {
          settle: (_ids, outcome) => {
            settled.push(outcome);
            onSettle();
          },
          textcoinsFunded: () => undefined,
          log: () => undefined,
        },
        Promise.resolve(hub.url),
      );
      try {
        thread.hold('the hub is on another network');
        // the hold crosses to the worker thread like any message: let it arrive before the payout is queued
        await new Promise((r) => setTimeout(r, 300));
        await queueTestPayout(store.db, 'h', customer, 25_000n);
        thread.poke();
        await new Promise((r) => setTimeout(r, 1500));
        assert.equal(settled.length, 0);
        const row = await store.db.kysely.selectFrom('payouts').select('status').where('id', '=', 'pay_h').executeTakeFirstOrThrow();
        assert.equal(row.status, 'queued', 'still queued, nothing signed');
        assert.equal(hub.balance(customer).pending + hub.balance(customer).stable, 0);

        thread.hold(null);
        await paid;
        assert.equal(settled[0]!.status, 'sent');
      } finally {
        await thread.stop();
      }
    });
  });
}
