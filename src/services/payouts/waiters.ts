import type { Db } from '../../storage/db.ts';
import type { NetworkName } from '../../storage/schema.ts';
import type { PayoutBus, PayoutOutcome } from './outcomes.ts';

type Waiter = (outcome: PayoutOutcome) => void;

/** In-process PayoutBus, with a database poll so a payout settled by another process is seen too. */
export class PayoutWaiters implements PayoutBus {
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly listeners = new Set<(network: NetworkName) => void>();

  constructor(
    private readonly db: Db,
    /** 0 = trust in-process settlement only (one process owns both API and sender). */
    private readonly pollMs: number,
  ) {}

  onQueued(listener: (network: NetworkName) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  queued(network: NetworkName): void {
    for (const l of this.listeners) l(network);
  }

  settle(payoutIds: readonly string[], outcome: PayoutOutcome): void {
    for (const id of payoutIds) {
      const list = this.waiters.get(id);
      if (!list) continue;
      this.waiters.delete(id);
      for (const w of list) w(outcome);
    }
  }

  wait(payoutId: string, timeoutMs: number): Promise<PayoutOutcome | null> {
    return new Promise((resolve) => {
      let done = false;
      let poll: NodeJS.Timeout | undefined;
      const finish = (outcome: PayoutOutcome | null) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (poll) clearInterval(poll);
        const list = this.waiters.get(payoutId);
        if (list) {
          const rest = list.filter((w) => w !== waiter);
          if (rest.length) this.waiters.set(payoutId, rest);
          else this.waiters.delete(payoutId);
        }
        resolve(outcome);
      };
      const waiter: Waiter = (o) => finish(o);
      const timer = setTimeout(() => finish(null), timeoutMs);
      this.waiters.set(payoutId, [...(this.waiters.get(payoutId) ?? []), waiter]);
      if (this.pollMs > 0) {
        poll = setInterval(() => {
          void this.read(payoutId).then((o) => o && finish(o), () => undefined);
        }, this.pollMs);
      }
    });
  }

  /** The settled outcome of a payout from its row, or null while it is still on its way. */
  async read(payoutId: string): Promise<PayoutOutcome | null> {
    const row = await this.db.kysely
      .selectFrom('payouts')
      .select(['status', 'unit', 'last_error'])
      .where('id', '=', payoutId)
      .executeTakeFirst();
    if (!row) return null;
    if ((row.status === 'sent' || row.status === 'stable') && row.unit) return { status: 'sent', unit: row.unit };
    if (row.status === 'failed') return { status: 'failed', reason: row.last_error ?? 'failed' };
    return null;
  }
}
