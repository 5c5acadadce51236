// The partners' daily budgets: program-funded cashback per partner, network and hour, in micro-USD.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Db } from './db.ts';
import type { Database, NetworkName } from './schema.ts';
import { prepared } from './prepared.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export const HOUR_MS = 3_600_000;
/**
 * The rolling 24 h are the current hour and the 24 before it: a purchase counts for 24 to 25 hours, never less, so
 * no 24 h span ever holds more than the budget.
 */
export const BUDGET_HOURS = 25;

export const hourOf = (ms: number): number => Math.floor(ms / HOUR_MS);

/**
 * Adds to the partner's hour and returns that hour's new total with the sum of the window's earlier hours: one
 * statement. The subquery leaves the modified hour out, so that both dialects read it alike (it sees the other
 * hours as they were when the statement began).
 */
const addToHour = prepared<
  { network: NetworkName; partner_id: string; hour: bigint; from_hour: bigint; amount: bigint },
  { used_micro_usd: bigint | number; earlier: bigint | number | string | null }
>((db, param) =>
  db
    .insertInto('partner_budget_hours')
    .values({ network: param('network'), partner_id: param('partner_id'), hour: param('hour'), used_micro_usd: param('amount') })
    .onConflict((oc) =>
      oc
        .columns(['network', 'partner_id', 'hour'])
        .doUpdateSet({ used_micro_usd: sql`partner_budget_hours.used_micro_usd + ${param('amount')}` }),
    )
    .returning((eb) => [
      'used_micro_usd',
      eb
        .selectFrom('partner_budget_hours as earlier')
        .select(sql<bigint | null>`sum(earlier.used_micro_usd)`.as('sum'))
        .where('earlier.network', '=', param('network'))
        .where('earlier.partner_id', '=', param('partner_id'))
        .where('earlier.hour', '>=', param('from_hour'))
        .where('earlier.hour', '<', param('hour'))
        .as('earlier'),
    ]),
);

const usedSince = prepared<{ network: NetworkName; partner_id: string; from_hour: bigint }, { used: bigint | number | string | null }>(
  (db, param) =>
    db
      .selectFrom('partner_budget_hours')
      .select(sql<bigint | null>`sum(used_micro_usd)`.as('used'))
      .where('network', '=', param('network'))
      .where('partner_id', '=', param('partner_id'))
      .where('hour', '>=', param('from_hour')),
);

/** Micro-USD the partner's program-funded cashback used in the window that ends in `hour`. */
export async function budgetUsed(db: Executor, network: NetworkName, partnerId: string, hour: number): Promise<bigint> {
  const row = (await usedSince.run(db, { network, partner_id: partnerId, from_hour: BigInt(hour - BUDGET_HOURS + 1) })).rows[0];
  return row?.used === null || row?.used === undefined ? 0n : BigInt(row.used);
}

/**
 * Adds `amount` to the partner's current hour inside the purchase's transaction and returns the window's total
 * (this addition included), in one statement. The caller rolls the transaction back when it passes the budget.
 *
 * Exact under concurrency: on SQLite one writer at a time; on PostgreSQL the purchase's transaction has already
 * locked the network's pool balance row (every program-funded reservation debits it, ledger.ts), so two purchases
 * of one network pass this point one after the other and the second reads the first's committed hours.
 */
export async function chargeBudget(tx: Executor, network: NetworkName, partnerId: string, hour: number, amount: bigint): Promise<bigint> {
  const from = BigInt(hour - BUDGET_HOURS + 1);
  const row = (await addToHour.run(tx, { network, partner_id: partnerId, hour: BigInt(hour), from_hour: from, amount })).rows[0];
  if (!row) throw new Error('budget upsert returned no row');
  return BigInt(row.used_micro_usd) + (row.earlier === null ? 0n : BigInt(row.earlier));
}

/** Gives back what a purchase charged, to the hour it was charged in (a refunded payout); nothing once that hour is pruned. */
export async function releaseBudget(tx: Executor, network: NetworkName, partnerId: string, hour: number, amount: bigint): Promise<void> {
  await tx
    .updateTable('partner_budget_hours')
    .set({ used_micro_usd: sql`case when used_micro_usd > ${amount} then used_micro_usd - ${amount} else 0 end` })
    .where('network', '=', network)
    .where('partner_id', '=', partnerId)
    .where('hour', '=', BigInt(hour))
    .execute();
}

/** Deletes the hours no window reaches any more. */
export async function pruneBudgetHours(db: Db, now: number): Promise<void> {
  await db.kysely.deleteFrom('partner_budget_hours').where('hour', '<', BigInt(hourOf(now) - BUDGET_HOURS)).execute();
}

/** Sets a partner's budget (decimal USD text), or null to follow the configured default. */
export async function updatePartnerBudget(db: Db, partnerId: string, usd: string | null): Promise<void> {
  await db.kysely.updateTable('partners').set({ daily_budget_usd: usd }).where('id', '=', partnerId).execute();
}
