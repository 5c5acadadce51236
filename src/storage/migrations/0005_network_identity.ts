import type { Kysely } from 'kysely';

/**
 * What each network of the store belongs to, recorded on the store's first start on it: the network kind (livenet,
 * testnet, devnet), the hub's alt and, where known, the network's genesis unit, and the hot wallet's address; on a
 * devnet, whose genesis a light client cannot know, the hub's witness list (recorded at the first hub check) tells
 * one devnet from another. A store started later against another network or wallet is refused: its ledger
 * describes other money.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('network_identity')
    .addColumn('network', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('alt', 'text', (c) => c.notNull())
    .addColumn('genesis_unit', 'text')
    .addColumn('hot_address', 'text', (c) => c.notNull())
    .addColumn('devnet_witnesses', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}
