import { createHash } from 'node:crypto';

/** Counts one failed authentication of a client key in the shared store; answers the window's count and start. */
export type CountFailure = (clientKey: string, now: number, windowMs: number) => Promise<{ failures: number; since: number }>;

/** How many blocked (client, partner) pairs a process remembers; the least recently seen go first. */
export const BLOCKED_CAPACITY = 10_000;

/**
 * Slows down guessing of partner keys: after `maxFailures` failed authentications of one partner name from one
 * client within `windowMs`, that client is refused for that name until the window has passed. Other partners'
 * failures never refuse a key: the pair (client, partner name) is what is counted.
 *
 * Failures are counted in the store, so every API process sees them all. Only a failure costs a store write; a
 * request looks only at this process's table of blocked pairs (a bounded LRU, O(1)). A process learns of a block
 * on the first failure it sees past the limit itself, so with N processes a client gets at most N - 1 more tries
 * per window than the limit.
 */
export class AuthThrottle {
  /** client key → blocked until (ms); a Map iterates in insertion order, so re-inserting on use makes it an LRU. */
  private readonly blocked = new Map<string, number>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly count: CountFailure,
    private readonly now: () => number = Date.now,
    private readonly capacity = BLOCKED_CAPACITY,
  ) {}

  isBlocked(client: string, partner: string): boolean {
    if (this.blocked.size === 0) return false; // the common case: no hash to compute
    const key = clientKey(client, partner);
    const until = this.blocked.get(key);
    if (until === undefined) return false;
    this.blocked.delete(key);
    if (until <= this.now()) return false;
    this.blocked.set(key, until);
    return true;
  }

  /** Counts a failed authentication; true when it was past the limit (the client is then refused as throttled). */
  async recordFailure(client: string, partner: string): Promise<boolean> {
    const key = clientKey(client, partner);
    const { failures, since } = await this.count(key, this.now(), this.windowMs);
    if (failures >= this.maxFailures) {
      this.blocked.delete(key);
      this.blocked.set(key, since + this.windowMs);
      if (this.blocked.size > this.capacity) this.blocked.delete(this.blocked.keys().next().value!);
    }
    return failures > this.maxFailures;
  }

  /** Blocked pairs this process remembers (bounded by its capacity). */
  get size(): number {
    return this.blocked.size;
  }
}

/** A fixed-length key: names are the client's text, of any length; the address is no business of the store's. */
function clientKey(client: string, partner: string): string {
  return createHash('sha256').update(client).update('\u0000').update(partner).digest('base64url');
}
