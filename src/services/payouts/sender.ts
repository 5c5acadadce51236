import { randomBytes } from 'node:crypto';
import type { Db } from '../../storage/db.ts';
import type { NetworkName } from '../../storage/schema.ts';
import { post, type Posting } from '../../storage/ledger.ts';
import { acquireLease, releaseLease } from '../../storage/leases.ts';
import type { PayoutChain } from './ports.ts';
import type { PayoutWaiters } from './waiters.ts';
import { failQueuedPayouts } from './refund.ts';

export interface SenderOptions {
  db: Db;
  network: NetworkName;
  chain: PayoutChain;
  /** Told each payout's outcome (the requests waiting for it may be in another thread or process). */
  waiters: Pick<PayoutWaiters, 'settle'>;
  maxPerUnit: number;
  leaseMs: number;
  /** Called after a unit with textcoin payouts is accepted (to e-mail them). */
  onTextcoinsFunded?: (payoutIds: string[]) => void;
  log?: (level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>) => void;
  now?: () => number;
  /** A payout that fails to get into an accepted unit this many times is refunded. */
  maxAttempts?: number;
  /**
   * The most tps fee a unit may pay per payout it carries. The tps fee grows exponentially with the network's
   * load; above this the sender waits (more payouts gather, the load may pass) instead of draining the pool.
   */
  maxTpsFeePerPayout: bigint;
  /**
   * While payouts keep coming, units go out at most this often, so that more payouts share each unit (its fixed
   * size and its tps fee, which grows with the unit rate). A lone payout after a quiet spell goes out at once.
   */
  minUnitIntervalMs?: number;
}

class PayoutsWithdrawn extends Error {}

/**
 * Drains the network's payout queue into units of up to `maxPerUnit` payouts plus change: a lone purchase goes out
 * at once, and purchases that arrive while a unit is in flight ride together in the next one.
 *
 * Exactly once: a unit is signed and stored with its payouts marked `signed` in one transaction, and only then
 * broadcast; after a crash the same stored joint is broadcast again (the hub answers "known" if it has it).
 * One sender per hot address holds a lease in the database, so several processes can share one PostgreSQL.
 */
export class PayoutSender {
  private stopped = false;
  private wake: (() => void) | null = null;
  private pending = false;
  private loop: Promise<void> | null = null;
  private readonly holder = `sender_${randomBytes(6).toString('hex')}`;
  private readonly leaseName: string;
  private readonly now: () => number;
  private leaseRenewedAt = -Infinity;
  /** Signed units may be waiting for their broadcast: at start, after a failed broadcast or a fault. */
  private unsentMayExist = true;
  /** When the last unit's batch was taken: units start at most every minUnitIntervalMs. */
  private lastBatchAt = -Infinity;

