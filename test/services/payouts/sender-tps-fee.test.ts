// The payout sender against the devhub's tps fee rules (ocore validateTpsFee): a unit refused for good for its
// tps fee gives way to a fresh unit at the fee the hub asks, its payouts paid once; and a unit that overpaid is
// followed by units paying 0 that the hub accepts.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore, queueTestPayout, STORE_KINDS, type TestStore } from '../../helpers/stores.ts';
import { HubPayoutChain } from '../../../src/chain/hub-payout-chain.ts';
import { HubClient, isTransientHubError, type ParentsRequest } from '../../../src/obyte/hub-client.ts';
import type { ParentsProps, Unit } from '../../../src/obyte/types.ts';
import { PayoutSender } from '../../../src/services/payouts/sender.ts';
import { PayoutWaiters } from '../../../src/services/payouts/waiters.ts';
import { startDevHub, type DevHub } from '../../../src/devhub/index.ts';
import { actualTpsFeeFor, resolveTpsFeeVars, tpsFeeFor } from '../../../src/devhub/tps-fee.ts';
import { newKey, randomAddress, waitFor } from '../../devhub/support.ts';

/** A hub connection whose next quotes for `payer` ask 1 byte less tps fee than the hub will require (a stale or wrong quote). */
class UndercutQuotes extends HubClient {
  undercuts = 0;
  payer = '';
  override async getParentsAndLastBall(req: ParentsRequest): Promise<ParentsProps> {
    const props = await super.getParentsAndLastBall(req);
    if (this.undercuts === 0 || req.from_addresses[0] !== this.payer) return props;
    this.undercuts--;
    return { ...props, tps_fee: props.tps_fee - 1 };
  }
}

const vars = resolveTpsFeeVars();

for (const kind of STORE_KINDS) {
  describe(`payout sender and tps fees on ${kind}`, () => {
    let store: TestStore;
    let hub: DevHub;
    let client: UndercutQuotes;
    let sender: PayoutSender;
    let chain: HubPayoutChain;
    let nowMs = 1_800_000_000_000;
    const hot = newKey();

    before(async () => {
      store = await openTestStore(kind);
      hub = await startDevHub({ port: 0, stabilityDelayMs: 60_000, now: () => nowMs });
      client = new UndercutQuotes({ url: hub.url, requestTimeoutMs: 5000, reconnectMinMs: 20, reconnectMaxMs: 100 });
      await client.connect();
      // genesis, the oracle's funding and these six units share one second: the hot wallet's first unit pays tpsFeeFor(8)
      for (let i = 0; i < 6; i++) await hub.faucet(hot.address, 1_000_000);
      hub.stabilize();
      sender = new PayoutSender({
        db: store.db,
        network: 'main',
        chain: (chain = new HubPayoutChain(client, hot, hub.params)),
        waiters: new PayoutWaiters(store.db, 0),
        maxPerUnit: 127,
        leaseMs: 5000,
        maxTpsFeePerPayout: 1000n,
      });
      sender.start();
    });
    after(async () => {
      await sender.stop();
      await client.close();
      await hub.close();
      await store.dispose();
    });

    const payout = (id: string) => store.db.kysely.selectFrom('payouts').selectAll().where('id', '=', `pay_${id}`).executeTakeFirstOrThrow();
    const sentUnit = async (id: string): Promise<Unit> => {
      const unit = await waitFor(`payout ${id} sent`, async () => {
        const row = await payout(id);
        return row.status === 'sent' ? row.unit! : undefined;
      });
      const joint = hub.getJoint(unit);
      assert.ok(joint, `the hub has unit ${unit}`);
      return joint.unit;
    };

    test('a unit refused for its tps fee is replaced by a fresh one at the fee the hub asks, paid once', async () => {
      const payee = randomAddress();
      client.undercuts = 1;
      client.payer = hot.address;
      await queueTestPayout(store.db, 'tps1', payee, 10_000n);
      sender.poke();
      const accepted = await sentUnit('tps1');
      assert.equal(accepted.tps_fee, tpsFeeFor(8, vars), 'the fresh unit pays the full quote');

      const units = await store.db.kysely.selectFrom('units').select(['unit', 'status', 'last_error']).where('network', '=', 'main').execute();
      const refused = units.filter((u) => u.status === 'failed');
      assert.equal(refused.length, 1);
      const required = tpsFeeFor(8, vars);
      const text = `tps_fee ${required - 1} + tps fees balance 0 less than required ${required} for address ${hot.address} whose share is 1`;
      assert.equal(refused[0]!.last_error, text);
      assert.equal(isTransientHubError(text), false, 'not worth posting the same unit again');
      assert.equal(hub.getJoint(refused[0]!.unit), null);
      assert.equal(Number((await payout('tps1')).attempts), 1);
      assert.deepEqual(hub.balance(payee), { stable: 0, pending: 10_000 }, 'paid once');
    });

    test('after a unit that overpaid its tps fee, the next payout units pay 0 and are accepted', async () => {
      hub.stabilize();
      // charged without the multiplier: the rest is the hot wallet's balance
      const balance = tpsFeeFor(8, vars) - actualTpsFeeFor(8, vars);
      nowMs += 11_000;
      const units: Unit[] = [];
      for (let k = 0; tpsFeeFor(k, vars) <= balance && k < 3; k++) {
        await queueTestPayout(store.db, `free${k}`, randomAddress(), 20_000n);
        sender.poke();
        units.push(await sentUnit(`free${k}`));
      }
      assert.equal(units.length, 3);
      assert.deepEqual(units.map((u) => u.tps_fee), [0, 0, 0]);
      // a textcoin's address has no balance: its allowance rests on the fee a new address is asked, not on 0
      assert.equal(chain.lastTpsFee, tpsFeeFor(2, vars));
      const fees = await store.db.kysely.selectFrom('units').select(['unit', 'fee']).where('unit', 'in', units.map((u) => u.unit!)).execute();
      for (const u of units) {
        const row = fees.find((f) => f.unit === u.unit);
        assert.equal(BigInt(row!.fee), BigInt(u.headers_commission! + u.payload_commission!), 'the ledger counts no tps fee for them');
      }
    });
  });
}
