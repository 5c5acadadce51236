// Reconciliation against a fake network: clean, each kind of difference, and money in flight.
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { post, depositAccount, type Account } from '../../src/storage/ledger.ts';
import type { IncomingPayment } from '../../src/services/deposits.ts';
import { gb, reconcileNetwork, type ReconcileChain, type WalletAddresses } from '../../src/services/reconcile.ts';
import { HubDepositChain } from '../../src/chain/hub-deposit-chain.ts';
import type { HubClient } from '../../src/obyte/hub-client.ts';
import { openTestStore, type TestStore } from '../helpers/stores.ts';

const A = (c: string) => c.repeat(32);
const HOT = A('H');
const FUNDING = A('F');
const DEPOSIT = A('D');
const CUSTOMER = A('C');
const STRANGER = A('S');
const TEXTCOIN = A('T');
const PARTNER = 'ptn_1';
const addresses: WalletAddresses = { hot: HOT, funding: FUNDING, deposits: [{ partnerId: PARTNER, partner: 'shop', address: DEPOSIT }] };

class FakeChain implements ReconcileChain {
  held = new Map<string, bigint>();
  payments: IncomingPayment[] = [];
  units = new Set<string>();
  spentBy = new Map<string, string[]>();

  async balances(list: readonly string[]) {
    assert.ok(list.length <= 100, 'at most 100 addresses per request');
    return new Map(list.filter((a) => this.held.has(a)).map((a) => [a, this.held.get(a)!]));
  }
  async incoming(list: readonly string[]) {
    return this.payments.filter((p) => list.includes(p.address));
  }
  async exists(unit: string) {
    return this.units.has(unit);
  }
  async authored(address: string) {
    return this.spentBy.get(address) ?? [];
  }
  add(address: string, bytes: bigint) {
    this.held.set(address, (this.held.get(address) ?? 0n) + bytes);
  }
}

let store: TestStore;
let chain: FakeChain;
let n = 0;

const run = (extra: Partial<Parameters<typeof reconcileNetwork>[0]> = {}) =>
  reconcileNetwork({ db: store.db, network: 'main', chain, addresses, ...extra });

/** A stable payment from outside to a watched address, credited as the deposit scanner does. */
async function deposit(address: string, account: Account, amount: bigint, credited = true, stable = true) {
  const unit = `unit${++n}`.padEnd(44, '=');
  chain.payments.push({ unit, messageIndex: 0, outputIndex: 0, address, amount, stable, authors: [STRANGER] });
  chain.add(address, amount);
  if (!credited) return unit;
  await store.db.kysely
    .insertInto('chain_credits')
    .values({ network: 'main', unit, message_index: 0, output_index: 0, address, amount, account, credited_at: 1 })
    .execute();
  assert.deepEqual(await post(store.db.kysely, 'main', [{ from: 'external', to: account, amount, kind: 'deposit', ref: unit }], 1), { ok: true });
  return unit;
}

/** The deposits swept to the hot wallet for a fee of 500. */
async function sweepAll() {
  let total = 0n;
  for (const a of [FUNDING, DEPOSIT]) {
    total += chain.held.get(a) ?? 0n;
    chain.held.delete(a);
  }
  chain.add(HOT, total - 500n);
  await post(store.db.kysely, 'main', [{ from: 'pool', to: 'fees', amount: 500n, kind: 'sweep_fee' }], 1);
}

async function unit(u: string, kind: 'payout' | 'sweep' | 'takeback', status: 'signed' | 'sent', fee: bigint, outputsTotal: bigint) {
  await store.db.kysely
    .insertInto('units')
    .values({ unit: u, network: 'main', kind, joint: '{}', status, fee, outputs_total: outputsTotal, attempts: 0, last_error: null, created_at: 1, sent_at: null })
    .execute();
}

