// The worker side of startSenderThread: one network's payout sender with a store connection and a hub connection of
// its own. Its hub round trips then wait for this thread's event loop, not for the HTTP server's, and composing and
// signing take the second core. Payout outcomes go back to the host, whose HTTP requests wait for them.
import { parentPort } from 'node:worker_threads';
import { HubPayoutChain } from './chain/hub-payout-chain.ts';
import { HubClient } from './obyte/hub-client.ts';
import { PayoutSender } from './services/payouts/sender.ts';
import type { PayoutChain } from './services/payouts/ports.ts';
import { openDb } from './storage/db.ts';
import { threadData } from './thread-data.ts';
import type { HostMessage, SenderMessage, SenderThreadData } from './sender-thread-protocol.ts';

if (!parentPort) throw new Error('sender-thread-worker.ts runs only as a worker thread (see startSenderThread)');
const port = parentPort;
const data = threadData<SenderThreadData>();
const send = (message: SenderMessage) => port.postMessage(message);
const log = (level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>) => {
  try {
    send({ kind: 'log', level, message, ...(extra ? { extra } : {}) });
  } catch {
    // something in `extra` cannot cross threads: send it as text
    send({ kind: 'log', level, message, extra: { detail: String(JSON.stringify(extra, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) } });
  }
};

const hubUrl = await new Promise<string>((resolve) => {
  const first = (message: HostMessage) => {
    if (message.kind !== 'hub') return;
    port.off('message', first);
    resolve(message.url);
  };
  port.on('message', first);
});
// The host's store already holds the schema and runs the WAL checkpoints.
const db = await openDb(data.store, { primary: false });
const hub = new HubClient({ url: hubUrl, requestTimeoutMs: data.hubTimeoutMs, network: data.protocol });
// A hub that is down now is retried in the background; the sender treats its errors as passing.
await hub.connect().catch((e: Error) => log('warn', 'payout sender thread: hub not reachable yet', { error: e.message }));
const hubChain = new HubPayoutChain(hub, data.hot, data.protocol);
// Set by the host while the network's hub is refused (another network, or a wallet another store used): the payouts
// wait in the queue, as they do while a hub is down.
let held: string | null = null;
const heldFailure = () => ({ ok: false as const, error: `held: ${held}`, transient: true });
// The host prices textcoin allowances on the latest tps fee.
const chain: PayoutChain = {
  hotAddress: hubChain.hotAddress,
  async compose(outputs) {
    if (held !== null) return heldFailure();
    const composed = await hubChain.compose(outputs);
    if (composed.ok) send({ kind: 'tps_fee', value: hubChain.lastTpsFee });
    return composed;
  },
  post: async (joint) => (held !== null ? heldFailure() : hubChain.post(joint)),
  exists: (unit) => hubChain.exists(unit),
};
const sender = new PayoutSender({
  db,
  network: data.network,
  chain,
  waiters: { settle: (payoutIds, outcome) => send({ kind: 'settle', payoutIds: [...payoutIds], outcome }) },
  maxPerUnit: data.maxPerUnit,
  leaseMs: data.leaseMs,
  maxTpsFeePerPayout: data.maxTpsFeePerPayout,
  minUnitIntervalMs: data.minUnitIntervalMs,
  onTextcoinsFunded: (payoutIds) => send({ kind: 'textcoins_funded', payoutIds }),
  log,
});

port.on('message', (message: HostMessage) => {
  if (message.kind === 'poke') sender.poke();
  else if (message.kind === 'hold') {
    held = message.reason;
    if (held === null) sender.poke();
  } else if (message.kind === 'stop') {
    void (async () => {
      await sender.stop();
      await hub.close();
      await db.close();
      send({ kind: 'stopped' });
    })();
  }
});
sender.start();
send({ kind: 'ready' });
