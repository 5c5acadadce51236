import type { Db } from '../storage/db.ts';
import type { NetworkName } from '../storage/schema.ts';
import { post, type Account } from '../storage/ledger.ts';
import { isUniqueViolation } from '../storage/errors.ts';
import { finishSignedSweeps, sendSweep, type SweepChain } from './sweeps.ts';

export interface IncomingPayment {
  unit: string;
  messageIndex: number;
  outputIndex: number;
  address: string;
  amount: bigint;
  stable: boolean;
  /** Authors of the paying unit. */
  authors: string[];
}

/** What deposit crediting needs from the network (implemented over a hub in src/chain/). */
export interface DepositChain {
  incoming(addresses: readonly string[]): Promise<IncomingPayment[]>;
  /** Those of the addresses that hold bytes, stable ones or any (one request per 100 addresses, not one each). */
  holding(addresses: readonly string[], which: 'stable' | 'total'): Promise<string[]>;
}

export interface WatchedAddress {
  address: string;
  account: Account;
}

/**
 * Credits stable payments that arrive at the pool's funding address and the partners' deposit addresses,
 * exactly once each (the output's identity is the key of chain_credits), then sweeps the funds to the hot wallet.
 * Payments between our own addresses (sweeps, change) are not credits.
 */
export async function creditDeposits(
  db: Db,
  network: NetworkName,
  chain: DepositChain,
  watched: readonly WatchedAddress[],
  ownAddresses: ReadonlySet<string>,
  now = Date.now(),
): Promise<{ credited: number; bytes: bigint }> {
  const accountOf = new Map(watched.map((w) => [w.address, w.account]));
  const payments = await chain.incoming(watched.map((w) => w.address));
  let credited = 0;
  let bytes = 0n;
  for (const p of payments) {
    const account = accountOf.get(p.address);
    if (!account || !p.stable || p.authors.some((a) => ownAddresses.has(a))) continue;
    try {
      await db.kysely.transaction().execute(async (tx) => {
        await tx
          .insertInto('chain_credits')
          .values({
            network,
            unit: p.unit,
            message_index: p.messageIndex,
            output_index: p.outputIndex,
            address: p.address,
            amount: p.amount,
            account,
            credited_at: now,
          })
          .execute();
        await post(tx, network, [{ from: 'external', to: account, amount: p.amount, kind: 'deposit', ref: p.unit }], now);
      });
      credited++;
      bytes += p.amount;
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
    }
  }
  return { credited, bytes };
}

/**
 * Sweeps whatever the watched addresses hold to the hot wallet; the program pays the network fee. Sweeps left
 * signed by a crash go out first, so an address is never swept twice over.
 */
export async function sweepDeposits(
  db: Db,
  network: NetworkName,
  chain: DepositChain & SweepChain,
  addresses: readonly string[],
  now = Date.now(),
): Promise<number> {
  if (!(await finishSignedSweeps(db, network, chain, now))) return 0;
  let swept = 0;
  // Only final payments are swept: one that may still turn out a double spend must not fund payouts.
  for (const address of await chain.holding(addresses, 'stable')) {
    const composed = await chain.composeSweep({ address });
    if (!composed.ok) {
      // Funds still arriving, a definition not yet stable, the hub away: the next scan tries again.
      if (composed.transient) continue;
      throw new Error(`sweep of ${address}: ${composed.error}`);
    }
    if (composed.value && (await sendSweep(db, network, chain, 'sweep', composed.value, now)) === 'sent') swept++;
  }
  return swept;
}
