import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.ts';
import { post, balance, balances, depositAccount } from '../../src/storage/ledger.ts';

for (const kind of STORE_KINDS) {
  describe(`ledger on ${kind}`, () => {
    let store: TestStore;
    before(async () => {
      store = await openTestStore(kind);
    });
    after(() => store.dispose());

    test('postings move money between accounts and always sum to zero', async () => {
      const db = store.db.kysely;
      assert.deepEqual(await post(db, 'main', [{ from: 'external', to: 'pool', amount: 1_000_000n, kind: 'topup' }], 1), { ok: true });
      assert.deepEqual(await post(db, 'main', [{ from: 'pool', to: 'reserved', amount: 400n, kind: 'reserve' }], 2), { ok: true });
      assert.equal(await balance(db, 'main', 'pool'), 999_600n);
      assert.equal(await balance(db, 'main', 'reserved'), 400n);
      assert.equal(await balance(db, 'test', 'pool'), 0n, 'networks are separate');
      const total = [...(await balances(db, 'main')).values()].reduce((a, b) => a + b, 0n);
      assert.equal(total, 0n);
    });

    test('a floored account cannot go below zero, and the shortfall is named', async () => {
      const db = store.db.kysely;
      const result = await post(db, 'main', [{ from: depositAccount('p1'), to: 'reserved', amount: 1n, kind: 'reserve' }], 3);
      assert.deepEqual(result, { ok: false, short: 'deposit:p1' });
      await assert.rejects(
        store.db.kysely.transaction().execute(async (tx) => {
          await post(tx, 'main', [{ from: 'pool', to: 'reserved', amount: 10n, kind: 'reserve' }], 4);
          const r = await post(tx, 'main', [{ from: 'pool', to: 'reserved', amount: 10n ** 15n, kind: 'reserve' }], 4);
          if (!r.ok) throw new Error('short');
        }),
        /short/,
      );
      assert.equal(await balance(db, 'main', 'pool'), 999_600n, 'the rolled back transaction changed nothing');
    });
  });
}