/** A textcoin payout of `amount` sent in its own unit (fee 700): funded on the network and in the ledger. */
async function textcoin(address: string, amount: bigint) {
  const id = `pay_${++n}`;
  await store.db.kysely
    .insertInto('purchases')
    .values({
      id: `pur_${n}`, network: 'main', partner_id: PARTNER, order_id: `o${n}`, active_order_id: `o${n}`, fingerprint: 'f', customer: 'c',
      merchant: null, description: null, recipient_kind: 'email', recipient: 'a@b.c', currency: 'USD', currency_amount: '1', partner_pct: '0',
      purchase_unit: null, active_purchase_unit: null, purchase_unit_verified: 0, rates: '{}', usd_value: '1', purchase_bytes: '1',
      program_share: amount, program_usd: '1', partner_share: 0, cashback_amount: amount, status: 'paid', unit: null, created_at: 1, paid_at: 1,
    })
    .execute();
  await store.db.kysely
    .insertInto('payouts')
    .values({ id, network: 'main', purchase_id: `pur_${n}`, kind: 'textcoin', address, amount, cashback: amount, status: 'sent', unit: null, attempts: 0, last_error: null, created_at: 1, updated_at: 1 })
    .execute();
  await store.db.kysely
    .insertInto('textcoins')
    .values({ payout_id: id, network: 'main', email: 'a@b.c', address, mnemonic_enc: 'x', status: 'funded', emailed_at: null, created_at: 1, closed_at: null, closing_unit: null, key_derivation: 'bitcore' })
    .execute();
  await post(store.db.kysely, 'main', [{ from: 'pool', to: 'reserved', amount, kind: 'reserve' }], 1);
  await post(store.db.kysely, 'main', [{ from: 'reserved', to: 'textcoins', amount, kind: 'payout' }, { from: 'pool', to: 'fees', amount: 700n, kind: 'network_fee' }], 1);
  chain.add(HOT, -(amount + 700n));
  chain.add(address, amount);
  return id;
}

