import { sql, type Kysely } from 'kysely';

/**
 * Indexes of the purchase and payout paths, measured under load.
 * - Every purchase writes each index of its row, and the purchase insert is the heaviest statement of the request
 *   path. `purchases_order` served no query (orders are found through `purchases_active_order`), and the
 *   purchase_unit index held a NULL entry for every purchase not paid in GBYTE; partial, it holds only the GBYTE
 *   purchases that hold their unit, with the same uniqueness (NULLs never collided).
 * - The sender takes the queue in (created_at, id) order; without `id` in the index SQLite sorted the whole
 *   queue for every unit.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('purchases_order').execute();
  await db.schema.dropIndex('purchases_purchase_unit').execute();
  await db.schema
    .createIndex('purchases_purchase_unit')
    .on('purchases')
    .columns(['network', 'active_purchase_unit'])
    .unique()
    .where(sql.ref('active_purchase_unit'), 'is not', null)
    .execute();
  await db.schema.dropIndex('payouts_queue').execute();
  await db.schema.createIndex('payouts_queue').on('payouts').columns(['network', 'status', 'created_at', 'id']).execute();
}
