// A local Obyte hub for development and tests: the real wire protocol, ocore's validation, a DAG in SQLite.
import { DEFAULT_THRESHOLD_SIZE, NETWORK_PARAMS, TOTAL_WHITEBYTES } from '../obyte/constants.ts';
import type { Logger } from '../obyte/hub-client.ts';
import type { Joint } from '../obyte/types.ts';
import type { CommandContext } from './commands.ts';
import type { Faults } from './faults.ts';
import { loadIdentity, type HubIdentity } from './identity.ts';
import { HubNode } from './node.ts';
import { composeGenesis } from './own-units.ts';
import { HubServer } from './server.ts';
import { DagStore } from './store.ts';
import { DEFAULT_MIN_ACCEPTABLE_TPS_FEE_MULTIPLIER, resolveTpsFeeVars, type TpsFeeVars } from './tps-fee.ts';
import { HubWallet } from './wallet.ts';

export interface DevHubOptions {
  /** 127.0.0.1 by default */
  host?: string;
  /** 6611 by default; 0 = any free port */
  port?: number;
  /** ':memory:' by default; a file keeps the DAG (and the hub's keys) across restarts */
  dbFile?: string;
  /** devnet (4.0dev / 3) by default */
  params?: { version: string; alt: string };
  /** addresses the genesis unit funds, on first start only */
  genesis?: Array<{ address: string; amount: number }>;
  /** a unit becomes stable this long after it is accepted; 1000 ms by default */
  stabilityDelayMs?: number;
  /**
   * feeds the hub's oracle posts at start, where they differ from its last posted values; with `intervalMs` it posts
   * its latest values again that often, as the real price oracle does (until stopFeeds())
   */
  oracle?: { feeds?: Record<string, number | string>; intervalMs?: number };
  /** what hub/get_exchange_rates answers */
  exchangeRates?: Record<string, number>;
  /** the hub's clock in ms (timestamps, tps fee windows); timers still run on real time */
  now?: () => number;
  /** the hub's clock runs this far from `now` (negative: behind), until setClockOffset() */
  clockOffsetMs?: number;
  /**
   * tps_fee pricing (see tps-fee.ts): base_tps_fee × (e^(tps/tps_interval) − 1) × tps_fee_multiplier, tps over a
   * sliding window of `windowSec` seconds. Defaults: ocore's initial votes 10 / 1 / 10, window 10 s. Units paying
   * less are refused; `{ tps_fee_multiplier: 0 }` makes tps fees free.
   */
  tpsFee?: Partial<TpsFeeVars>;
  /**
   * ocore's conf.min_acceptable_tps_fee_multiplier (1.5): a unit whose tps fee, balance included, is below this
   * many times the current fee (without tps_fee_multiplier) is refused for now with `tps fee on address … must be
   * at least …`.
   */
  minAcceptableTpsFeeMultiplier?: number;
  /** the threshold_size system variable (10,000, ocore's initial vote): above it a unit pays an oversize fee */
  thresholdSize?: number;
  /** heartbeat a peer after this much silence (10 s) and drop it when unanswered for `heartbeatTimeoutMs` (60 s) */
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
  logger?: Logger;
}

export interface DevHub {
  url: string;
  port: number;
  params: { version: string; alt: string };
  oracleAddress: string;
  faucetAddress: string;
  witnesses: string[];
  /** pays `amount` bytes from the faucet; resolves to the unit, rejects with the hub's error text */
  faucet(address: string, amount: number): Promise<string>;
  /** the oracle posts a data_feed unit (validated like any unit) */
  setFeed(name: string, value: number | string): Promise<void>;
  /**
   * the oracle posts these feeds in one unit, stamped `timestampMs` if given (rounded to seconds; it must not be older
   * than the latest unit's nor too far into the future); resolves to the unit
   */
  publishFeeds(feeds: Record<string, number | string>, timestampMs?: number): Promise<string>;
  /** the oracle stops posting its feeds again on its interval, as an oracle that went down */
  stopFeeds(): void;
  /** moves the hub's clock (see clockOffsetMs); moving it behind the latest unit makes new units invalid */
  setClockOffset(ms: number): void;
  setExchangeRates(rates: Record<string, number>): void;
  /** unspent outputs of the address, by stability */
  balance(address: string): { stable: number; pending: number };
  getJoint(unit: string): Joint | null;
  /** makes every accepted unit stable now */
  stabilize(): void;
  faults: Faults;
  close(): Promise<void>;
}

