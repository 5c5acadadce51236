// What network and wallet each ledger of the store belongs to (migration 0005), and what the store knows of the
// wallet's own units on it.
import type { Db } from './db.ts';
import type { NetworkName } from './schema.ts';

export interface NetworkIdentity {
  network: NetworkName;
  kind: 'livenet' | 'testnet' | 'devnet';
  alt: string;
  /** The network's genesis unit where it is known (livenet, testnet); null on a devnet. */
  genesisUnit: string | null;
  hotAddress: string;
}

/** A devnet's witness list as the store recorded it (sorted), or null before the first hub check. */
export async function readDevnetWitnesses(db: Db, network: NetworkName): Promise<string[] | null> {
  const row = await db.kysely.selectFrom('network_identity').select('devnet_witnesses').where('network', '=', network).executeTakeFirst();
  return row?.devnet_witnesses ? row.devnet_witnesses.split(',') : null;
}

/** Records a devnet's witness list unless one is recorded already; returns the one in the store. */
export async function recordDevnetWitnesses(db: Db, network: NetworkName, witnesses: readonly string[]): Promise<string[] | null> {
  await db.kysely
    .updateTable('network_identity')
    .set({ devnet_witnesses: [...witnesses].sort().join(',') })
    .where('network', '=', network)
    .where('devnet_witnesses', 'is', null)
    .execute();
  return readDevnetWitnesses(db, network);
}

export async function readNetworkIdentity(db: Db, network: NetworkName): Promise<NetworkIdentity | null> {
  const row = await db.kysely.selectFrom('network_identity').selectAll().where('network', '=', network).executeTakeFirst();
  if (!row) return null;
  return { network: row.network, kind: row.kind, alt: row.alt, genesisUnit: row.genesis_unit, hotAddress: row.hot_address };
}

/** Records the identity unless one is there already (two processes starting at once); returns the one in the store. */
export async function recordNetworkIdentity(db: Db, identity: NetworkIdentity, now = Date.now()): Promise<NetworkIdentity> {
  await db.kysely
    .insertInto('network_identity')
    .values({
      network: identity.network,
      kind: identity.kind,
      alt: identity.alt,
      genesis_unit: identity.genesisUnit,
      hot_address: identity.hotAddress,
      devnet_witnesses: null,
      created_at: now,
    })
    .onConflict((oc) => oc.column('network').doNothing())
    .execute();
  return (await readNetworkIdentity(db, identity.network))!;
}

/** Whether the store has signed any unit on the network: a store that has not is a new one there. */
export async function hasOwnUnits(db: Db, network: NetworkName): Promise<boolean> {
  const row = await db.kysely.selectFrom('units').select('unit').where('network', '=', network).limit(1).executeTakeFirst();
  return row !== undefined;
}
