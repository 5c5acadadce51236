// Where partners are paid, per network: a GBYTE purchase_unit earns cashback only when it pays there.
import type { Kysely, Transaction } from 'kysely';
import type { Db } from './db.ts';
import type { Database, NetworkName } from './schema.ts';
import { prepared } from './prepared.ts';
import { isUniqueViolation } from './errors.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export type AddReceivingOutcome = { added: boolean } | { takenBy: string };

/**
 * Registers `address` as the partner's on `network`. Registering it again for the same partner changes nothing
 * (added: false); an address another partner registered is refused with that partner's name.
 */
export async function insertReceivingAddress(
  db: Db,
  row: { network: NetworkName; address: string; partnerId: string; now: number },
): Promise<AddReceivingOutcome> {
  try {
    await db.kysely
      .insertInto('partner_receiving_addresses')
      .values({ network: row.network, address: row.address, partner_id: row.partnerId, created_at: row.now })
      .execute();
    return { added: true };
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
  }
  const owner = await db.kysely
    .selectFrom('partner_receiving_addresses')
    .innerJoin('partners', 'partners.id', 'partner_receiving_addresses.partner_id')
    .select(['partners.id', 'partners.name'])
    .where('partner_receiving_addresses.network', '=', row.network)
    .where('partner_receiving_addresses.address', '=', row.address)
    .executeTakeFirstOrThrow();
  return owner.id === row.partnerId ? { added: false } : { takenBy: owner.name };
}

/** Returns whether the address was the partner's on that network. */
export async function deleteReceivingAddress(db: Db, network: NetworkName, partnerId: string, address: string): Promise<boolean> {
  const res = await db.kysely
    .deleteFrom('partner_receiving_addresses')
    .where('network', '=', network)
    .where('address', '=', address)
    .where('partner_id', '=', partnerId)
    .executeTakeFirst();
  return res.numDeletedRows > 0n;
}

const receivingOf = prepared<{ network: NetworkName; partner_id: string }, { address: string }>((db, param) =>
  db
    .selectFrom('partner_receiving_addresses')
    .select('address')
    .where('partner_id', '=', param('partner_id'))
    .where('network', '=', param('network')),
);

/** The partner's receiving addresses on one network (the purchase path: prepared). */
export async function receivingAddresses(db: Executor, network: NetworkName, partnerId: string): Promise<string[]> {
  return (await receivingOf.run(db, { network, partner_id: partnerId })).rows.map((r) => r.address);
}

/** Every receiving address of the partner, by network then address. */
export async function listReceivingAddresses(db: Db, partnerId: string): Promise<Array<{ network: NetworkName; address: string }>> {
  return db.kysely
    .selectFrom('partner_receiving_addresses')
    .select(['network', 'address'])
    .where('partner_id', '=', partnerId)
    .orderBy('network')
    .orderBy('address')
    .execute();
}

/** Whether any of `addresses` is one of the program's textcoin addresses on the network. */
export async function anyTextcoinAddress(db: Executor, network: NetworkName, addresses: readonly string[]): Promise<boolean> {
  if (addresses.length === 0) return false;
  const row = await db
    .selectFrom('textcoins')
    .select('address')
    .where('network', '=', network)
    .where('address', 'in', addresses)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