  constructor(private readonly o: SenderOptions) {
    this.leaseName = `sender:${o.network}:${o.chain.hotAddress}`;
    this.now = o.now ?? Date.now;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** New payouts were queued. */
  poke(): void {
    this.pending = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await releaseLease(this.o.db, this.leaseName, this.holder).catch(() => undefined);
  }

  /** stop() always cuts a sleep short; new payouts only when `untilPoked` (not while waiting for them to gather). */
  private sleep(ms: number, untilPoked = true): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = () => {
        if (untilPoked || this.stopped) done();
      };
    });
  }

  private log(level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>): void {
    this.o.log?.(level, message, { network: this.o.network, ...extra });
  }

  private async run(): Promise<void> {
    let backoff = 0;
    while (!this.stopped) {
      try {
        if (!(await this.holdLease())) {
          await this.sleep(this.o.leaseMs / 3);
          continue;
        }
        let progressed: 'sent' | 'retry' | 'idle' = 'retry';
        if (!this.unsentMayExist || (await this.finishUnsentUnits())) {
          this.unsentMayExist = false;
          progressed = await this.sendNextBatch();
        }
        if (progressed === 'idle') {
          backoff = 0;
          if (!this.pending) await this.sleep(Math.min(1000, this.o.leaseMs / 3));
        } else if (progressed === 'retry') {
          backoff = Math.min(Math.max(backoff * 2, 50), 2000);
          await this.sleep(backoff);
        } else backoff = 0;
      } catch (e) {
        this.unsentMayExist = true;
        this.log('error', 'payout sender fault', { error: (e as Error).stack ?? String(e) });
        backoff = Math.min(Math.max(backoff * 2, 100), 5000);
        await this.sleep(backoff);
      }
    }
  }

  /**
   * Takes the lease, then renews it once a third of its time has passed (not on every batch). Whoever held it
   * before may have left signed units behind, so a newly taken lease means looking for them.
   */
  private async holdLease(): Promise<boolean> {
    const now = this.now();
    if (now - this.leaseRenewedAt < this.o.leaseMs / 3) return true;
    const held = await acquireLease(this.o.db, this.leaseName, this.holder, this.o.leaseMs, now);
    if (held && this.leaseRenewedAt === -Infinity) this.unsentMayExist = true;
    this.leaseRenewedAt = held ? now : -Infinity;
    return held;
  }

  /** Units signed earlier but not known to be accepted: broadcast the very same joint again. False: try later. */
  private async finishUnsentUnits(): Promise<boolean> {
    const units = await this.o.db.kysely
      .selectFrom('units')
      .select(['unit', 'joint', 'attempts'])
      .where('network', '=', this.o.network)
      .where('kind', '=', 'payout')
      .where('status', '=', 'signed')
      .orderBy('created_at')
      .execute();
    for (const u of units) {
      if ((await this.broadcast(u.unit, u.joint)) === 'retry') return false;
    }
    return true;
  }

  private queued() {
    return this.o.db.kysely
      .selectFrom('payouts')
      .select(['id', 'address', 'amount'])
      .where('network', '=', this.o.network)
      .where('status', '=', 'queued')
      .orderBy('created_at')
      .orderBy('id')
      .limit(this.o.maxPerUnit)
      .execute();
  }

  private async sendNextBatch(): Promise<'sent' | 'retry' | 'idle'> {
    this.pending = false;
    let batch = await this.queued();
    if (batch.length === 0) return 'idle';
    // A unit not yet full, right after another: let more payouts gather for the rest of the interval.
    // Measured from batch to batch, so that composing and broadcasting count as part of the interval, not on top.
    const wait = (this.o.minUnitIntervalMs ?? 0) - (this.now() - this.lastBatchAt);
    if (batch.length < this.o.maxPerUnit && wait > 0) {
      await this.sleep(wait, false);
      if (this.stopped) return 'idle';
      batch = await this.queued();
      if (batch.length === 0) return 'idle';
    }
    const batchAt = this.now();

    const composed = await this.o.chain.compose(batch.map((p) => ({ address: p.address, amount: BigInt(p.amount) })));
    if (!composed.ok) {
      this.log(composed.transient ? 'warn' : 'error', 'could not compose a payout unit', { error: composed.error });
      if (!composed.transient) await this.giveUp(batch.map((p) => p.id), composed.error);
      return 'retry';
    }
    if (composed.tpsFee > this.o.maxTpsFeePerPayout * BigInt(batch.length)) {
      this.log('warn', 'the network asks too high a tps fee; waiting', { tpsFee: composed.tpsFee.toString(), payouts: batch.length });
      return 'retry';
    }

    const now = this.now();
    const total = batch.reduce((s, p) => s + BigInt(p.amount), 0n);
    try {
      await this.o.db.kysely.transaction().execute(async (tx) => {
        const marked = await tx
          .updateTable('payouts')
          .set({ status: 'signed', unit: composed.unit, updated_at: now })
          .where('id', 'in', batch.map((p) => p.id))
          .where('status', '=', 'queued')
          .executeTakeFirst();
        // A request gave up on one of them meanwhile: this unit must never be broadcast.
        if (marked.numUpdatedRows !== BigInt(batch.length)) throw new PayoutsWithdrawn();
        const stored = await tx
          .insertInto('units')
          .values({
            unit: composed.unit,
            network: this.o.network,
            kind: 'payout',
            joint: composed.joint,
            status: 'signed',
            fee: composed.fee,
            outputs_total: total,
            attempts: 0,
            last_error: null,
            created_at: now,
            sent_at: null,
          })
          // The same payouts composed again in the same second on the same parents give the very unit the hub
          // refused before (requeue): it is signed again, as the hub never had it.
          .onConflict((oc) =>
            oc
              .column('unit')
              .doUpdateSet({ status: 'signed', joint: composed.joint, fee: composed.fee, outputs_total: total, last_error: null, created_at: now, sent_at: null })
              .where('units.status', '=', 'failed'),
          )
          .executeTakeFirst();
        if (stored.numInsertedOrUpdatedRows !== 1n) throw new Error(`unit ${composed.unit} is stored already for other payouts`);
      });
    } catch (e) {
      if (e instanceof PayoutsWithdrawn) return 'sent';
      throw e;
    }
    this.lastBatchAt = batchAt;
    return (await this.broadcast(composed.unit, composed.joint)) === 'sent' ? 'sent' : 'retry';
  }

  private async broadcast(unit: string, joint: string): Promise<'sent' | 'retry' | 'rejected'> {
    const posted = await this.o.chain.post(joint);
    if (posted.ok) {
      await this.markSent(unit);
      return 'sent';
    }
    await this.o.db.kysely
      .updateTable('units')
      .set((eb) => ({ attempts: eb('attempts', '+', 1n), last_error: posted.error }))
      .where('unit', '=', unit)
      .execute();
    if (posted.transient) {
      this.log('warn', 'broadcast failed, will repeat the same unit', { unit, error: posted.error });
      this.unsentMayExist = true;
      return 'retry';
    }
    // Refused for good. If the hub has it after all, it counts as sent; otherwise its payouts go into a new unit.
    if (await this.o.chain.exists(unit)) {
      await this.markSent(unit);
      return 'sent';
    }
    this.log('error', 'unit rejected; its payouts are queued again', { unit, error: posted.error });
    await this.requeue(unit, posted.error);
    return 'rejected';
  }

  private async markSent(unit: string): Promise<void> {
    const now = this.now();
    const { payouts, textcoinIds } = await this.o.db.kysely.transaction().execute(async (tx) => {
      const updated = await tx
        .updateTable('units')
        .set({ status: 'sent', sent_at: now, last_error: null })
        .where('unit', '=', unit)
        .where('status', '=', 'signed')
        .returning(['fee'])
        .executeTakeFirst();
      const rows = await tx
        .updateTable('payouts')
        .set({ status: 'sent', updated_at: now, last_error: null })
        .where('unit', '=', unit)
        .where('status', '=', 'signed')
        .returning(['id', 'purchase_id', 'kind', 'amount'])
        .execute();
      if (!updated) return { payouts: rows, textcoinIds: [] };
      const postings: Posting[] = [{ from: 'pool', to: 'fees', amount: BigInt(updated.fee), kind: 'network_fee', ref: unit }];
      for (const p of rows) {
        postings.push({ from: 'reserved', to: p.kind === 'textcoin' ? 'textcoins' : 'paid', amount: BigInt(p.amount), kind: 'payout', ref: p.id });
      }
      const result = await post(tx, this.o.network, postings, now);
      if (!result.ok) throw new Error(`ledger: ${result.short} is short for unit ${unit}`);
      if (rows.length > 0) {
        await tx
          .updateTable('purchases')
          .set({ status: 'paid', unit, paid_at: now })
          .where('id', 'in', rows.map((p) => p.purchase_id))
          .execute();
      }
      const textcoinIds = rows.filter((p) => p.kind === 'textcoin').map((p) => p.id);
      if (textcoinIds.length > 0) {
        await tx.updateTable('textcoins').set({ status: 'funded' }).where('payout_id', 'in', textcoinIds).execute();
      }
      return { payouts: rows, textcoinIds };
    });
    this.o.waiters.settle(payouts.map((p) => p.id), { status: 'sent', unit });
    if (textcoinIds.length > 0) this.o.onTextcoinsFunded?.(textcoinIds);
  }

  /** The unit will never be accepted: forget it and queue its payouts again, or refund those tried too often. */
  private async requeue(unit: string, reason: string): Promise<void> {
    const now = this.now();
    const maxAttempts = BigInt(this.o.maxAttempts ?? 3);
    const failed = await this.o.db.kysely.transaction().execute(async (tx) => {
      // Only a unit still waiting: one that another sender saw accepted meanwhile stays `sent`.
      await tx.updateTable('units').set({ status: 'failed', last_error: reason }).where('unit', '=', unit).where('status', '=', 'signed').execute();
      const rows = await tx
        .updateTable('payouts')
        .set((eb) => ({ status: 'queued', unit: null, attempts: eb('attempts', '+', 1n), last_error: reason, updated_at: now }))
        .where('unit', '=', unit)
        .where('status', '=', 'signed')
        .returning(['id', 'attempts'])
        .execute();
      const exhausted = rows.filter((r) => BigInt(r.attempts) >= maxAttempts).map((r) => r.id);
      return failQueuedPayouts(tx, this.o.network, exhausted, reason, now);
    });
    this.o.waiters.settle(failed, { status: 'failed', reason });
  }

  /** A batch that can never be composed (not a passing condition): refund it. */
  private async giveUp(payoutIds: string[], reason: string): Promise<void> {
    const failed = await this.o.db.kysely
      .transaction()
      .execute((tx) => failQueuedPayouts(tx, this.o.network, payoutIds, reason, this.now()));
    this.o.waiters.settle(failed, { status: 'failed', reason });
  }
}