const DEFAULT_PORT = 6611;
const DEFAULT_STABILITY_DELAY_MS = 1000;
/** the oracle's working balance, paid by the faucet right after genesis */
const ORACLE_FUNDS = 10_000_000_000;
const PARAMS_META = 'params';

/**
 * On first start: the genesis unit funds `genesis` and the faucet, then the faucet funds the oracle through the
 * normal validation path and both are made stable at once, so the last stable main chain index is 1 (ocore's
 * pick_divisible_coins_for_amount refuses last_ball_mci 0 as missing).
 */
function bootstrap(node: HubNode, wallet: HubWallet, identity: HubIdentity, genesis: Array<{ address: string; amount: number }>): void {
  const unit = composeGenesis({
    params: node.params,
    authors: [identity.hub, identity.oracle, identity.faucet],
    outputs: [...genesis, { address: identity.faucet.address, amount: TOTAL_WHITEBYTES }],
    timestamp: node.nowSec(),
  });
  node.store.insertUnit(unit, { spent: [], definitions: unit.authors.map((a) => ({ address: a.address, definition: a.definition })), dataFeeds: {} }, node.now());
  node.stabilize();
  const funded = wallet.pay(identity.faucet, [{ address: identity.oracle.address, amount: ORACLE_FUNDS }]);
  if (!funded.ok) throw new Error(`devhub bootstrap failed: ${funded.error}`);
  node.stabilize();
}

function changedFeeds(node: HubNode, oracle: string, feeds: Record<string, number | string>): Record<string, number | string> {
  return Object.fromEntries(Object.entries(feeds).filter(([name, value]) => String(node.store.feedValues([oracle], name)[0]?.value) !== String(value)));
}

/** The devhub without its network side: the DAG, the hub's keys and node, bootstrapped on first use. */
export interface HubCore {
  store: DagStore;
  identity: HubIdentity;
  node: HubNode;
  wallet: HubWallet;
  tpsVars: TpsFeeVars;
  close(): void;
}

export function openHubCore(opts: DevHubOptions = {}, clockOffset = { ms: opts.clockOffsetMs ?? 0 }): HubCore {
  const params = opts.params ?? NETWORK_PARAMS.devnet;
  const store = new DagStore(opts.dbFile ?? ':memory:');
  let node: HubNode | null = null;
  try {
    const storedParams = store.getMeta(PARAMS_META);
    if (storedParams && storedParams !== JSON.stringify(params)) throw new Error(`the devhub database was created for ${storedParams}`);
    store.setMeta(PARAMS_META, JSON.stringify(params));
    const identity = loadIdentity(store);
    const tpsVars = resolveTpsFeeVars(opts.tpsFee);
    const thresholdSize = opts.thresholdSize ?? DEFAULT_THRESHOLD_SIZE;
    if (!Number.isSafeInteger(thresholdSize) || thresholdSize <= 0) throw new Error('thresholdSize must be a positive integer');
    const minAcceptable = opts.minAcceptableTpsFeeMultiplier ?? DEFAULT_MIN_ACCEPTABLE_TPS_FEE_MULTIPLIER;
    if (!Number.isFinite(minAcceptable) || minAcceptable < 0) throw new Error('minAcceptableTpsFeeMultiplier must be a non-negative number');
    const now = opts.now ?? Date.now;
    const clock = () => now() + clockOffset.ms;
    node = new HubNode(store, params, tpsVars, opts.stabilityDelayMs ?? DEFAULT_STABILITY_DELAY_MS, clock, minAcceptable, identity.witnesses, thresholdSize);
    const wallet = new HubWallet(node);
    if (store.isEmpty()) bootstrap(node, wallet, identity, opts.genesis ?? []);
    const feeds = changedFeeds(node, identity.oracle.address, opts.oracle?.feeds ?? {});
    if (Object.keys(feeds).length) {
      const posted = wallet.postFeeds(identity.oracle, feeds);
      if (!posted.ok) throw new Error(`devhub could not post the initial feeds: ${posted.error}`);
    }
    const hubNode = node;
    return {
      store,
      identity,
      node,
      wallet,
      tpsVars,
      close() {
        hubNode.close();
        store.close();
      },
    };
  } catch (e) {
    node?.close();
    store.close();
    throw e;
  }
}

