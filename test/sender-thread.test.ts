import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevHub, type DevHub } from '../src/devhub/index.ts';
import { walletKey } from '../src/obyte/keys.ts';
import { NETWORK_PARAMS } from '../src/obyte/constants.ts';
import { baseOutputs } from '../src/obyte/payments.ts';
import { startSenderThread, type SenderThread } from '../src/sender-thread.ts';
import type { PayoutOutcome } from '../src/services/payouts/outcomes.ts';
import { openTestStore, queueTestPayout, STORE_KINDS, type TestStore } from './helpers/stores.ts';

const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const hot = walletKey(MNEMONIC, 1);
const customer = walletKey(MNEMONIC, 2).address;

for (const kind of STORE_KINDS) {
  describe(`payout sender thread on ${kind}`, () => {
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

    test('pays a queued payout on the hub and tells the host; stops and releases its lease', async () => {
      const settled: Array<{ ids: string[]; outcome: PayoutOutcome }> = [];
      const logs: string[] = [];
      let onSettle: () => void = () => undefined;
      const paid = new Promise<void>((resolve) => (onSettle = resolve));
      const thread: SenderThread = await startSenderThread(
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
          settle: (ids, outcome) => {
            settled.push({ ids, outcome });
            onSettle();
          },
          textcoinsFunded: () => undefined,
          log: (level, message) => logs.push(`${level}: ${message}`),
        },
        Promise.resolve(hub.url),
      );
      try {
        await queueTestPayout(store.db, 'a', customer, 25_000n);
        thread.poke();
        await paid;
        assert.equal(settled.length, 1);
        assert.deepEqual(settled[0]!.ids, ['pay_a']);
        const outcome = settled[0]!.outcome;
        assert.equal(outcome.status, 'sent');
        if (outcome.status !== 'sent') return;
        const joint = hub.getJoint(outcome.unit);
        assert.ok(joint, 'the hub holds the unit');
        assert.ok(baseOutputs(joint.unit).some((o) => o.address === customer && o.amount === 25_000));
        const row = await store.db.kysely.selectFrom('payouts').select(['status', 'unit']).where('id', '=', 'pay_a').executeTakeFirstOrThrow();
        assert.deepEqual(row, { status: 'sent', unit: outcome.unit });
        assert.equal(thread.lastTpsFee, 0, 'tps fees are off on this hub');
      } finally {
        await thread.stop();
      }
      const lease = await store.db.kysely.selectFrom('leases').select('holder').where('name', '=', `sender:main:${hot.address}`).executeTakeFirst();
      assert.equal(lease, undefined, 'the lease is released');
      assert.deepEqual(logs.filter((l) => l.startsWith('error')), []);
    });

    const data = { network: 'main' as const, hubTimeoutMs: 1000, hot, protocol: NETWORK_PARAMS.devnet, maxPerUnit: 127, leaseMs: 30_000, maxTpsFeePerPayout: 1000n, minUnitIntervalMs: 0 };
    const quiet = { settle: () => undefined, textcoinsFunded: () => undefined, log: () => undefined };

    test('a worker that ends unexpectedly is started again; the next one waits out its lease and pays', async () => {
      process.env.DYING_SENDER_MARKER = join(mkdtempSync(join(tmpdir(), 'cashback-test-')), 'died');
      const logs: string[] = [];
      let onEnded: () => void = () => undefined;
      const ended = new Promise<void>((resolve) => (onEnded = resolve));
      let onSettle: (outcome: PayoutOutcome) => void = () => undefined;
      const settled = new Promise<PayoutOutcome>((resolve) => (onSettle = resolve));
      const thread = await startSenderThread(
        { store: store.location, ...data, leaseMs: 1500 },
        {
          settle: (ids, outcome) => ids.includes('pay_r') && onSettle(outcome),
          textcoinsFunded: () => undefined,
          log: (level, message, extra) => {
            logs.push(`${level}: ${message}`);
            if (message === 'payout sender thread ended; starting another') {
              assert.equal(extra?.code, 3);
              onEnded();
            }
          },
        },
        Promise.resolve(hub.url),
        new URL('./fixtures/dying-sender-worker.ts', import.meta.url),
      );
      const startedAt = Date.now();
      try {
        await ended;
        await queueTestPayout(store.db, 'r', customer, 26_000n);
        thread.poke();
        const outcome = await settled;
        assert.equal(outcome.status, 'sent');
        if (outcome.status !== 'sent') return;
        // The dead worker's lease was taken at its start: the next worker pays only once that lease has run out.
        assert.ok(Date.now() - startedAt >= 1500, 'paid after the lease ran out');
        const row = await store.db.kysely.selectFrom('payouts').select(['status', 'unit']).where('id', '=', 'pay_r').executeTakeFirstOrThrow();
        assert.deepEqual(row, { status: 'sent', unit: outcome.unit });
        assert.deepEqual(baseOutputs(hub.getJoint(outcome.unit)!.unit).filter((o) => o.address === customer && o.amount === 26_000).length, 1);
      } finally {
        await thread.stop();
        delete process.env.DYING_SENDER_MARKER;
      }
      assert.deepEqual(logs.filter((l) => l.startsWith('error')), ['error: payout sender thread ended; starting another']);
    });

    test('a store it cannot open fails the start', async () => {
      // SQLite: a directory that cannot be made (its parent is a file); PostgreSQL: nothing listening.
      const notADir = join(mkdtempSync(join(tmpdir(), 'cashback-test-')), 'file');
      writeFileSync(notADir, '');
      const bad = kind === 'sqlite' ? { kind: 'sqlite' as const, file: join(notADir, 'cashback.sqlite') } : { kind: 'postgres' as const, url: 'postgres://nobody@127.0.0.1:1/none' };
      await assert.rejects(startSenderThread({ store: bad, ...data }, quiet, Promise.resolve(hub.url)));
    });

    test('a hub that fails to start fails the start, and the worker ends', async () => {
      await assert.rejects(startSenderThread({ store: store.location, ...data }, quiet, Promise.reject(new Error('no hub'))), /no hub/);
    });
  });
}
