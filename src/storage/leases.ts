import type { Db } from './db.ts';

/**
 * Takes or renews a named lease for `holder` until `now + ttlMs`. Exactly one holder has a lease at a time:
 * the row is taken over only when it has expired. Returns whether `holder` holds it now.
 */
export async function acquireLease(db: Db, name: string, holder: string, ttlMs: number, now = Date.now()): Promise<boolean> {
  const expires = BigInt(now + ttlMs);
  await db.kysely
    .insertInto('leases')
    .values({ name, holder, expires_at: expires })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({ holder, expires_at: expires })
        .where((eb) => eb.or([eb('leases.holder', '=', holder), eb('leases.expires_at', '<', BigInt(now))])),
    )
    .execute();
  const row = await db.kysely.selectFrom('leases').select('holder').where('name', '=', name).executeTakeFirst();
  return row?.holder === holder;
}

export async function releaseLease(db: Db, name: string, holder: string): Promise<void> {
  await db.kysely.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
}
