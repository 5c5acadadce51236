import type { Kysely } from 'kysely';

/**
 * Issue 12, money side:
 * - `partner_receiving_addresses`: where each partner is paid, per network; a GBYTE purchase_unit must pay there.
 *   An address belongs to one partner per network, so no partner can quote a payment made to another.
 * - `partners.daily_budget_usd`: the operator's limit on the program-funded cashback of a partner per rolling
 *   24 h (NULL: the configured default, PARTNER_DAILY_BUDGET_USD).
 * - `partner_budget_hours`: what the program funded per partner, network and hour, in micro-USD (rounded up),
 *   summed over the last hours for the budget check: a few rows per partner, never a scan of its purchases.
 * - `auth_failures`: failed authentications per (client, partner name) in the current window, shared by every API
 *   process on the store; `client_key` is a hash, so neither a long name nor an address is kept as sent.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('partner_receiving_addresses')
    .addColumn('network', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('partner_receiving_addresses_pk', ['network', 'address'])
    .execute();
  await db.schema
    .createIndex('partner_receiving_addresses_partner')
    .on('partner_receiving_addresses')
    .columns(['partner_id', 'network'])
    .execute();

  await db.schema.alterTable('partners').addColumn('daily_budget_usd', 'text').execute();
  await db.schema
    .createTable('partner_budget_hours')
    .addColumn('network', 'text', (c) => c.notNull())
    .addColumn('partner_id', 'text', (c) => c.notNull())
    .addColumn('hour', 'bigint', (c) => c.notNull())
    .addColumn('used_micro_usd', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('partner_budget_hours_pk', ['network', 'partner_id', 'hour'])
    .execute();

  await db.schema
    .createTable('auth_failures')
    .addColumn('client_key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'bigint', (c) => c.notNull())
    .addColumn('since', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('auth_failures_since').on('auth_failures').columns(['since']).execute();
}
