// Failed authentications per (client, partner name), shared by every API process on the store.
import { sql } from 'kysely';
import type { Db } from './db.ts';
import { prepared } from './prepared.ts';

const countFailure = prepared<{ client_key: string; now: bigint; window_start: bigint }, { failures: bigint | number; since: bigint | number }>(
  (db, param) =>
    db
      .insertInto('auth_failures')
      .values({ client_key: param('client_key'), failures: 1, since: param('now') })
      .onConflict((oc) =>
        // a window that has passed starts again with this failure
        oc.column('client_key').doUpdateSet({
          failures: sql`case when auth_failures.since <= ${param('window_start')} then 1 else auth_failures.failures + 1 end`,
          since: sql`case when auth_failures.since <= ${param('window_start')} then ${param('now')} else auth_failures.since end`,
        }),
      )
      .returning(['failures', 'since']),
);

/** Counts one failure for the client key in the window of `windowMs`; returns the window's count and start. */
export async function recordAuthFailure(db: Db, clientKey: string, now: number, windowMs: number): Promise<{ failures: number; since: number }> {
  const row = (await countFailure.run(db.kysely, { client_key: clientKey, now: BigInt(now), window_start: BigInt(now - windowMs) })).rows[0];
  if (!row) throw new Error('auth failure upsert returned no row');
  return { failures: Number(row.failures), since: Number(row.since) };
}

/** Deletes the counts whose window has passed. */
export async function pruneAuthFailures(db: Db, now: number, windowMs: number): Promise<void> {
  await db.kysely.deleteFrom('auth_failures').where('since', '<=', BigInt(now - windowMs)).execute();
}
