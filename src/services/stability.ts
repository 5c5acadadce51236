import type { Db } from '../storage/db.ts';
import type { NetworkName } from '../storage/schema.ts';

const UNITS_PER_TRANSACTION = 8;

/** Where a unit we sent stands on the hub. */
export type UnitState = 'stable' | 'unstable' | 'missing';

export interface UnitWatch {
  unitState(unit: string): Promise<UnitState>;
}

/**
 * Moves sent units, and the payouts they carry, to `stable` once the network has made them final. Returns the
 * units the hub does not know: they were accepted once, so their absence is for the operator to see.
 *
 * Payout units all come from the hot address, one after the other, and a unit must have every earlier unit of
 * its author among its ancestors (ocore's serial rule). So when one is stable, so are all payout units stored
 * before it: a binary search finds the newest stable one in a few requests, however many units are waiting.
 * Sweeps come from other addresses and are asked one by one.
 */
export async function markStableUnits(
  db: Db,
  network: NetworkName,
  chain: UnitWatch,
  limit = 1000,
): Promise<{ stable: number; missing: string[] }> {
  const sent = (kinds: Array<'payout' | 'sweep' | 'takeback'>) =>
    db.kysely
      .selectFrom('units')
      .select(['unit', 'created_at'])
      .where('network', '=', network)
      .where('status', '=', 'sent')
      .where('kind', 'in', kinds)
      .orderBy('created_at')
      .limit(limit)
      .execute();
  const missing: string[] = [];
  const state = async (unit: string) => {
    const s = await chain.unitState(unit);
    if (s === 'missing') missing.push(unit);
    return s;
  };

  const payouts = await sent(['payout']);
  // Invariant of the search: units before `lo` are stable, units from `hi` on are not known to be.
  let lo = 0;
  let hi = payouts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((await state(payouts[mid]!.unit)) === 'stable') lo = mid + 1;
    else hi = mid;
  }
  const stable = payouts.slice(0, lo).map((u) => u.unit);
  for (const u of await sent(['sweep', 'takeback'])) if ((await state(u.unit)) === 'stable') stable.push(u.unit);

  // A payout unit carries up to 127 payouts, each an index update: a few units per transaction, and a turn of the
  // event loop between them, so that requests are not held up (500 units at once held the thread for 36 ms).
  for (let i = 0; i < stable.length; i += UNITS_PER_TRANSACTION) {
    if (i > 0) await new Promise((resolve) => setImmediate(resolve));
    const chunk = stable.slice(i, i + UNITS_PER_TRANSACTION);
    await db.kysely.transaction().execute(async (tx) => {
      await tx.updateTable('units').set({ status: 'stable' }).where('unit', 'in', chunk).where('status', '=', 'sent').execute();
      await tx.updateTable('payouts').set({ status: 'stable' }).where('unit', 'in', chunk).where('status', '=', 'sent').execute();
    });
  }
  return { stable: stable.length, missing };
}
