import type { Transaction } from 'kysely';
import type { Database, NetworkName } from '../../storage/schema.ts';
import { depositAccount, post, type Posting } from '../../storage/ledger.ts';

/**
 * Fails payouts that were never put in a unit: the reserved money goes back to the pool and the partner's
 * deposit, and the order_id (and purchase_unit) are freed so the order can be sent again.
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
  for (const row of rows) {
    const purchase = await tx
      .updateTable('purchases')
      .set({ status: 'failed', active_order_id: null, active_purchase_unit: null })
      .where('id', '=', row.purchase_id)
      .returning(['partner_id', 'partner_share'])
      .executeTakeFirstOrThrow();
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
  return rows.map((r) => r.id);
}
