import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.ts';
import { balance, post } from '../../src/storage/ledger.ts';
import { finishSignedSweeps, sendSweep, type SweepChain, type SweepComposed } from '../../src/services/sweeps.ts';
import type { ChainFailure } from '../../src/services/payouts/ports.ts';

/** A hub that fails as told and remembers every joint it was given. */
class FakeChain implements SweepChain {
  posted: string[] = [];
  accepted = new Set<string>();
  next: Array<ChainFailure> = [];
  composeSweep(): never {
    throw new Error('not used');
  }
  async post(joint: string): Promise<{ ok: true } | ChainFailure> {
    this.posted.push(joint);
    const failure = this.next.shift();
    if (failure) return failure;
    this.accepted.add(joint);
    return { ok: true };
  }
  async exists(unit: string): Promise<boolean> {
    return [...this.accepted].some((j) => j.includes(unit));
  }
}

const sweep = (n: number): SweepComposed => ({ unit: `unit-${n}`, joint: `{"unit":"unit-${n}"}`, fee: 500n, amount: 10_000n });
const hubDown: ChainFailure = { ok: false, error: 'hub unreachable', transient: true };

for (const kind of STORE_KINDS) {
  describe(`sweeps on ${kind}`, () => {
    let store: TestStore;
    before(async () => {
      store = await openTestStore(kind);
      await post(store.db.kysely, 'main', [{ from: 'external', to: 'pool', amount: 1_000_000n, kind: 'deposit' }], Date.now());
    });
    after(() => store.dispose());

    const unitRow = (unit: string) => store.db.kysely.selectFrom('units').selectAll().where('unit', '=', unit).executeTakeFirstOrThrow();

    test('a sweep is stored signed, broadcast, and its fee posted once', async () => {
      const chain = new FakeChain();
      const pool = await balance(store.db.kysely, 'main', 'pool');
      assert.equal(await sendSweep(store.db, 'main', chain, 'sweep', sweep(1), Date.now()), 'sent');
      assert.equal((await unitRow('unit-1')).status, 'sent');
      assert.equal(await balance(store.db.kysely, 'main', 'pool'), pool - 500n);
      assert.equal(await finishSignedSweeps(store.db, 'main', chain, Date.now()), true);
      assert.equal(chain.posted.length, 1);
      assert.equal(await balance(store.db.kysely, 'main', 'pool'), pool - 500n);
    });

    test('a sweep the hub did not take is broadcast again as the very same joint, and posted once', async () => {
      const chain = new FakeChain();
      const pool = await balance(store.db.kysely, 'main', 'pool');
      chain.next.push(hubDown, hubDown);
      assert.equal(await sendSweep(store.db, 'main', chain, 'sweep', sweep(2), Date.now()), 'retry');
      assert.equal((await unitRow('unit-2')).status, 'signed');
      assert.equal(await balance(store.db.kysely, 'main', 'pool'), pool, 'nothing posted before the hub has it');
      assert.equal(await finishSignedSweeps(store.db, 'main', chain, Date.now()), false);
      assert.equal(await finishSignedSweeps(store.db, 'main', chain, Date.now()), true);
      assert.deepEqual(chain.posted, Array(3).fill(sweep(2).joint));
      const row = await unitRow('unit-2');
      assert.equal(row.status, 'sent');
      assert.equal(BigInt(row.attempts), 2n);
      assert.equal(await balance(store.db.kysely, 'main', 'pool'), pool - 500n);
    });

    test('a sweep refused for good is marked failed and posts nothing', async () => {
      const chain = new FakeChain();
      const pool = await balance(store.db.kysely, 'main', 'pool');
      chain.next.push({ ok: false, error: 'double spend', transient: false });
      assert.equal(await sendSweep(store.db, 'main', chain, 'sweep', sweep(3), Date.now()), 'rejected');
      assert.equal((await unitRow('unit-3')).status, 'failed');
      assert.equal(await balance(store.db.kysely, 'main', 'pool'), pool);
      assert.equal(await finishSignedSweeps(store.db, 'main', chain, Date.now()), true);
      assert.equal(chain.posted.length, 1);
    });
  });
}
