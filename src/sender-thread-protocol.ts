// The messages between a payout sender's worker thread (sender-thread-worker.ts) and its host (sender-thread.ts).
import type { KeyPair } from './obyte/keys.ts';
import type { PayoutOutcome } from './services/payouts/outcomes.ts';
import type { StoreLocation } from './storage/db.ts';
import type { NetworkName } from './storage/schema.ts';

export interface SenderThreadData {
  store: StoreLocation;
  network: NetworkName;
  hubTimeoutMs: number;
  hot: KeyPair;
  protocol: { version: string; alt: string };
  maxPerUnit: number;
  leaseMs: number;
  maxTpsFeePerPayout: bigint;
  minUnitIntervalMs: number;
}

/**
 * `hub` comes first: the worker loads its modules meanwhile (a second or so), while the hub is being started.
 * `hold` (after `ready`): while `reason` is set, the network's hub is refused and nothing is composed or broadcast.
 */
export type HostMessage = { kind: 'hub'; url: string } | { kind: 'poke' } | { kind: 'stop' } | { kind: 'hold'; reason: string | null };

export type SenderMessage =
  | { kind: 'ready' }
  | { kind: 'settle'; payoutIds: string[]; outcome: PayoutOutcome }
  | { kind: 'textcoins_funded'; payoutIds: string[] }
  | { kind: 'tps_fee'; value: number }
  | { kind: 'log'; level: 'info' | 'warn' | 'error'; message: string; extra?: Record<string, unknown> }
  | { kind: 'stopped' };
