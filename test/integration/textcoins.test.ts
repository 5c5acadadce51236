import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { startTestApp, form, type TestApp } from '../helpers/app.ts';
import { STORE_KINDS } from '../helpers/stores.ts';
import { balance } from '../../src/storage/ledger.ts';
import { readFileSync } from 'node:fs';
import { legacyBip32TextcoinKey, textcoinKey } from '../../src/obyte/keys.ts';
import { SecretBox } from '../../src/services/secret-box.ts';
import { secretKey } from '../../src/wallet.ts';
import { composeWithHub } from '../../src/obyte/light-wallet.ts';

const CLAIMER = 'KSCCYOEMOMUMJXROLK4HWLTJBWFXICRB';
/** derivation.json: mnemonics whose keys at m, m/44' or m/44'/0' start with 0x00, so the old BIP32 rule gave other textcoin addresses. */
const SHORT_KEY_MNEMONICS = (
  JSON.parse(readFileSync(new URL('../fixtures/vectors/derivation.json', import.meta.url), 'utf8')) as {
    cases: Array<{ mnemonic: string; short_parent_keys: string[] }>;
  }
).cases
  .filter((c) => c.short_parent_keys.some((p) => p !== "m/44'/0'/0'"))
  .map((c) => c.mnemonic.split(' ').join('-'));
const DAY_MS = 24 * 60 * 60 * 1000;

interface Received {
  to: string[];
  raw: string;
}

