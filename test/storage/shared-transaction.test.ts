import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.ts';
import { sharedTransaction } from '../../src/storage/db.ts';
import { balance, post } from '../../src/storage/ledger.ts';

for (const kind of STORE_KINDS) {
  describe(`shared transactions on ${kind}`, () => {
    let store: TestStore;
    before(async () => {
      store = await openTestStore(kind);
    });
    after(() => store.dispose());

    test('writers that come together succeed or fail each on its own', async () => {
      await post(store.db.kysely, 'main', [{ from: 'external', to: 'pool', amount: 100n, kind: 'topup' }], 1);
      const take = (amount: bigint) =>
        sharedTransaction(store.db, async (tx) => {
          const moved = await post(tx, 'main', [{ from: 'pool', to: 'reserved', amount, kind: 'reserve' }], 2);
          if (!moved.ok) throw new Error(`short: ${moved.short}`);
          return amount;
        });
      const outcomes = await Promise.allSettled([take(60n), take(50n), take(40n), take(1n)]);
      const taken = outcomes.reduce((sum, o) => sum + (o.status === 'fulfilled' ? o.value : 0n), 0n);
      assert.equal(await balance(store.db.kysely, 'main', 'reserved'), taken);
      assert.equal(await balance(store.db.kysely, 'main', 'pool'), 100n - taken);
      if (kind === 'sqlite') {
        // One shared transaction, writers in arrival order, as if they had run one after the other.
        assert.deepEqual(
          outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message)),
          [60n, 'short: pool', 40n, 'short: pool'],
        );
      }
    });

    test('a failed writer leaves no trace, even of the rows it wrote before failing', async () => {
      const before = await balance(store.db.kysely, 'main', 'fees');
      await assert.rejects(
        sharedTransaction(store.db, async (tx) => {
          await post(tx, 'main', [{ from: 'external', to: 'fees', amount: 5n, kind: 'test' }], 3);
          throw new Error('changed my mind');
        }),
        /changed my mind/,
      );
      const kept = sharedTransaction(store.db, (tx) => post(tx, 'main', [{ from: 'external', to: 'fees', amount: 7n, kind: 'test' }], 4));
      assert.deepEqual(await kept, { ok: true });
      assert.equal(await balance(store.db.kysely, 'main', 'fees'), before + 7n);
    });
  });
}
