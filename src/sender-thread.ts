// One network's payout sender in a worker thread (sender-thread-worker.ts). Under load the HTTP server keeps its event
// loop busy; a sender sharing it waited a loop turn for every hub answer, and its composing and signing took the
// server's time. Exactly once does not depend on the thread: the queue, the signed units and the lease are in the store.
import type { Worker } from 'node:worker_threads';
import type { PayoutOutcome } from './services/payouts/outcomes.ts';
import type { HostMessage, SenderMessage, SenderThreadData } from './sender-thread-protocol.ts';
import { startTsWorker } from './ts-worker.ts';

const ENTRY = new URL('./sender-thread-worker.ts', import.meta.url);
/** After an unexpected end, the next worker starts this much later (it then waits for the dead one's lease). */
const RESTART_MS = 1000;
/** A worker that has not stopped by then is ended: its lease expires, and a signed unit is broadcast by the next. */
const STOP_MS = 10_000;

export interface SenderThreadEvents {
  settle(payoutIds: string[], outcome: PayoutOutcome): void;
  textcoinsFunded(payoutIds: string[]): void;
  log(level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>): void;
}

export interface SenderThread {
  /** New payouts were queued. */
  poke(): void;
  /** Holds every payout (compose, broadcast) while `reason` is set: the network's hub is refused. null releases. */
  hold(reason: string | null): void;
  /** The tps fee of the last unit composed (textcoin allowances are priced on it). */
  readonly lastTpsFee: number;
  /** Lets the unit in hand finish, releases the lease, and ends the worker. */
  stop(): Promise<void>;
}

/**
 * Resolves once the first worker is up; rejects if it cannot start (no store) or `hubUrl` rejects. The worker starts
 * loading at once; it connects when `hubUrl` is known (an embedded devhub is still starting meanwhile). `entry` is the
 * worker's module: sender-thread-worker.ts, or a module that wraps it.
 */
export async function startSenderThread(
  data: SenderThreadData,
  events: SenderThreadEvents,
  hubUrl: Promise<string>,
  entry: URL = ENTRY,
): Promise<SenderThread> {
  let lastTpsFee = 0;
  let stopping = false;
  let worker: Worker;
  let restartTimer: NodeJS.Timeout | null = null;
  let alive = false;
  let held: string | null = null;

  const launch = (): Promise<void> =>
    new Promise((resolve, reject) => {
      let ready = false;
      const w = startTsWorker(entry, data);
      worker = w;
      alive = true;
      hubUrl.then(
        (url) => w.postMessage({ kind: 'hub', url } satisfies HostMessage),
        (e: unknown) => {
          reject(e);
          void w.terminate();
        },
      );
      w.on('message', (message: SenderMessage) => {
        switch (message.kind) {
          case 'ready':
            ready = true;
            // a worker started again after a crash is told at once
            if (held !== null) w.postMessage({ kind: 'hold', reason: held } satisfies HostMessage);
            resolve();
            break;
          case 'settle':
            events.settle(message.payoutIds, message.outcome);
            break;
          case 'textcoins_funded':
            events.textcoinsFunded(message.payoutIds);
            break;
          case 'tps_fee':
            lastTpsFee = message.value;
            break;
          case 'log':
            events.log(message.level, message.message, { network: data.network, ...message.extra });
            break;
          case 'stopped':
            void w.terminate();
            break;
        }
      });
      w.on('error', (e) => {
        if (!ready) reject(e);
        else events.log('error', 'payout sender thread failed', { network: data.network, error: e.stack ?? String(e) });
      });
      w.on('exit', (code) => {
        alive = false;
        if (!ready) return reject(new Error(`payout sender thread exited with code ${code} before it started`));
        if (stopping) return;
        events.log('error', 'payout sender thread ended; starting another', { network: data.network, code });
        restartLater();
      });
    });
  // Until one starts: payouts wait in the store meanwhile, and requests time out cleanly if it takes too long.
  const restartLater = () => {
    restartTimer = setTimeout(() => {
      restartTimer = null;
      if (stopping) return;
      launch().catch((e) => {
        events.log('error', 'payout sender thread cannot start', { network: data.network, error: String(e) });
        restartLater();
      });
    }, RESTART_MS);
  };

  await launch();
  const post = (message: HostMessage) => worker.postMessage(message);
  // A group commit queues many payouts in one turn of the event loop: one message (and one wake-up) for all of them.
  let poked = false;
  const sendPoke = () => {
    poked = false;
    post({ kind: 'poke' });
  };
  return {
    poke: () => {
      if (poked) return;
      poked = true;
      setImmediate(sendPoke);
    },
    hold(reason) {
      held = reason;
      if (alive) post({ kind: 'hold', reason });
    },
    get lastTpsFee() {
      return lastTpsFee;
    },
    async stop() {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      if (!alive) return;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      post({ kind: 'stop' });
      const timer = setTimeout(() => void worker.terminate(), STOP_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
