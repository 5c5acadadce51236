import type { Kysely } from 'kysely';

/**
 * How each purchase was priced, so that a bad rate can be traced to the purchases it priced: per pair the value
 * used, its source, the source's own time (and the oracle's unit), and the sources it was checked against (JSON).
 * Purchases taken before this migration have only `rates` (the values) and keep NULL here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('purchases').addColumn('rate_sources', 'text').execute();
}