/** A real SMTP server that keeps what it receives. */
async function startSmtpSink(
  refuseOnce: Set<string> = new Set(),
): Promise<{ url: string; inbox: Received[]; next(to: string): Promise<Received>; close(): Promise<void> }> {
  const inbox: Received[] = [];
  const waiting: Array<() => void> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, done) {
      if (!refuseOnce.delete(address.address)) return done();
      done(Object.assign(new Error('mailbox busy, try again later'), { responseCode: 451 }));
    },
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        for (const wake of waiting.splice(0)) wake();
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    inbox,
    async next(to) {
      for (;;) {
        const found = inbox.find((m) => m.to.includes(to));
        if (found) return found;
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The plain-text body, quoted-printable decoded: the claim link must survive the trip intact. The test app runs
 * devnets, whose links are the URI a devnet wallet opens (ocore uri.js: `obyte-dn:`), never the livenet web wallet's.
 */
function claimMnemonic(raw: string): string {
  const decoded = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  assert.doesNotMatch(decoded, /https:\/\/obyte\.org\/#textcoin/, 'a devnet textcoin must not be sent as a livenet link');
  const link = /obyte-dn:textcoin\?([a-z]+(?:-[a-z]+){11})\s/.exec(decoded);
  assert.ok(link, `no claim link in the message:\n${decoded}`);
  return link[1]!;
}

for (const kind of STORE_KINDS) {
  describe(`textcoins on ${kind}`, () => {
    let app: TestApp;
    let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
    let seq = 0;
    const purchase = (email: string, over: Record<string, string | number> = {}) =>
      app.post(
        '/new_purchase',
        form({
          partner: app.partner.name,
          partner_key: app.partner.key,
          customer: email,
          order_id: `tc-${kind}-${++seq}`,
          address: email,
          currency: 'USD',
          currency_amount: '85',
          ...over,
        }),
      );
    const textcoinOf = async (unit: string) =>
      app.runtime.db.kysely
        .selectFrom('textcoins')
        .innerJoin('payouts', 'payouts.id', 'textcoins.payout_id')
        .select(['textcoins.address', 'textcoins.status', 'textcoins.closing_unit', 'textcoins.key_derivation', 'payouts.id', 'payouts.amount', 'payouts.cashback'])
        .where('payouts.unit', '=', unit)
        .executeTakeFirstOrThrow();

    before(async () => {
      smtp = await startSmtpSink();
      app = await startTestApp(kind, { SMTP_URL: smtp.url, MAIL_FROM: 'Cashback <cashback@example.org>' });
    });
    after(async () => {
      await app.close();
      await smtp.close();
    });

    test('the e-mail arrives with a claim link, and claiming it through the hub moves the funds', async () => {
      const res = await purchase('alice@example.com');
      assert.equal(res.json.result, 'ok', JSON.stringify(res.json));
      const cashback = BigInt(res.json.cashback_amount as number);
      assert.equal(cashback, 1_000_000_000n, '10% of 85 USD at 8.5 USD per GBYTE');

      const mail = await smtp.next('alice@example.com');
      assert.match(mail.raw, /Subject: Your cashback: 1 GB/);
      const mnemonic = claimMnemonic(mail.raw);
      const key = textcoinKey(mnemonic);
      const coin = await textcoinOf(res.json.unit as string);
      assert.equal(coin.address, key.address, 'the link opens the funded textcoin');
      assert.equal(coin.key_derivation, 'bitcore');
      assert.equal(coin.status, 'funded');
      assert.ok(BigInt(coin.amount) > cashback, 'the textcoin carries the claim fee on top of the cashback');

      const { hub, devhub } = app.runtime.networks.main;
      await devhub!.stabilize();
      const before = await devhub!.balance(CLAIMER);
      const claim = await composeWithHub(hub, {
        params: app.runtime.config.networks.main.protocol,
        key,
        outputs: [{ address: CLAIMER, amount: 0 }],
        sendAll: true,
      });
      assert.ok(claim.ok, JSON.stringify(claim));
      await hub.postJoint({ unit: claim.unit });
      const after = await devhub!.balance(CLAIMER);
      const received = BigInt(after.stable + after.pending - before.stable - before.pending);
      // The claim pays its own fee out of the textcoin; the allowance on top of the cashback is ocore's estimate of it.
      assert.equal(received, BigInt(coin.amount) - BigInt(claim.fee));

      const textcoinsBefore = await balance(app.runtime.db.kysely, 'main', 'textcoins');
      assert.deepEqual(await app.runtime.closeTextcoins('main'), { claimed: 1, takenBack: 0 });
      const closed = await textcoinOf(res.json.unit as string);
      assert.equal(closed.status, 'claimed');
      assert.equal(closed.closing_unit, claim.unit.unit);
      assert.equal(await balance(app.runtime.db.kysely, 'main', 'textcoins'), textcoinsBefore - BigInt(coin.amount));
      assert.deepEqual(await app.runtime.closeTextcoins('main', Date.now() + 30 * DAY_MS), { claimed: 0, takenBack: 0 });
    });

    test('an unclaimed textcoin is taken back after 7 days, to the pool and the partner deposit', async () => {
      const res = await purchase('bob@example.com', { partner_cashback_percentage: '5' });
      assert.equal(res.json.result, 'ok', JSON.stringify(res.json));
      await smtp.next('bob@example.com');
      const coin = await textcoinOf(res.json.unit as string);
      const purchaseRow = await app.runtime.db.kysely
        .selectFrom('purchases')
        .select(['partner_share'])
        .where('unit', '=', res.json.unit as string)
        .where('recipient', '=', 'bob@example.com')
        .executeTakeFirstOrThrow();
      const partnerShare = BigInt(purchaseRow.partner_share);
      assert.ok(partnerShare > 0n);
      const { devhub, hot } = app.runtime.networks.main;
      await devhub!.stabilize();

      const db = app.runtime.db.kysely;
      const deposit = `deposit:${app.partner.id}` as const;
      const [pool0, deposit0, textcoins0] = await Promise.all([balance(db, 'main', 'pool'), balance(db, 'main', deposit), balance(db, 'main', 'textcoins')]);
      const hot0 = await devhub!.balance(hot.address);

      assert.deepEqual(await app.runtime.closeTextcoins('main', Date.now() + 6 * DAY_MS), { claimed: 0, takenBack: 0 }, 'not yet');
      assert.deepEqual(await app.runtime.closeTextcoins('main', Date.now() + 7 * DAY_MS + 60_000), { claimed: 0, takenBack: 1 });

      const closed = await textcoinOf(res.json.unit as string);
      assert.equal(closed.status, 'taken_back');
      assert.ok(closed.closing_unit);
      const unit = await db.selectFrom('units').selectAll().where('unit', '=', closed.closing_unit).executeTakeFirstOrThrow();
      assert.equal(unit.kind, 'takeback');
      assert.equal(unit.status, 'sent');
      const fee = BigInt(unit.fee);
      const swept = BigInt(unit.outputs_total);
      assert.equal(swept + fee, BigInt(coin.amount), 'everything on the textcoin came back, less the fee');
      const hot1 = await devhub!.balance(hot.address);
      assert.equal(BigInt(hot1.stable + hot1.pending - hot0.stable - hot0.pending), swept, 'the hot wallet received it');
      const coinBalance = await devhub!.balance(coin.address);
      assert.equal(coinBalance.stable + coinBalance.pending, 0);

      assert.equal(await balance(db, 'main', deposit), deposit0 + partnerShare, "the partner's share is back in its deposit");
      assert.equal(await balance(db, 'main', 'pool'), pool0 + swept - partnerShare, 'the rest is back in the pool');
      assert.equal(await balance(db, 'main', 'textcoins'), textcoins0 - BigInt(coin.amount));
      assert.deepEqual(await app.runtime.closeTextcoins('main', Date.now() + 30 * DAY_MS), { claimed: 0, takenBack: 0 }, 'taken back once');
    });

    test('textcoins funded at their BIP32 address before keys followed bitcore are still taken back, or marked claimed', async () => {
      const db = app.runtime.db.kysely;
      const { devhub, hub, hot } = app.runtime.networks.main;
      const box = new SecretBox(await secretKey(app.config));
      // Two textcoins as the release before migration 0004 made them: taken through the API, then their rows given a
      // mnemonic whose old (BIP32) address is not the one Obyte wallets open, that address, and its funding.
      const legacy = [];
      for (const [i, mnemonic] of SHORT_KEY_MNEMONICS.slice(0, 2).entries()) {
        const key = legacyBip32TextcoinKey(mnemonic);
        assert.notEqual(key.address, textcoinKey(mnemonic).address, 'the customer\'s wallet opens another address');
        const res = await purchase(`old${i}@example.com`);
        assert.equal(res.json.result, 'ok', JSON.stringify(res.json));
        await smtp.next(`old${i}@example.com`);
        const coin = await textcoinOf(res.json.unit as string);
        await db.updateTable('textcoins').set({ address: key.address, mnemonic_enc: box.seal(mnemonic), key_derivation: 'bip32' }).where('payout_id', '=', coin.id).execute();
        await db.updateTable('payouts').set({ address: key.address }).where('id', '=', coin.id).execute();
        await devhub!.faucet(key.address, Number(coin.amount));
        legacy.push({ key, payoutId: coin.id, amount: BigInt(coin.amount) });
      }
      await devhub!.stabilize();
      const [taken, claimed] = legacy as [(typeof legacy)[0], (typeof legacy)[0]];
      // the second one was claimed with the old key (a wallet that derives by BIP32 can)
      const claim = await composeWithHub(hub, { params: app.runtime.config.networks.main.protocol, key: claimed.key, outputs: [{ address: CLAIMER, amount: 0 }], sendAll: true });
      assert.ok(claim.ok, JSON.stringify(claim));
      await hub.postJoint({ unit: claim.unit });

      const textcoins0 = await balance(db, 'main', 'textcoins');
      const hot0 = await devhub!.balance(hot.address);
      assert.deepEqual(await app.runtime.closeTextcoins('main', Date.now() + 7 * DAY_MS + 60_000), { claimed: 1, takenBack: 1 });

      const row = (id: string) => db.selectFrom('textcoins').select(['status', 'closing_unit']).where('payout_id', '=', id).executeTakeFirstOrThrow();
      assert.deepEqual(await row(claimed.payoutId), { status: 'claimed', closing_unit: claim.unit.unit });
      const closed = await row(taken.payoutId);
      assert.equal(closed.status, 'taken_back');
      const unit = await db.selectFrom('units').selectAll().where('unit', '=', closed.closing_unit!).executeTakeFirstOrThrow();
      assert.equal(unit.status, 'sent');
      const joint = JSON.parse(unit.joint) as { unit: { authors: Array<{ address: string }> } };
      assert.deepEqual(joint.unit.authors.map((a) => a.address), [taken.key.address], 'signed with the BIP32 key of the stored address');
      assert.equal(BigInt(unit.outputs_total) + BigInt(unit.fee), taken.amount);
      const left = await devhub!.balance(taken.key.address);
      assert.equal(left.stable + left.pending, 0);
      const hot1 = await devhub!.balance(hot.address);
      assert.equal(BigInt(hot1.stable + hot1.pending - hot0.stable - hot0.pending), BigInt(unit.outputs_total), 'the hot wallet received it');
      assert.equal(await balance(db, 'main', 'textcoins'), textcoins0 - taken.amount - claimed.amount);
    });
  });
}

describe('textcoin e-mails the mail server refuses', () => {
  let app: TestApp;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  const refused = new Set(['busy@example.com']);
  before(async () => {
    smtp = await startSmtpSink(refused);
    app = await startTestApp('sqlite', { SMTP_URL: smtp.url, SCAN_INTERVAL_MS: '200', TEXTCOIN_CHECK_MS: '200' });
  });
  after(async () => {
    await app.close();
    await smtp.close();
  });

  test('are sent again on a later pass, and the others are not held up', async () => {
    const post = (email: string, order: string) =>
      app.post('/new_purchase', form({ partner: app.partner.name, partner_key: app.partner.key, customer: email, order_id: order, address: email, currency: 'USD', currency_amount: '20' }));
    const [busy, other] = await Promise.all([post('busy@example.com', 'busy-1'), post('other@example.com', 'other-1')]);
    assert.equal(busy.json.result, 'ok', JSON.stringify(busy.json));
    assert.equal(other.json.result, 'ok', JSON.stringify(other.json));
    await smtp.next('other@example.com');
    const retried = await smtp.next('busy@example.com');
    assert.equal(claimMnemonic(retried.raw).split('-').length, 12);
    assert.equal(refused.size, 0, 'the first attempt was refused');
    assert.equal(smtp.inbox.filter((m) => m.to.includes('busy@example.com')).length, 1);
  });
});
