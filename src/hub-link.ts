// One network's connection to its hub as the server sees it: connected in the background with backoff, checked on
// every connection (the hub's network by its version and alt, then the store's identity against it), and the one
// place that says whether the network may take orders and pay, and what /health shows.
import { HubClient, HubError } from './obyte/hub-client.ts';
import type { NetworkConfig } from './config.ts';
import type { Db } from './storage/db.ts';
import { checkHubIdentity, type ExpectedIdentity } from './services/network-identity.ts';
import { hubIdentityChain } from './chain/hub-identity.ts';
import type { Log } from './runtime.ts';

/** The first outcome after start: the hub fits, is on another network / another store's, or cannot be reached. */
export type HubVerdict = { kind: 'ready' } | { kind: 'refused'; reason: string } | { kind: 'unreachable'; reason: string };

export interface HubLink {
  readonly hub: HubClient;
  /** Why the network may not take orders now (refused, or never checked since start); null when it may. */
  problem(): string | null;
  /** Why the hub is refused (another network, another store's wallet), while it is. */
  refused(): string | null;
  /** For /health. */
  status(): { network: string; hub: 'connected' | 'disconnected' | 'refused'; hub_url: string; error?: string };
  /** The first verdict after start. */
  readonly first: Promise<HubVerdict>;
  /** Hears every change of refusal: the reason when the hub is refused, null when it fits again. */
  onRefusal(listener: (reason: string | null) => void): void;
}

/** How soon a check interrupted by a timeout is tried again on a connection that stayed up. */
const RECHECK_MS = 5000;

export function startHubLink(opts: {
  config: NetworkConfig;
  url: string;
  db: Db;
  expected: ExpectedIdentity;
  walletAddresses: readonly string[];
  requestTimeoutMs: number;
  log: Log;
}): HubLink {
  const { config, url, db, expected, log } = opts;
  const hub = new HubClient({ url, requestTimeoutMs: opts.requestTimeoutMs, network: config.protocol });
  const chain = hubIdentityChain(hub, opts.walletAddresses);
  let verified = false;
  let refusal: string | null = null;
  const listeners: Array<(reason: string | null) => void> = [];
  let settleFirst: (v: HubVerdict) => void = () => undefined;
  const first = new Promise<HubVerdict>((resolve) => (settleFirst = resolve));
  const refuse = (reason: string) => {
    const changed = refusal !== reason;
    if (changed) log('error', `${config.name} network stops paying: ${reason}`, { network: config.name, hub: url });
    refusal = reason;
    if (changed) for (const l of listeners) l(reason);
    settleFirst({ kind: 'refused', reason });
  };

  const verify = async () => {
    try {
      const checked = await checkHubIdentity(db, expected, chain);
      if (!checked.ok) return refuse(checked.error);
      const wasRefused = refusal !== null;
      verified = true;
      refusal = null;
      if (wasRefused) {
        log('info', `${config.name} network: hub ${url} fits again`, { network: config.name });
        for (const l of listeners) l(null);
      }
      settleFirst({ kind: 'ready' });
    } catch (e) {
      if (!(e instanceof HubError)) throw e;
      // The hub's own refusal (e.g. a history too large for a light client) will not change; a lost connection will.
      if (e.kind === 'response') return refuse(`hub ${url}: ${e.message}`);
      log('warn', 'hub check interrupted; trying again', { network: config.name, error: e.message });
      settleFirst({ kind: 'unreachable', reason: e.message });
      // a new connection checks again by itself; a connection that stayed up is checked again a little later
      if (hub.connected) setTimeout(() => hub.connected && !verified && check(), RECHECK_MS).unref();
    }
  };
  const check = () => void verify().catch((e) => log('error', 'hub check failed', { network: config.name, error: String(e) }));
  hub.on('connected', check);
  hub.on('refused', (why: string) => refuse(`hub ${url} is not on the ${config.kind}: ${why}`));
  hub.connect().catch((e: unknown) => {
    if (e instanceof HubError && e.kind === 'disconnected') settleFirst({ kind: 'unreachable', reason: e.message });
  });

  return {
    hub,
    first,
    onRefusal: (listener) => void listeners.push(listener),
    problem: () => refusal ?? (verified ? null : `hub ${url} not reached yet`),
    refused: () => refusal,
    status() {
      const state = refusal !== null ? 'refused' : hub.connected ? 'connected' : 'disconnected';
      const error = refusal ?? (!hub.connected ? `hub ${url} not reachable` : verified ? undefined : `hub ${url} being checked`);
      return { network: config.kind, hub: state, hub_url: url, ...(error ? { error } : {}) };
    },
  };
}
