// The worker side of startDevHubThread: the devhub runs here, WebSocket server included, so its validation and DAG
// store take a core of their own; the host's calls come as messages and go back as replies.
import { parentPort } from 'node:worker_threads';
import { threadData } from '../thread-data.ts';
import { startDevHub } from './index.ts';
import type { CallMessage, HubCalls, ThreadWorkerData, WorkerMessage } from './thread-protocol.ts';

if (!parentPort) throw new Error('thread-worker.ts runs only as a worker thread (see startDevHubThread)');
const port = parentPort;
const data = threadData<ThreadWorkerData>();
const send = (message: WorkerMessage) => port.postMessage(message);

// A failed start throws here; the host sees it as the worker's error, with the same message.
const hub = await startDevHub({
  ...data.options,
  ...(data.forwardLogs
    ? {
        logger: {
          info: (message: string) => send({ kind: 'log', level: 'info', message }),
          warn: (message: string) => send({ kind: 'log', level: 'warn', message }),
        },
      }
    : {}),
});

const calls: HubCalls = {
  faucet: (address, amount) => hub.faucet(address, amount),
  setFeed: (name, value) => hub.setFeed(name, value),
  publishFeeds: (feeds, timestampMs) => hub.publishFeeds(feeds, timestampMs),
  stopFeeds: () => hub.stopFeeds(),
  setClockOffset: (ms) => hub.setClockOffset(ms),
  setExchangeRates: (rates) => hub.setExchangeRates(rates),
  balance: (address) => hub.balance(address),
  getJoint: (unit) => hub.getJoint(unit),
  stabilize: () => hub.stabilize(),
  setFaultDelay: (ms) => {
    hub.faults.delayMs = ms;
  },
  dropNextConnections: (n) => hub.faults.dropNextConnections(n),
  dropOnRequest: (command, n) => hub.faults.dropOnRequest(command, n),
  failNextPosts: (n, error) => hub.faults.failNextPosts(n, error),
  stallNext: (command, n) => hub.faults.stallNext(command, n),
  disconnectAll: () => hub.faults.disconnectAll(),
  reset: () => hub.faults.reset(),
  close: () => hub.close(),
};

port.on('message', (message: CallMessage) => {
  void (async () => {
    try {
      if (!Object.hasOwn(calls, message.name)) throw new Error(`the devhub worker has no call ${String(message.name)}`);
      const value: unknown = await (calls[message.name] as (...args: unknown[]) => unknown)(...message.args);
      send({ kind: 'reply', id: message.id, ok: true, value });
    } catch (e) {
      send({ kind: 'reply', id: message.id, ok: false, message: e instanceof Error ? e.message : String(e) });
    }
  })();
});

send({
  kind: 'ready',
  info: {
    url: hub.url,
    port: hub.port,
    params: hub.params,
    oracleAddress: hub.oracleAddress,
    faucetAddress: hub.faucetAddress,
    witnesses: hub.witnesses,
  },
});
