import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.ts';
import { sharedTransaction } from '../../src/storage/db.ts';
import { BUDGET_HOURS, HOUR_MS, budgetUsed, chargeBudget, hourOf, pruneBudgetHours, releaseBudget } from '../../src/storage/budgets.ts';
import { pruneAuthFailures, recordAuthFailure } from '../../src/storage/auth-failures.ts';
import { addPartner } from '../../src/services/partners.ts';

for (const kind of STORE_KINDS) {
  describe(`budget hours and auth failure counts on ${kind}`, () => {
    let store: TestStore;
    let partnerId = '';
    before(async () => {
      store = await openTestStore(kind);
      const added = await addPartner(store.db, 'p');
      assert.ok(added.ok);
      partnerId = added.value.partner.id;
    });
    after(() => store.dispose());

    test('the window is the current hour and the 24 before it; networks and hours are counted apart', async () => {
      const now = 500_000 * HOUR_MS + 123;
      const h = hourOf(now);
      const charge = (hour: number, amount: bigint, network: 'main' | 'test' = 'main') =>
        sharedTransaction(store.db, (tx) => chargeBudget(tx, network, partnerId, hour, amount));
      assert.equal(await charge(h - BUDGET_HOURS, 1_000n), 1_000n, 'alone in its own window');
      assert.equal(await charge(h - BUDGET_HOURS + 1, 20n), 1_020n);
      assert.equal(await charge(h, 300n), 320n, 'the hour 25 before has left the window');
      assert.equal(await charge(h, 4_000n), 4_320n);
      assert.equal(await charge(h, 7n, 'test'), 7n);
      assert.equal(await budgetUsed(store.db.kysely, 'main', partnerId, h + 1), 4_300n);

      await sharedTransaction(store.db, (tx) => releaseBudget(tx, 'main', partnerId, h, 300n));
      assert.equal(await budgetUsed(store.db.kysely, 'main', partnerId, h), 4_020n);
      // never below zero, whatever is given back
      await sharedTransaction(store.db, (tx) => releaseBudget(tx, 'main', partnerId, h - BUDGET_HOURS + 1, 1_000n));
      assert.equal(await budgetUsed(store.db.kysely, 'main', partnerId, h), 4_000n);

      await pruneBudgetHours(store.db, now);
      const hours = await store.db.kysely.selectFrom('partner_budget_hours').select('hour').where('network', '=', 'main').orderBy('hour').execute();
      // nothing is old enough yet: the oldest hour is just outside the window
      assert.deepEqual(hours.map((r) => Number(r.hour)), [h - BUDGET_HOURS, h - BUDGET_HOURS + 1, h]);
      await pruneBudgetHours(store.db, now + HOUR_MS);
      const left = await store.db.kysely.selectFrom('partner_budget_hours').select('hour').where('network', '=', 'main').orderBy('hour').execute();
      assert.deepEqual(left.map((r) => Number(r.hour)), [h - BUDGET_HOURS + 1, h]);
    });

    test('auth failures count within a window, start again after it, and are pruned', async () => {
      const t = 1_000_000;
      assert.deepEqual(await recordAuthFailure(store.db, 'k1', t, 1000), { failures: 1, since: t });
      assert.deepEqual(await recordAuthFailure(store.db, 'k1', t + 500, 1000), { failures: 2, since: t });
      assert.deepEqual(await recordAuthFailure(store.db, 'k2', t + 500, 1000), { failures: 1, since: t + 500 });
      assert.deepEqual(await recordAuthFailure(store.db, 'k1', t + 1000, 1000), { failures: 1, since: t + 1000 });
      await pruneAuthFailures(store.db, t + 1500, 1000);
      const rows = await store.db.kysely.selectFrom('auth_failures').select('client_key').orderBy('client_key').execute();
      assert.deepEqual(rows.map((r) => r.client_key), ['k1']);
    });
  });
}
