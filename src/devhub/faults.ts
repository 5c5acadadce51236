// Fault injection: the devhub misbehaves on demand the way real hubs and networks do, so tests can check
// that clients survive slow answers, lost connections, transient refusals and requests that never return.

export interface Faults {
  /** extra latency before every response, in ms */
  delayMs: number;
  /** fail the next `n` connection attempts at the handshake, as a restarting hub does */
  dropNextConnections(n: number): void;
  /** drop the connection instead of answering the next `n` requests of `command` */
  dropOnRequest(command: string, n?: number): void;
  /** answer the next `n` post_joint requests with `error` without looking at the unit */
  failNextPosts(n: number, error: string): void;
  /** never answer the next `n` requests of `command` */
  stallNext(command: string, n?: number): void;
  /** drop every open connection now */
  disconnectAll(): void;
  /** back to a well-behaved hub */
  reset(): void;
}

export type RequestFault = { kind: 'stall' } | { kind: 'drop' } | { kind: 'fail'; error: string } | null;

function takeOne(counts: Map<string, number>, key: string): boolean {
  const left = counts.get(key) ?? 0;
  if (left <= 0) return false;
  if (left === 1) counts.delete(key);
  else counts.set(key, left - 1);
  return true;
}

function checkCount(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`fault count must be a non-negative integer, got ${n}`);
}

/** The server's side of Faults: it asks, for each connection and request, what to do. */
export class FaultState implements Faults {
  delayMs = 0;
  private dropConnections = 0;
  private readonly drops = new Map<string, number>();
  private readonly stalls = new Map<string, number>();
  private postFailures: string[] = [];

  private disconnect: () => void = () => {};

  onDisconnectAll(disconnect: () => void): void {
    this.disconnect = disconnect;
  }

  dropNextConnections(n: number): void {
    checkCount(n);
    this.dropConnections += n;
  }

  dropOnRequest(command: string, n = 1): void {
    checkCount(n);
    this.drops.set(command, (this.drops.get(command) ?? 0) + n);
  }

  failNextPosts(n: number, error: string): void {
    checkCount(n);
    for (let i = 0; i < n; i++) this.postFailures.push(error);
  }

  stallNext(command: string, n = 1): void {
    checkCount(n);
    this.stalls.set(command, (this.stalls.get(command) ?? 0) + n);
  }

  disconnectAll(): void {
    this.disconnect();
  }

  reset(): void {
    this.delayMs = 0;
    this.dropConnections = 0;
    this.drops.clear();
    this.stalls.clear();
    this.postFailures = [];
  }

  takeConnectionDrop(): boolean {
    if (this.dropConnections <= 0) return false;
    this.dropConnections--;
    return true;
  }

  takeRequestFault(command: string): RequestFault {
    if (takeOne(this.stalls, command)) return { kind: 'stall' };
    if (takeOne(this.drops, command)) return { kind: 'drop' };
    if (command === 'post_joint' && this.postFailures.length) return { kind: 'fail', error: this.postFailures.shift()! };
    return null;
  }
}