describe('reconcile', () => {
  beforeEach(async () => {
    store = await openTestStore('sqlite');
    chain = new FakeChain();
    await store.db.kysely
      .insertInto('partners')
      .values({ id: PARTNER, name: 'shop', key_hash: 'k', enabled: 1, deposit_index: 0, created_at: 1, key_rotated_at: null })
      .execute();
    await deposit(FUNDING, 'pool', 100_000_000_000n);
    await deposit(DEPOSIT, depositAccount(PARTNER), 5_000_000_000n);
  });
  afterEach(() => store.dispose());

  test('clean: deposits, a sweep, an address payout and a textcoin', async () => {
    await sweepAll();
    await post(store.db.kysely, 'main', [{ from: 'pool', to: 'paid', amount: 1_000_000n, kind: 'payout' }, { from: 'pool', to: 'fees', amount: 600n, kind: 'network_fee' }], 1);
    chain.add(HOT, -1_000_600n);
    await textcoin(TEXTCOIN, 2_000_000n);
    const r = await run();
    assert.deepEqual(r.differences, []);
    assert.equal(r.ok, true);
    assert.equal(r.wallet.difference, 0n);
    assert.equal(r.wallet.ledger, r.wallet.chain);
    assert.equal(r.textcoins.chain, 2_000_000n);
    assert.equal(r.textcoins.ledger, 2_000_000n);
    assert.equal(r.ledger.sum, 0n);
    assert.deepEqual(r.inFlight, []);
  });

  test('a ledger entry with no payment behind it is a wallet difference', async () => {
    await post(store.db.kysely, 'main', [{ from: 'pool', to: 'paid', amount: 1_500_000_000n, kind: 'tampered' }], 1);
    const r = await run();
    assert.equal(r.ok, false);
    assert.equal(r.differences.length, 1);
    const d = r.differences[0]!;
    assert.equal(d.kind, 'wallet');
    assert.equal(d.difference, 1_500_000_000n);
    assert.match(d.message, /more on the network by 1500000000 bytes \(1\.5 GB\)/);
    assert.deepEqual(d.addresses, [HOT, FUNDING, DEPOSIT]);
  });

  test('bytes sent from outside straight to the hot wallet are a difference, not a deposit', async () => {
    await sweepAll();
    chain.add(HOT, 7n);
    const r = await run();
    assert.equal(r.differences.length, 1);
    assert.equal(r.differences[0]!.kind, 'wallet');
    assert.equal(r.differences[0]!.difference, 7n);
  });

  test('payments to watched addresses not yet credited are in flight, stable or not', async () => {
    const unstable = await deposit(DEPOSIT, depositAccount(PARTNER), 3_000n, false, false);
    const uncredited = await deposit(FUNDING, 'pool', 4_000n, false, true);
    const r = await run();
    assert.deepEqual(r.differences, []);
    assert.deepEqual(
      r.inFlight.map((f) => [f.kind, f.unit, f.address, f.amount, f.note]),
      [
        ['deposit', unstable, DEPOSIT, 3_000n, 'not stable yet'],
        ['deposit', uncredited, FUNDING, 4_000n, 'stable, not credited yet'],
      ],
    );
    assert.equal(r.wallet.inFlight, 7_000n);
  });

  test('a payment from one of our own addresses to a watched address is not a credit in flight', async () => {
    // e.g. a payout whose customer address is our funding address: the ledger calls it paid, the bytes stay ours
    chain.payments.push({ unit: 'own'.padEnd(44, '='), messageIndex: 0, outputIndex: 1, address: FUNDING, amount: 9_000n, stable: true, authors: [HOT] });
    chain.add(FUNDING, 9_000n);
    const r = await run();
    assert.deepEqual(r.inFlight, []);
    assert.equal(r.differences[0]?.kind, 'wallet');
    assert.equal(r.differences[0]?.difference, 9_000n);
  });

  test('a signed payout unit: no effect before the hub has it, its outputs and fee once it does', async () => {
    await sweepAll();
    await post(store.db.kysely, 'main', [{ from: 'pool', to: 'reserved', amount: 50_000n, kind: 'reserve' }], 1);
    const u = 'signedpayout'.padEnd(44, '=');
    await unit(u, 'payout', 'signed', 800n, 50_000n);
    let r = await run();
    assert.deepEqual(r.differences, []);
    assert.equal(r.inFlight.length, 1);
    assert.equal(r.inFlight[0]!.kind, 'signed_unit');
    assert.match(r.inFlight[0]!.note, /not on the network yet/);
    assert.match(r.notes.join('\n'), /1 signed unit\(s\) not yet recorded as sent/);

    chain.units.add(u);
    chain.add(HOT, -50_800n);
    r = await run();
    assert.deepEqual(r.differences, []);
    assert.equal(r.inFlight[0]!.walletEffect, -50_800n);
    assert.match(r.inFlight[0]!.note, /on the network, not yet recorded as sent/);
  });

  test('textcoins: extra bytes on a textcoin address are a difference, naming the address', async () => {
    await sweepAll();
    await textcoin(TEXTCOIN, 2_000_000n);
    chain.add(TEXTCOIN, 10n);
    const r = await run();
    assert.deepEqual(r.differences.map((d) => [d.kind, d.difference, d.addresses]), [
      ['textcoin_address', 10n, [TEXTCOIN]],
      ['textcoins', 10n, [TEXTCOIN]],
    ]);
  });

  test('textcoins: an account moved without its textcoin is a difference', async () => {
    await sweepAll();
    await textcoin(TEXTCOIN, 2_000_000n);
    await post(store.db.kysely, 'main', [{ from: 'textcoins', to: 'paid', amount: 2_000_000n, kind: 'tampered' }], 1);
    const r = await run();
    assert.deepEqual(r.differences.map((d) => [d.kind, d.difference]), [
      ['textcoins', 2_000_000n],
      ['textcoins_ledger', -2_000_000n],
    ]);
  });

  test('textcoins: a take-back under way and a claim not yet recorded are in flight', async () => {
    await sweepAll();
    const back = await textcoin(TEXTCOIN, 2_000_000n);
    const claimedAddress = A('Q');
    await textcoin(claimedAddress, 3_000_000n);
    const takeback = 'takeback'.padEnd(44, '=');
    await unit(takeback, 'takeback', 'signed', 900n, 2_000_000n - 900n);
    await store.db.kysely.updateTable('textcoins').set({ closing_unit: takeback }).where('payout_id', '=', back).execute();
    // the take-back is on the network: the textcoin's bytes are on the hot wallet, the ledger still has them as textcoins
    chain.units.add(takeback);
    chain.held.delete(TEXTCOIN);
    chain.add(HOT, 2_000_000n - 900n);
    // someone claimed the other one
    chain.held.delete(claimedAddress);
    chain.spentBy.set(claimedAddress, ['claim'.padEnd(44, '=')]);
    const r = await run();
    assert.deepEqual(r.differences, []);
    assert.deepEqual(r.inFlight.map((f) => f.kind).sort(), ['claim', 'signed_unit', 'takeback']);
    assert.equal(r.textcoins.ledger, 0n);
    assert.equal(r.wallet.inFlight, 2_000_000n - 900n);
  });

  test('a funded textcoin that lost its bytes without spending them is a difference', async () => {
    await sweepAll();
    await textcoin(TEXTCOIN, 2_000_000n);
    chain.held.delete(TEXTCOIN);
    const r = await run();
    assert.deepEqual(r.differences.map((d) => [d.kind, d.difference]), [
      ['textcoin_address', -2_000_000n],
      ['textcoins', -2_000_000n],
    ]);
  });

  test('ledger internal: a negative floored account, balances that disagree with their entries, a sum off zero', async () => {
    await sweepAll();
    await store.db.kysely.insertInto('ledger_balances').values({ network: 'main', account: 'reserved', balance: -5n }).execute();
    const r = await run();
    const kinds = r.differences.map((d) => d.kind);
    assert.ok(kinds.includes('ledger_negative'), kinds.join());
    assert.ok(kinds.includes('ledger_sum'), kinds.join());
    assert.ok(kinds.includes('ledger_entries'), kinds.join());
    assert.equal(r.ledger.sum, -5n);
  });

  test('the hub adapter asks balances 100 addresses at a time and adds stable and pending', async () => {
    const asked: number[] = [];
    const hub = {
      getBalances: async (list: string[]) => {
        asked.push(list.length);
        return Object.fromEntries(list.map((a) => [a, { base: { stable: 2, pending: 3, total: 5 } }]));
      },
    } as unknown as HubClient;
    const adapter = new HubDepositChain(hub, { version: '4.0dev', alt: '3' }, () => undefined, HOT);
    const list = Array.from({ length: 250 }, (_, i) => `X${String(i).padStart(31, '0')}`);
    const held = await adapter.balances(list);
    assert.deepEqual(asked, [100, 100, 50]);
    assert.equal(held.size, 250);
    assert.equal(held.get(list[249]!), 5n);
  });

  test('a difference caught half-way is looked at again', async () => {
    await sweepAll();
    chain.add(HOT, -300n); // a payout on the network whose ledger postings are not made yet
    let slept = 0;
    const r = await run({
      attempts: 3,
      pauseMs: 10,
      sleep: async () => {
        slept++;
        await post(store.db.kysely, 'main', [{ from: 'pool', to: 'paid', amount: 300n, kind: 'payout' }], 1);
      },
    });
    assert.equal(r.ok, true);
    assert.equal(r.passes, 2);
    assert.equal(slept, 1);
  });

  test('gb is exact', () => {
    assert.equal(gb(1_500_000_000n), '1.5');
    assert.equal(gb(-1n), '-0.000000001');
    assert.equal(gb(100_000_000_000_000n), '100000');
  });
});
