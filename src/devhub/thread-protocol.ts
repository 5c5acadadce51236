// The messages between a devhub's worker thread (thread-worker.ts) and its host (thread.ts).
import type { Faults } from './faults.ts';
import type { DevHub, DevHubOptions } from './index.ts';

/** Functions cannot cross a thread: a logger becomes log messages, and a custom clock stays with the in-thread devhub. */
export type ThreadHubOptions = Omit<DevHubOptions, 'now' | 'logger'>;

export interface ThreadWorkerData {
  options: ThreadHubOptions;
  forwardLogs: boolean;
}

export type FaultMethod = Exclude<keyof Faults, 'delayMs'>;

/** What the worker answers, by name: the host sends the arguments and gets the (awaited) result back. */
export type HubCalls = Pick<DevHub, 'faucet' | 'setFeed' | 'publishFeeds' | 'stopFeeds' | 'setClockOffset' | 'setExchangeRates' | 'balance' | 'getJoint' | 'stabilize' | 'close'> & {
  setFaultDelay(ms: number): void;
} & { [K in FaultMethod]: (...args: Parameters<Faults[K]>) => void };

export type CallName = keyof HubCalls;

export interface CallMessage {
  id: number;
  name: CallName;
  args: unknown[];
}

/** The devhub's fixed facts, sent once when the worker is up. */
export type HubInfo = Pick<DevHub, 'url' | 'port' | 'params' | 'oracleAddress' | 'faucetAddress' | 'witnesses'>;

export type WorkerMessage =
  | { kind: 'ready'; info: HubInfo }
  | { kind: 'reply'; id: number; ok: true; value: unknown }
  | { kind: 'reply'; id: number; ok: false; message: string }
  | { kind: 'log'; level: 'info' | 'warn'; message: string };
