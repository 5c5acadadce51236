import type { NetworkName } from '../../storage/schema.ts';

/** What became of one payout, as far as the purchase request that waits for it is concerned. */
export type PayoutOutcome =
  | { readonly status: 'sent'; readonly unit: string }
  | { readonly status: 'failed'; readonly reason: string };

/**
 * Connects purchase requests to the sender: a request announces a queued payout and waits for its outcome.
 * In one process the sender settles waiters directly; a request served by another process than the sender's
 * finds out by polling the payout's row (see PayoutWaiters.pollMs).
 */
export interface PayoutBus {
  queued(network: NetworkName): void;
  wait(payoutId: string, timeoutMs: number): Promise<PayoutOutcome | null>;
  /** The settled outcome from the database, or null while the payout is on its way. */
  read(payoutId: string): Promise<PayoutOutcome | null>;
}
