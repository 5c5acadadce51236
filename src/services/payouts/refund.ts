import type { Transaction } from 'kysely';
import type { Database, NetworkName } from '../../storage/schema.ts';
import { depositAccount, post, type Posting } from '../../storage/ledger.ts';
import { hourOf, releaseBudget } from '../../storage/budgets.ts';
import { Dec, usdToMicroCeil } from '../../domain/money.ts';

/**
 * Fails payouts that were never put in a unit: the reserved money goes back to the pool and the partner's
 * deposit, and the order_id (and purchase_unit) are freed so the order can be sent again; the program-funded part
 * is given back to the partner's daily budget (nothing was paid, so nothing counts).
 * Only payouts still `queued` are touched; returns the ids actually failed.
 */
export async function failQueuedPayouts(
  tx: Transaction<Database>,
  network: NetworkName,
  payoutIds: readonly string[],
  reason: string,
  now: number,
): Promise<string[]> {
  if (payoutIds.length === 0) return [];
  const rows = await tx
    .updateTable('payouts')
    .set({ status: 'failed', last_error: reason, updated_at: now })
    .where('id', 'in', payoutIds)
    .where('status', '=', 'queued')
    .returning(['id', 'purchase_id', 'amount'])
    .execute();
  const postings: Posting[] = [];
  const budgets: Array<{ partnerId: string; hour: number; amount: bigint }> = [];
  for (const row of rows) {
    const purchase = await tx
      .updateTable('purchases')
      .set({ status: 'failed', active_order_id: null, active_purchase_unit: null })
      .where('id', '=', row.purchase_id)
      .returning(['partner_id', 'partner_share', 'program_share', 'program_usd', 'created_at'])
      .executeTakeFirstOrThrow();
    if (BigInt(purchase.program_share) > 0n) {
      budgets.push({ partnerId: purchase.partner_id, hour: hourOf(Number(purchase.created_at)), amount: usdToMicroCeil(Dec(purchase.program_usd)) });
    }
    const partnerShare = BigInt(purchase.partner_share);
    postings.push(
      { from: 'reserved', to: depositAccount(purchase.partner_id), amount: partnerShare, kind: 'refund', ref: row.id },
      { from: 'reserved', to: 'pool', amount: BigInt(row.amount) - partnerShare, kind: 'refund', ref: row.id },
    );
  }
  // One post for all: it locks the balance rows in its fixed order, which calls per payout would not keep.
  if (postings.length > 0) {
    const result = await post(tx, network, postings, now);
    if (!result.ok) throw new Error(`ledger: reserved is short refunding ${rows.map((r) => r.id).join(', ')}`);
  }
  // After the ledger, as a purchase charges its budget after its reservation: the same lock order on PostgreSQL.
  budgets.sort((a, b) => (a.partnerId < b.partnerId ? -1 : a.partnerId > b.partnerId ? 1 : a.hour - b.hour));
  for (const b of budgets) await releaseBudget(tx, network, b.partnerId, b.hour, b.amount);
  return rows.map((r) => r.id);
}
