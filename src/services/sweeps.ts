import type { Transaction } from 'kysely';
import type { Db } from '../storage/db.ts';
import type { Database, KeyDerivation, NetworkName } from '../storage/schema.ts';
import { depositAccount, post, type Posting } from '../storage/ledger.ts';
import type { ChainFailure } from './payouts/ports.ts';

/**
 * Sweeps move everything an address of ours holds to the hot wallet: a partner's deposit or the pool's funding
 * address (`sweep`), or an unclaimed textcoin (`takeback`). Like payouts, a sweep is stored signed before it is
 * broadcast, and after a crash the very same joint is broadcast again; its ledger postings are made once, when
 * the hub has accepted it.
 */
export type SweepKind = 'sweep' | 'takeback';

/**
 * Whose coins to sweep: our own derived address, or a textcoin's (its key comes from the mnemonic, by the rule its
 * address was derived with).
 */
export type SweepSource = { address: string; textcoin?: { mnemonic: string; keyDerivation: KeyDerivation } };

export interface SweepComposed {
  unit: string;
  joint: string;
  fee: bigint;
  /** Bytes that reach the hot wallet. */
  amount: bigint;
}

export interface SweepChain {
  /** Composes and signs a unit sending all `source` holds to the hot wallet; null when it holds nothing. */
  composeSweep(source: SweepSource): Promise<{ ok: true; value: SweepComposed | null } | ChainFailure>;
  post(joint: string): Promise<{ ok: true } | ChainFailure>;
  exists(unit: string): Promise<boolean>;
}

type Tx = Transaction<Database>;
type Outcome = 'sent' | 'retry' | 'rejected';

/** Stores the signed sweep, with whatever `record` writes in the same transaction, then broadcasts it. */
export async function sendSweep(
  db: Db,
  network: NetworkName,
  chain: SweepChain,
  kind: SweepKind,
  composed: SweepComposed,
  now: number,
  record?: (tx: Tx) => Promise<void>,
): Promise<Outcome> {
  await db.kysely.transaction().execute(async (tx) => {
    await tx
      .insertInto('units')
      .values({
        unit: composed.unit,
        network,
        kind,
        joint: composed.joint,
        status: 'signed',
        fee: composed.fee,
        outputs_total: composed.amount,
        attempts: 0,
        last_error: null,
        created_at: now,
        sent_at: null,
      })
      .execute();
    await record?.(tx);
  });
  return broadcastSweep(db, network, chain, composed.unit, composed.joint, now);
}

/** Broadcasts again every sweep left signed by a crash or a hub failure. False while some still wait. */
export async function finishSignedSweeps(db: Db, network: NetworkName, chain: SweepChain, now: number): Promise<boolean> {
  const signed = await db.kysely
    .selectFrom('units')
    .select(['unit', 'joint'])
    .where('network', '=', network)
    .where('kind', 'in', ['sweep', 'takeback'])
    .where('status', '=', 'signed')
    .orderBy('created_at')
    .execute();
  let done = true;
  for (const u of signed) {
    if ((await broadcastSweep(db, network, chain, u.unit, u.joint, now)) === 'retry') done = false;
  }
  return done;
}

async function broadcastSweep(db: Db, network: NetworkName, chain: SweepChain, unit: string, joint: string, now: number): Promise<Outcome> {
  const posted = await chain.post(joint);
  if (posted.ok || (!posted.transient && (await chain.exists(unit)))) {
    await db.kysely.transaction().execute((tx) => settleSent(tx, network, unit, now));
    return 'sent';
  }
  await db.kysely
    .updateTable('units')
    .set((eb) => ({ attempts: eb('attempts', '+', 1n), last_error: posted.error }))
    .where('unit', '=', unit)
    .execute();
  if (posted.transient) return 'retry';
  // Refused for good (a textcoin claimed at the same moment, say): nothing moved, so nothing is posted.
  await db.kysely.transaction().execute(async (tx) => {
    await tx.updateTable('units').set({ status: 'failed' }).where('unit', '=', unit).execute();
    await tx.updateTable('textcoins').set({ closing_unit: null }).where('closing_unit', '=', unit).where('status', '=', 'funded').execute();
  });
  return 'rejected';
}

async function settleSent(tx: Tx, network: NetworkName, unit: string, now: number): Promise<void> {
  const row = await tx
    .updateTable('units')
    .set({ status: 'sent', sent_at: now, last_error: null })
    .where('unit', '=', unit)
    .where('status', '=', 'signed')
    .returning(['kind', 'fee', 'outputs_total'])
    .executeTakeFirst();
  if (!row) return;
  const fee = BigInt(row.fee);
  let postings: Posting[];
  if (row.kind === 'takeback') {
    postings = await takeBackPostings(tx, unit, fee, BigInt(row.outputs_total), now);
  } else {
    // Network fees are the program's (contract §5.7), even when a partner's deposit is swept.
    postings = [{ from: 'pool', to: 'fees', amount: fee, kind: 'sweep_fee', ref: unit }];
  }
  const result = await post(tx, network, postings, now);
  if (!result.ok) throw new Error(`ledger: ${result.short} is short for ${row.kind} ${unit}`);
}

/**
 * A textcoin taken back: its fee goes to the network, the partner's share back to the partner's deposit, the
 * rest (the program's share and the unused claim allowance) back to the pool. Bytes someone else sent to the
 * textcoin address come in as income to the pool.
 */
async function takeBackPostings(tx: Tx, unit: string, fee: bigint, swept: bigint, now: number): Promise<Posting[]> {
  const coin = await tx
    .selectFrom('textcoins')
    .innerJoin('payouts', 'payouts.id', 'textcoins.payout_id')
    .innerJoin('purchases', 'purchases.id', 'payouts.purchase_id')
    .select(['textcoins.payout_id', 'payouts.amount', 'purchases.partner_id', 'purchases.partner_share'])
    .where('textcoins.closing_unit', '=', unit)
    .executeTakeFirstOrThrow();
  await tx.updateTable('textcoins').set({ status: 'taken_back', closed_at: now }).where('payout_id', '=', coin.payout_id).execute();
  const held = BigInt(coin.amount);
  const onChain = swept + fee;
  const ref = coin.payout_id;
  const postings: Posting[] = [];
  if (onChain > held) postings.push({ from: 'external', to: 'textcoins', amount: onChain - held, kind: 'textcoin_extra', ref });
  // Less on the address than we put there cannot happen without a claim; it is recorded as paid out.
  if (onChain < held) postings.push({ from: 'textcoins', to: 'paid', amount: held - onChain, kind: 'textcoin_short', ref });
  const partnerBack = minBig(BigInt(coin.partner_share), swept);
  postings.push(
    { from: 'textcoins', to: 'fees', amount: fee, kind: 'takeback_fee', ref: unit },
    { from: 'textcoins', to: depositAccount(coin.partner_id), amount: partnerBack, kind: 'takeback', ref },
    { from: 'textcoins', to: 'pool', amount: swept - partnerBack, kind: 'takeback', ref },
  );
  return postings;
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
