import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('partners')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('enabled', 'bigint', (c) => c.notNull())
    .addColumn('deposit_index', 'bigint', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('key_rotated_at', 'bigint')
    .execute();

  await db.schema
    .createTable('purchases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('network', 'text', (c) => c.notNull())
    .addColumn('partner_id', 'text', (c) => c.notNull().references('partners.id'))
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('active_order_id', 'text')
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('customer', 'text', (c) => c.notNull())
    .addColumn('merchant', 'text')
    .addColumn('description', 'text')
    .addColumn('recipient_kind', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('currency_amount', 'text', (c) => c.notNull())
    .addColumn('partner_pct', 'text', (c) => c.notNull())
    .addColumn('purchase_unit', 'text')
    .addColumn('active_purchase_unit', 'text')
    .addColumn('purchase_unit_verified', 'bigint', (c) => c.notNull())
    .addColumn('rates', 'text', (c) => c.notNull())
    .addColumn('usd_value', 'text', (c) => c.notNull())
    .addColumn('purchase_bytes', 'text', (c) => c.notNull())
    .addColumn('program_share', 'bigint', (c) => c.notNull())
    .addColumn('program_usd', 'text', (c) => c.notNull())
    .addColumn('partner_share', 'bigint', (c) => c.notNull())
    .addColumn('cashback_amount', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('unit', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('paid_at', 'bigint')
    .execute();
  // NULLs never collide, so a freed order (active_order_id = NULL) can be taken again.
  await db.schema
    .createIndex('purchases_active_order')
    .on('purchases')
    .columns(['network', 'partner_id', 'active_order_id'])
    .unique()
    .execute();
  await db.schema.createIndex('purchases_order').on('purchases').columns(['network', 'partner_id', 'order_id']).execute();
  await db.schema.createIndex('purchases_created').on('purchases').columns(['network', 'created_at']).execute();
  await db.schema.createIndex('purchases_customer').on('purchases').columns(['network', 'partner_id', 'customer', 'created_at']).execute();
  await db.schema.createIndex('purchases_recipient').on('purchases').columns(['network', 'recipient', 'created_at']).execute();
  // A GBYTE purchase_unit earns cashback once per network.
  await db.schema
    .createIndex('purchases_purchase_unit')
    .on('purchases')
    .columns(['network', 'active_purchase_unit'])
    .unique()
    .execute();

  await db.schema
    .createTable('payouts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('network', 'text', (c) => c.notNull())
    .addColumn('purchase_id', 'text', (c) => c.notNull().references('purchases.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('cashback', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('unit', 'text')
    .addColumn('attempts', 'bigint', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('payouts_queue').on('payouts').columns(['network', 'status', 'created_at']).execute();
  await db.schema.createIndex('payouts_unit').on('payouts').columns(['unit']).execute();
  await db.schema.createIndex('payouts_purchase').on('payouts').columns(['purchase_id']).execute();

  await db.schema
    .createTable('units')
    .addColumn('unit', 'text', (c) => c.primaryKey())
    .addColumn('network', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('joint', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('fee', 'bigint', (c) => c.notNull())
    .addColumn('outputs_total', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'bigint', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .execute();
  await db.schema.createIndex('units_status').on('units').columns(['network', 'status']).execute();

  await db.schema
    .createTable('textcoins')
    .addColumn('payout_id', 'text', (c) => c.primaryKey().references('payouts.id'))
    .addColumn('network', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull().unique())
    .addColumn('mnemonic_enc', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('emailed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('closed_at', 'bigint')
    .addColumn('closing_unit', 'text')
    .execute();
  await db.schema.createIndex('textcoins_status').on('textcoins').columns(['network', 'status', 'created_at']).execute();

  await db.schema
    .createTable('ledger_entries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('network', 'text', (c) => c.notNull())
    .addColumn('from_account', 'text', (c) => c.notNull())
    .addColumn('to_account', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('ref', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ledger_entries_ref').on('ledger_entries').columns(['ref']).execute();

  await db.schema
    .createTable('ledger_balances')
    .addColumn('network', 'text', (c) => c.notNull())
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('balance', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ledger_balances_pk', ['network', 'account'])
    .execute();

  await db.schema
    .createTable('rates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('network', 'text', (c) => c.notNull())
    .addColumn('pair', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('fetched_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('rates_pair').on('rates').columns(['network', 'pair', 'fetched_at']).execute();

  await db.schema
    .createTable('leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('chain_credits')
    .addColumn('network', 'text', (c) => c.notNull())
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('message_index', 'bigint', (c) => c.notNull())
    .addColumn('output_index', 'bigint', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('credited_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('chain_credits_pk', ['network', 'unit', 'message_index', 'output_index'])
    .execute();

  await db.schema
    .createTable('kv')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}