export async function startDevHub(opts: DevHubOptions = {}): Promise<DevHub> {
  const clockOffset = { ms: opts.clockOffsetMs ?? 0 };
  const core = openHubCore(opts, clockOffset);
  const { store, identity, node, wallet, tpsVars } = core;
  const params = node.params;
  try {
    let exchangeRates = { ...(opts.exchangeRates ?? {}) };
    const systemVars = () => {
      const initial = (value: unknown) => [{ vote_count_mci: -1, value, is_emergency: 0 }];
      return {
        op_list: initial(identity.witnesses),
        threshold_size: initial(node.thresholdSize),
        base_tps_fee: initial(tpsVars.base_tps_fee),
        tps_interval: initial(tpsVars.tps_interval),
        tps_fee_multiplier: initial(tpsVars.tps_fee_multiplier),
      };
    };
    const ctx: CommandContext = {
      node,
      witnesses: identity.witnesses,
      exchangeRates: () => exchangeRates,
      systemVars,
      faucet: (address, amount) => wallet.pay(identity.faucet, [{ address, amount }]),
    };
    const server = await HubServer.listen(ctx, {
      host: opts.host ?? '127.0.0.1',
      port: opts.port ?? DEFAULT_PORT,
      heartbeatMs: opts.heartbeatMs ?? 10_000,
      heartbeatTimeoutMs: opts.heartbeatTimeoutMs ?? 60_000,
      systemVars,
      ...(opts.logger ? { logger: opts.logger } : {}),
    });
    const port = server.port;
    // the oracle's latest values, posted again on its interval
    const latestFeeds: Record<string, number | string> = { ...(opts.oracle?.feeds ?? {}) };
    const publish = (feeds: Record<string, number | string>, timestampMs?: number): string => {
      const posted = wallet.postFeeds(identity.oracle, feeds, timestampMs === undefined ? undefined : Math.round(timestampMs / 1000));
      if (!posted.ok) throw new Error(posted.error);
      Object.assign(latestFeeds, feeds);
      return posted.unit;
    };
    let feedTimer: NodeJS.Timeout | null = null;
    if (opts.oracle?.intervalMs && Object.keys(latestFeeds).length > 0) {
      feedTimer = setInterval(() => {
        try {
          publish({ ...latestFeeds });
        } catch (e) {
          opts.logger?.warn(`devhub oracle could not post its feeds: ${e instanceof Error ? e.message : String(e)}`);
        }
      }, opts.oracle.intervalMs);
      feedTimer.unref();
    }
    const stopFeeds = () => {
      if (feedTimer !== null) clearInterval(feedTimer);
      feedTimer = null;
    };
    return {
      url: `ws://${opts.host ?? '127.0.0.1'}:${port}`,
      port,
      params,
      oracleAddress: identity.oracle.address,
      faucetAddress: identity.faucet.address,
      witnesses: [...identity.witnesses],
      async faucet(address, amount) {
        const sent = ctx.faucet(address, amount);
        if (!sent.ok) throw new Error(sent.error);
        return sent.unit;
      },
      async setFeed(name, value) {
        publish({ [name]: value });
      },
      async publishFeeds(feeds, timestampMs) {
        return publish(feeds, timestampMs);
      },
      stopFeeds,
      setClockOffset(ms) {
        clockOffset.ms = ms;
      },
      setExchangeRates(rates) {
        exchangeRates = { ...rates };
      },
      balance(address) {
        const { stable, pending } = store.balance(address);
        return { stable, pending };
      },
      getJoint: (unit) => store.getJoint(unit),
      stabilize: () => node.stabilize(),
      faults: server.faults,
      async close() {
        stopFeeds();
        await server.close();
        core.close();
      },
    };
  } catch (e) {
    core.close();
    throw e;
  }
}
