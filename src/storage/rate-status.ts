import type { Db } from './db.ts';
import type { NetworkName } from './schema.ts';

// The rate cache of a server process keeps its status here after every fetch round, so that `cashback rates`
// (another process) shows what the server uses, and a restarted server still knows the last values it used.
const key = (network: NetworkName) => `rates:${network}`;

/** Stores the status (a JSON-ready object) of a network's rates, replacing the previous one. */
export async function saveRatesStatus(db: Db, network: NetworkName, status: unknown): Promise<void> {
  const value = JSON.stringify(status);
  await db.kysely
    .insertInto('kv')
    .values({ key: key(network), value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

/** The last status stored for a network, or null when no server has stored one yet. */
export async function readRatesStatus(db: Db, network: NetworkName): Promise<unknown> {
  const row = await db.kysely.selectFrom('kv').select('value').where('key', '=', key(network)).executeTakeFirst();
  return row ? (JSON.parse(row.value) as unknown) : null;
}
