import type { Db } from '../storage/db.ts';
import type { NetworkName } from '../storage/schema.ts';
import { post } from '../storage/ledger.ts';
import type { SecretBox } from './secret-box.ts';
import { finishSignedSweeps, sendSweep, type SweepChain } from './sweeps.ts';

/** What closing textcoins needs from the network (implemented over a hub in src/chain/). */
export interface TextcoinChain extends SweepChain {
  /** Those of the addresses that hold any bytes. */
  holding(addresses: readonly string[], which: 'stable' | 'total'): Promise<string[]>;
  /** Units the address has authored: claiming a textcoin spends from its address. */
  authored(address: string): Promise<string[]>;
}

export interface TextcoinClosingDeps {
  db: Db;
  network: NetworkName;
  chain: TextcoinChain;
  box: SecretBox;
  ttlDays: number;
  log?: (level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>) => void;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Addresses per balance request (ocore's light/get_balances limit). */
const BATCH = 100;

/**
 * One pass over the funded textcoins of a network. A textcoin whose address is empty and has authored a unit was
 * claimed: its bytes count as paid. One still unclaimed `ttlDays` after it was sent is taken back: swept to the
 * hot wallet, its amount returned to the partner's deposit and the pool (see sweeps.ts).
 */
export async function closeTextcoins(deps: TextcoinClosingDeps, now: number): Promise<{ claimed: number; takenBack: number }> {
  const { db, network, chain } = deps;
  const counts = { claimed: 0, takenBack: 0 };
  if (!(await finishSignedSweeps(db, network, chain, now))) return counts;
  const open = await db.kysely
    .selectFrom('textcoins')
    .innerJoin('payouts', 'payouts.id', 'textcoins.payout_id')
    .select(['textcoins.payout_id', 'textcoins.address', 'textcoins.mnemonic_enc', 'textcoins.key_derivation', 'textcoins.created_at', 'payouts.amount', 'payouts.unit'])
    .where('textcoins.network', '=', network)
    .where('textcoins.status', '=', 'funded')
    .where('textcoins.closing_unit', 'is', null)
    .orderBy('textcoins.created_at')
    .execute();
  for (let i = 0; i < open.length; i += BATCH) {
    const batch = open.slice(i, i + BATCH);
    const holding = new Set(await chain.holding(batch.map((t) => t.address), 'total'));
    for (const coin of batch) {
      if (!holding.has(coin.address)) {
        const claim = (await chain.authored(coin.address))[0];
        if (claim) {
          await markClaimed(db, network, coin.payout_id, BigInt(coin.amount), claim, now);
          counts.claimed++;
        } else {
          deps.log?.('error', 'a funded textcoin holds nothing and was never spent', { network, address: coin.address, unit: coin.unit });
        }
        continue;
      }
      if (Number(coin.created_at) + deps.ttlDays * DAY_MS > now) continue;
      const textcoin = { mnemonic: deps.box.open(coin.mnemonic_enc), keyDerivation: coin.key_derivation };
      const composed = await chain.composeSweep({ address: coin.address, textcoin });
      if (!composed.ok) {
        deps.log?.(composed.transient ? 'warn' : 'error', 'cannot take a textcoin back', { network, address: coin.address, error: composed.error });
        continue;
      }
      if (!composed.value) continue; // claimed since the balance was read: the next pass sees it
      const outcome = await sendSweep(db, network, chain, 'takeback', composed.value, now, async (tx) => {
        await tx.updateTable('textcoins').set({ closing_unit: composed.value!.unit }).where('payout_id', '=', coin.payout_id).execute();
      });
      if (outcome === 'sent') counts.takenBack++;
    }
  }
  return counts;
}

async function markClaimed(db: Db, network: NetworkName, payoutId: string, amount: bigint, claimUnit: string, now: number): Promise<void> {
  await db.kysely.transaction().execute(async (tx) => {
    const updated = await tx
      .updateTable('textcoins')
      .set({ status: 'claimed', closed_at: now, closing_unit: claimUnit })
      .where('payout_id', '=', payoutId)
      .where('status', '=', 'funded')
      .where('closing_unit', 'is', null)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) return;
    const result = await post(tx, network, [{ from: 'textcoins', to: 'paid', amount, kind: 'textcoin_claimed', ref: payoutId }], now);
    if (!result.ok) throw new Error(`ledger: textcoins is short for the claim of ${payoutId}`);
  });
}
