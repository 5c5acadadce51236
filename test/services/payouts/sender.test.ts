import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore, queueTestPayout, STORE_KINDS, type TestStore } from '../../helpers/stores.ts';
import { balance } from '../../../src/storage/ledger.ts';
import { PayoutSender, type SenderOptions } from '../../../src/services/payouts/sender.ts';
import { PayoutWaiters } from '../../../src/services/payouts/waiters.ts';
import type { ChainFailure, Composed, PayoutChain } from '../../../src/services/payouts/ports.ts';

/** A chain whose composer gives the same unit every time (same payouts, parents and second), refused once for good. */
class SameUnitChain implements PayoutChain {
  readonly hotAddress = 'HOT';
  posts = 0;
  async compose(): Promise<Composed | ChainFailure> {
    return { ok: true, unit: 'U1', joint: JSON.stringify({ unit: { unit: 'U1' } }), fee: 500n, tpsFee: 0n };
  }
  async post(): Promise<{ ok: true } | ChainFailure> {
    this.posts++;
    return this.posts === 1 ? { ok: false, error: 'refused', transient: false } : { ok: true };
  }
  async exists(): Promise<boolean> {
    return this.posts > 1;
  }
}

/** A network under load: the tps fee it asks drops only when told. */
class BusyChain implements PayoutChain {
  readonly hotAddress = 'HOT';
  tpsFee = 5_000_000n;
  posted = 0;
  async compose(outputs: ReadonlyArray<{ address: string; amount: bigint }>): Promise<Composed | ChainFailure> {
    return { ok: true, unit: `U${outputs.length}-${this.tpsFee}`, joint: '{}', fee: 600n + this.tpsFee, tpsFee: this.tpsFee };
  }
  async post(): Promise<{ ok: true } | ChainFailure> {
    this.posted++;
    return { ok: true };
  }
  async exists(): Promise<boolean> {
    return true;
  }
}

for (const kind of STORE_KINDS) {
  describe(`payout sender on ${kind}`, () => {
    let store: TestStore;
    before(async () => {
      store = await openTestStore(kind);
    });
    after(() => store.dispose());

    const queuePayout = (n: number) => queueTestPayout(store.db, String(n), 'ADDR', 10_000n);
    /** A sender on the test store with the engine's usual settings, `over` changing some of them. */
    const newSender = (chain: PayoutChain, over: Partial<SenderOptions> = {}) =>
      new PayoutSender({
        db: store.db,
        network: 'main',
        chain,
        waiters: new PayoutWaiters(store.db, 0),
        maxPerUnit: 127,
        leaseMs: 5000,
        maxTpsFeePerPayout: 1000n,
        ...over,
      });
    const payoutStatus = async (n: number) =>
      (await store.db.kysely.selectFrom('payouts').select('status').where('id', '=', `pay_${n}`).executeTakeFirstOrThrow()).status;

    test('a refused unit composed again identically is signed and sent again, once', async () => {
      const db = store.db;
      await queuePayout(1);
      const chain = new SameUnitChain();
      const faults: string[] = [];
      const sender = newSender(chain, {
        log: (_level, message) => {
          if (message === 'payout sender fault') faults.push(message);
        },
      });
      sender.start();
      try {
        for (let i = 0; i < 200; i++) {
          const row = await db.kysely.selectFrom('payouts').select(['status', 'unit']).where('id', '=', 'pay_1').executeTakeFirstOrThrow();
          if (row.status === 'sent') break;
          await new Promise((r) => setTimeout(r, 25));
        }
      } finally {
        await sender.stop();
      }
      const payout = await db.kysely.selectFrom('payouts').select(['status', 'unit', 'attempts']).where('id', '=', 'pay_1').executeTakeFirstOrThrow();
      assert.deepEqual({ status: payout.status, unit: payout.unit, attempts: Number(payout.attempts) }, { status: 'sent', unit: 'U1', attempts: 1 });
      const unit = await db.kysely.selectFrom('units').select(['status']).where('unit', '=', 'U1').executeTakeFirstOrThrow();
      assert.equal(unit.status, 'sent');
      assert.equal(chain.posts, 2);
      assert.deepEqual(faults, []);
      assert.equal(await balance(db.kysely, 'main', 'reserved'), 0n);
      assert.equal(await balance(db.kysely, 'main', 'paid'), 10_000n);
      assert.equal(await balance(db.kysely, 'main', 'fees'), 500n);
    });

    test('a tps fee above the ceiling is not paid: the payout waits until the network calms down', async () => {
      await queuePayout(2);
      const chain = new BusyChain();
      const warnings: string[] = [];
      const sender = newSender(chain, { log: (level, message) => void (level === 'warn' && warnings.push(message)) });
      const fees = await balance(store.db.kysely, 'main', 'fees');
      sender.start();
      try {
        while (warnings.length < 3) await new Promise((r) => setTimeout(r, 10));
        assert.equal(chain.posted, 0);
        assert.equal(await payoutStatus(2), 'queued');
        chain.tpsFee = 800n;
        sender.poke();
        while ((await payoutStatus(2)) !== 'sent') await new Promise((r) => setTimeout(r, 10));
      } finally {
        await sender.stop();
      }
      assert.equal(chain.posted, 1);
      assert.equal(await balance(store.db.kysely, 'main', 'fees'), fees + 1400n);
    });

    test('while payouts keep coming, units go out at most once per interval, the payouts riding together', async () => {
      const chain = new BusyChain();
      chain.tpsFee = 0n;
      const batches: number[] = [];
      const compose = chain.compose.bind(chain);
      chain.compose = (outputs) => {
        batches.push(outputs.length);
        return compose(outputs);
      };
      const sender = newSender(chain, { minUnitIntervalMs: 1000 });
      const sent = async (n: number) => {
        while ((await payoutStatus(n)) !== 'sent') await new Promise((r) => setTimeout(r, 10));
      };
      sender.start();
      try {
        await queuePayout(10);
        sender.poke();
        await sent(10);
        await queuePayout(11);
        sender.poke();
        await queuePayout(12);
        sender.poke();
        await Promise.all([sent(11), sent(12)]);
      } finally {
        await sender.stop();
      }
      assert.deepEqual(batches, [1, 2], 'the lone payout at once, the next two together');
    });
  });
}
