/**
 * Slows down guessing of partner keys: after `maxFailures` failed authentications from one client
 * within `windowMs`, that client is refused until the window has passed. Kept in this process's memory:
 * with several API processes each one counts on its own.
 */
export class AuthThrottle {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  isBlocked(client: string): boolean {
    const entry = this.current(client);
    return entry !== undefined && entry.count >= this.maxFailures;
  }

  recordFailure(client: string): void {
    const entry = this.current(client);
    if (entry) entry.count++;
    else this.failures.set(client, { count: 1, since: this.now() });
    if (this.failures.size > 100_000) this.prune();
  }

  private current(client: string): { count: number; since: number } | undefined {
    const entry = this.failures.get(client);
    if (entry && this.now() - entry.since >= this.windowMs) {
      this.failures.delete(client);
      return undefined;
    }
    return entry;
  }

  private prune(): void {
    const now = this.now();
    for (const [client, entry] of this.failures) if (now - entry.since >= this.windowMs) this.failures.delete(client);
  }
}
