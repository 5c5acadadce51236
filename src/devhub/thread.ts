// The devhub in a worker thread: under load its validation, DAG store and WebSocket server
// would otherwise share the thread of whatever embeds it. Clients still connect over ws:// to the worker's port.
import { startTsWorker } from '../ts-worker.ts';
import type { Logger } from '../obyte/hub-client.ts';
import type { Faults } from './faults.ts';
import type { DevHubOptions } from './index.ts';
import type { CallMessage, CallName, FaultMethod, HubCalls, HubInfo, ThreadWorkerData, WorkerMessage } from './thread-protocol.ts';

export type DevHubThreadOptions = Omit<DevHubOptions, 'now'>;

/** The devhub's fault injection, one message each; resolved once the worker has applied it. */
export type ThreadFaults = { [K in FaultMethod]: (...args: Parameters<Faults[K]>) => Promise<void> } & {
  setDelayMs(ms: number): Promise<void>;
};

type DevHubCalls = Omit<HubCalls, 'setFaultDelay' | FaultMethod>;

/**
 * DevHub across a thread: the same members (see DevHub for each), async where the in-thread devhub answers at once.
 * close() also ends the worker, and resolves even when the worker had died.
 */
export type DevHubHandle = HubInfo & {
  [K in keyof DevHubCalls]: (...args: Parameters<DevHubCalls[K]>) => Promise<Awaited<ReturnType<DevHubCalls[K]>>>;
} & { faults: ThreadFaults };

const ENTRY = new URL('./thread-worker.ts', import.meta.url);

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

export async function startDevHubThread(opts: DevHubThreadOptions = {}): Promise<DevHubHandle> {
  const { logger, ...options } = opts;
  const data: ThreadWorkerData = { options, forwardLogs: logger !== undefined };
  const worker = startTsWorker(ENTRY, data);
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let started = false;
  let closeRequested = false;
  /** set once the worker is gone (or going): every call after it rejects with this message */
  let ended: string | null = null;

  const end = (why: string) => {
    if (ended !== null) return;
    ended = why;
    if (started && !closeRequested) warn(logger, why);
    for (const p of pending.values()) p.reject(new Error(why));
    pending.clear();
  };

  const ready = new Promise<HubInfo>((resolve, reject) => {
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'ready') {
        started = true;
        resolve(message.info);
      } else if (message.kind === 'log') {
        logger?.[message.level](message.message);
      } else {
        const p = pending.get(message.id);
        if (!p) return;
        pending.delete(message.id);
        if (message.ok) p.resolve(message.value);
        else p.reject(new Error(message.message));
      }
    });
    worker.on('error', (e) => {
      reject(e);
      end(`devhub worker failed: ${e.message}`);
    });
    worker.on('exit', (code) => {
      reject(new Error(`devhub worker exited with code ${code} before it started`));
      end(closeRequested ? 'the devhub is closed' : `devhub worker exited with code ${code}`);
    });
  });

  let info: HubInfo;
  try {
    info = await ready;
  } catch (e) {
    await worker.terminate();
    throw e;
  }

  const call = <K extends CallName>(name: K, ...args: Parameters<HubCalls[K]>): Promise<Awaited<ReturnType<HubCalls[K]>>> => {
    if (ended !== null) return Promise.reject(new Error(ended));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      const message: CallMessage = { id, name, args };
      try {
        worker.postMessage(message);
      } catch (e) {
        // arguments that cannot be cloned
        pending.delete(id);
        throw e;
      }
    });
  };

  let closing: Promise<void> | null = null;
  return {
    ...info,
    faucet: (address, amount) => call('faucet', address, amount),
    setFeed: (name, value) => call('setFeed', name, value),
    publishFeeds: (feeds, timestampMs) => call('publishFeeds', feeds, timestampMs),
    stopFeeds: () => call('stopFeeds'),
    setClockOffset: (ms) => call('setClockOffset', ms),
    setExchangeRates: (rates) => call('setExchangeRates', rates),
    balance: (address) => call('balance', address),
    getJoint: (unit) => call('getJoint', unit),
    stabilize: () => call('stabilize'),
    faults: {
      setDelayMs: (ms) => call('setFaultDelay', ms),
      dropNextConnections: (n) => call('dropNextConnections', n),
      dropOnRequest: (command, n) => call('dropOnRequest', command, n),
      failNextPosts: (n, error) => call('failNextPosts', n, error),
      stallNext: (command, n) => call('stallNext', command, n),
      disconnectAll: () => call('disconnectAll'),
      reset: () => call('reset'),
    },
    close() {
      closing ??= (async () => {
        closeRequested = true;
        const closed = ended === null ? call('close') : Promise.resolve();
        try {
          await closed;
        } finally {
          end('the devhub is closed');
          await worker.terminate();
        }
      })();
      return closing;
    },
  };
}

function warn(logger: Logger | undefined, message: string): void {
  if (logger) logger.warn(message);
  else console.warn(message);
}
