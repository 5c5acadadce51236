import type { Db } from '../storage/db.ts';
import type { NetworkName } from '../storage/schema.ts';

/** Where a unit we sent stands on the hub. */
export type UnitState = 'stable' | 'unstable' | 'missing';

export interface UnitWatch {
  unitState(unit: string): Promise<UnitState>;
}

/**
 * Moves sent units, and the payouts they carry, to `stable` once the network has made them final, oldest first.
 * Returns the units the hub does not know: they were accepted once, so their absence is for the operator to see.
 */
export async function markStableUnits(
  db: Db,
  network: NetworkName,
  chain: UnitWatch,
  limit = 500,
): Promise<{ stable: number; missing: string[] }> {
  const sent = await db.kysely
    .selectFrom('units')
    .select('unit')
    .where('network', '=', network)
    .where('status', '=', 'sent')
    .orderBy('sent_at')
    .limit(limit)
    .execute();
  let stable = 0;
  const missing: string[] = [];
  for (const { unit } of sent) {
    const state = await chain.unitState(unit);
    if (state === 'missing') missing.push(unit);
    if (state !== 'stable') continue;
    await db.kysely.transaction().execute(async (tx) => {
      await tx.updateTable('units').set({ status: 'stable' }).where('unit', '=', unit).where('status', '=', 'sent').execute();
      await tx.updateTable('payouts').set({ status: 'stable' }).where('unit', '=', unit).where('status', '=', 'sent').execute();
    });
    stable++;
  }
  return { stable, missing };
}
