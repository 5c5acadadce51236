// The composition root: builds every part from the configuration and wires them together.
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type Big from 'big.js';
import { rateMaxAgeMs, type Config, type NetworkConfig } from './config.ts';
import { openDb, storeExists, waitForStore, type Db } from './storage/db.ts';
import { loosePrivateFiles, makePrivateDir } from './private-files.ts';
import type { NetworkName } from './storage/schema.ts';
import { depositAccount } from './storage/ledger.ts';
import type { HubClient } from './obyte/hub-client.ts';
import { newTextcoin, textcoinLink, walletKey, type KeyPair } from './obyte/keys.ts';
import { assertWalletFitsStore, KEY_INDEX, secretKey, walletMnemonic } from './wallet.ts';
import { GENESIS_UNIT, textcoinClaimFee } from './obyte/constants.ts';
import { startDevHubThread, type DevHubHandle } from './devhub/thread.ts';
import { HubDepositChain } from './chain/hub-deposit-chain.ts';
import { fetchUnitPayment } from './chain/purchase-unit.ts';
import { createExchangeRateSource, createOracleRateSource } from './rates/hub-source.ts';
import { createFixedRateSource } from './rates/fixed-source.ts';
import { createCbrRateSource, createEcbRateSource } from './rates/fiat-source.ts';
import { RateCache, type PricedBy, type RatesStatus } from './rates/cache.ts';
import { readRatesStatus, saveRatesStatus } from './storage/rate-status.ts';
import type { Pair, RateSource } from './rates/types.ts';
import { createMailer, type Mailer } from './mail/mailer.ts';
import { SecretBox } from './services/secret-box.ts';
import { AuthThrottle } from './services/auth-throttle.ts';
import { addPartner, listPartners, rememberingAuthenticator } from './services/partners.ts';
import { submitPurchase, type PurchaseDeps, type PurchaseNetwork } from './services/purchases.ts';
import { PayoutWaiters } from './services/payouts/waiters.ts';
import { startSenderThread, type SenderThread } from './sender-thread.ts';
import { emailTextcoins, textcoinIssuer } from './services/textcoins.ts';
import { creditDeposits, sweepDeposits, type WatchedAddress } from './services/deposits.ts';
import { closeTextcoins } from './services/textcoin-closing.ts';
import { markStableUnits } from './services/stability.ts';
import { buildHttpApp } from './http/app.ts';
import { pruneAuthFailures, recordAuthFailure } from './storage/auth-failures.ts';
import { pruneBudgetHours } from './storage/budgets.ts';
import { checkStoreIdentity, type ExpectedIdentity } from './services/network-identity.ts';
import { startHubLink, type HubLink, type HubVerdict } from './hub-link.ts';

export type Log = (level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>) => void;

export interface NetworkRuntime {
  config: NetworkConfig;
  /** the embedded devhub, run in a worker thread of its own */
  devhub: DevHubHandle | null;
  hub: HubClient;
  /** the hub connection's state: whether this network may take orders and pay, and what /health shows */
  link: HubLink;
  hot: KeyPair;
  funding: KeyPair;
  deposits: HubDepositChain;
  rates: RateCache;
  /** the payout sender, in a worker thread of its own; null in an API-only process */
  sender: SenderThread | null;
  purchase: PurchaseNetwork;
}

export interface Runtime {
  config: Config;
  db: Db;
  mnemonic: string;
  networks: Record<NetworkName, NetworkRuntime>;
  http: FastifyInstance | null;
  /** Set on the first start of an embedded default: the demo partner's credentials, shown once. */
  demoPartner: { name: string; key: string } | null;
  depositKey(depositIndex: number): KeyPair;
  /** One pass of deposit crediting and sweeping, and of marking stable units, on a network (also on a timer). */
  scanDeposits(network: NetworkName): Promise<void>;
  /** One pass over the network's funded textcoins: claimed ones are marked, expired ones taken back (also on a timer). */
  closeTextcoins(network: NetworkName, now?: number): Promise<{ claimed: number; takenBack: number }>;
  close(): Promise<void>;
}

/**
 * The server refuses to start: the store belongs to another network or wallet, or the hub is on another network.
 * Its message is one line for the operator (`npm start` prints it and exits with code 2).
 */
export class StartRefusal extends Error {}

/** How long a start waits for an external hub's first answer before serving without it (it keeps connecting). */
const FIRST_HUB_ANSWER_MS = 5000;

/** Devnet prices for the embedded default (no price oracle exists there): roughly today's market. */
const DEVNET_FEEDS: Readonly<Record<string, number>> = { GBYTE_USD: 8.5, BTC_USD: 95000, GBYTE_BTC: 0.00008947 };
/** The embedded devhubs' oracle posts its feeds again this often, well within RATE_MAX_AGE_MS's default. */
const DEVNET_FEED_INTERVAL_MS = 5 * 60_000;

export interface RuntimeOptions {
  log?: Log;
  listen?: boolean;
  /** Where the HTTP request log goes (stdout when not given). */
  logStream?: NodeJS.WritableStream;
}

export async function startRuntime(config: Config, opts: RuntimeOptions = {}): Promise<Runtime> {
  const log: Log = opts.log ?? (() => undefined);
  // The wallet first: a refusal (no wallet on a real network) leaves nothing behind, not even DATA_DIR.
  const mnemonic = walletMnemonic(config);
  makePrivateDir(config.dataDir);
  const reachable = await waitForStore(config.store, {
    waitMs: config.storeWaitMs,
    onRetry: (why) => log('warn', why),
  });
  if (!reachable.ok) throw new StartRefusal(reachable.error);
  // A new textcoin key only with a new store (or where wallets are made freely): one made for an existing store could
  // not read the textcoins in it, and those would never be taken back.
  const box = new SecretBox(await secretKey(config, async () => config.wallet.create || !(await storeExists(config.store))));
  const db = await openDb(config.store);
  await assertWalletFitsStore(db, mnemonic).catch(async (e: unknown) => {
    await db.close();
    throw e;
  });
  // Warn, do not change them: the operator may have reasons (a backup user's group) we cannot see.
  const loose = loosePrivateFiles(config);
  if (loose.length > 0) {
    log('warn', 'files holding secrets are readable by other users; make folders 0700 and files 0600', {
      files: loose.map((f) => `${f.path} (${f.mode})`),
    });
  }
  const policy = config.policy;
  const mailer: Mailer = createMailer(config.mail);
  const waiters = new PayoutWaiters(db, db.dialect === 'postgres' ? 200 : 0);
  const runsWorker = config.mode !== 'api';
  const closers: Array<() => Promise<void> | void> = [];
  const hot = walletKey(mnemonic, KEY_INDEX.hot);
  const funding = walletKey(mnemonic, KEY_INDEX.funding);
  // Deriving a key costs tens of milliseconds, so each is derived once.
  const depositKeys = new Map<number, KeyPair>();
  const keysByAddress = new Map<string, KeyPair>([[funding.address, funding]]);
  const depositKey = (index: number): KeyPair => {
    let key = depositKeys.get(index);
    if (!key) {
      key = walletKey(mnemonic, KEY_INDEX.depositBase + index);
      depositKeys.set(index, key);
      keysByAddress.set(key.address, key);
    }
    return key;
  };
  const mailDeps = {
    db,
    box,
    mailer,
    ttlDays: config.payouts.textcoinTtlDays,
    link: (network: NetworkName, m: string) => textcoinLink(m, config.networks[network].kind),
    log,
  };
  // One mailing at a time: two at once could both pick the same unsent textcoin.
  let mailing: Promise<unknown> = Promise.resolve();
  const sendMail = (ids?: string[]) => {
    mailing = mailing
      .then(() => emailTextcoins(mailDeps, ids))
      .catch((e) => log('error', 'textcoin e-mail failed', { error: String(e) }));
  };

  const expectedIdentity = (nc: NetworkConfig): ExpectedIdentity => ({
    network: nc.name,
    kind: nc.kind,
    alt: nc.protocol.alt,
    genesisUnit: nc.kind === 'devnet' ? null : GENESIS_UNIT[nc.kind],
    hotAddress: hot.address,
  });
  // Before anything reaches a hub: a store of another network or wallet must not be touched.
  for (const nc of Object.values(config.networks)) {
    const checked = await checkStoreIdentity(db, expectedIdentity(nc));
    if (!checked.ok) {
      mailer.close();
      await db.close();
      throw new StartRefusal(checked.error);
    }
  }

  const startNetwork = async (nc: NetworkConfig): Promise<NetworkRuntime> => {
    // The sender's worker loads while the devhub starts; it connects once the hub's address is known.
    let hubKnown: (url: string) => void = () => undefined;
    let hubFailed: (e: unknown) => void = () => undefined;
    const hubUrlReady = new Promise<string>((resolve, reject) => {
      hubKnown = resolve;
      hubFailed = reject;
    });
    const senderStarting = runsWorker
      ? startSenderThread(
          {
            store: config.store,
            network: nc.name,
            hubTimeoutMs: config.hubTimeoutMs,
            hot,
            protocol: nc.protocol,
            maxPerUnit: config.payouts.maxPerUnit,
            leaseMs: config.payouts.leaseMs,
            maxTpsFeePerPayout: config.payouts.maxTpsFeePerPayout,
            minUnitIntervalMs: config.payouts.minUnitIntervalMs,
          },
          { settle: (ids, outcome) => waiters.settle(ids, outcome), textcoinsFunded: (ids) => sendMail(ids), log },
          hubUrlReady,
        )
      : null;
    // Awaited below; a failure before then must not go unhandled meanwhile.
    senderStarting?.catch(() => undefined);

    let devhub: DevHubHandle | null = null;
    let hubUrl = nc.hubUrl;
    if (nc.embeddedDevhubPort !== null) {
      try {
        // In a worker thread: under load its validation would otherwise take a share of the HTTP server's thread.
        devhub = await startDevHubThread({
          host: '127.0.0.1',
          port: nc.embeddedDevhubPort,
          dbFile: join(config.dataDir, `devhub-${nc.name}.sqlite`),
          params: nc.protocol,
          genesis: [{ address: funding.address, amount: 100_000e9 }],
          stabilityDelayMs: nc.devhubStabilityMs,
          tpsFee: nc.devhubTpsFee,
          oracle: { feeds: DEVNET_FEEDS, intervalMs: DEVNET_FEED_INTERVAL_MS },
          exchangeRates: DEVNET_FEEDS,
          clockOffsetMs: config.devhubClockOffsetMs,
          logger: {
            info: (message) => log('info', message, { network: nc.name }),
            warn: (message) => log('warn', message, { network: nc.name }),
          },
        });
      } catch (e) {
        hubFailed(e);
        throw e;
      }
      closers.push(() => devhub!.close());
      hubUrl = devhub.url;
    }
    hubKnown(hubUrl);
    const link = startHubLink({
      config: nc,
      url: hubUrl,
      db,
      expected: expectedIdentity(nc),
      walletAddresses: [hot.address, funding.address],
      requestTimeoutMs: config.hubTimeoutMs,
      log,
    });
    const hub = link.hub;
    closers.push(() => hub.close());
    const deposits = new HubDepositChain(hub, nc.protocol, (address) => keysByAddress.get(address), hot.address);
    const rates = await startRates(config, nc, db, hub, devhub?.oracleAddress ?? null, log);
    closers.push(() => rates.stop());

    const sender = senderStarting ? await senderStarting : null;
    if (sender) {
      link.onRefusal((reason) => sender.hold(reason));
      if (link.refused() !== null) sender.hold(link.refused());
    }
    const claimFee = textcoinClaimFee(nc.protocol.version);
    const purchase: PurchaseNetwork = {
      name: nc.name,
      rates: async (pairs) => {
        const current = await rates.current(pairs);
        return current.ok ? { ok: true, value: { rates: current.value.rates, sources: current.value.sources } } : current;
      },
      purchaseUnit: (unit) => fetchUnitPayment(hub, unit),
      // the claiming unit's fees plus twice the tps fee, as ocore's wallet adds to a textcoin
      textcoinAllowance: () => claimFee + 2 * (sender?.lastTpsFee ?? 0),
      isOwnAddress: (address) => address === hot.address || keysByAddress.has(address),
      unavailable: () => link.problem(),
    };
    return { config: nc, devhub, hub, link, hot, funding, deposits, rates, sender, purchase };
  };

  // Side by side: each network starts worker threads that take a moment to load.
  const [main, test] = await Promise.all([startNetwork(config.networks.main), startNetwork(config.networks.test)]);
  const networks = { main, test };
  try {
    await firstHubAnswers(networks, log);
  } catch (e) {
    // refused: leave nothing running behind (the threads, the hub connections, the store)
    for (const n of Object.values(networks)) await n.sender?.stop();
    for (const close of closers.reverse()) await close();
    mailer.close();
    await db.close();
    throw e;
  }

  // First start of an embedded default: a demo partner with a funded deposit on each devnet.
  let demoPartner: Runtime['demoPartner'] = null;
  const embedded = Object.values(networks).filter((n) => n.devhub !== null);
  if (embedded.length > 0 && (await listPartners(db)).length === 0) {
    const added = await addPartner(db, 'demo');
    if (!added.ok) throw new Error(`cannot create the demo partner: ${added.error}`);
    demoPartner = { name: added.value.partner.name, key: added.value.key };
    const address = depositKey(added.value.partner.depositIndex).address;
    for (const n of embedded) {
      // a devnet kept in DATA_DIR may have funded this address for a store used before: never fund it twice
      const held = await n.devhub!.balance(address);
      if (held.stable + held.pending === 0) await n.devhub!.faucet(address, 1_000e9);
    }
  }

  const watchedAddresses = async (): Promise<WatchedAddress[]> => {
    const watched: WatchedAddress[] = [{ address: funding.address, account: 'pool' }];
    for (const p of await listPartners(db)) watched.push({ address: depositKey(p.depositIndex).address, account: depositAccount(p.id) });
    return watched;
  };
  // Deriving every deposit key up front also lets purchases refuse them as recipients (isOwnAddress).
  await watchedAddresses();
  if (!runsWorker) {
    const known = setInterval(() => void watchedAddresses().catch((e) => log('warn', 'cannot list partners', { error: String(e) })), 5000);
    closers.push(() => clearInterval(known));
  }
  // One maintenance pass at a time per network: two at once would compose the same sweep twice.
  const queues: Record<NetworkName, Promise<unknown>> = { main: Promise.resolve(), test: Promise.resolve() };
  const serialized = <T>(name: NetworkName, task: () => Promise<T>): Promise<T> => {
    const next = queues[name].catch(() => undefined).then(task);
    queues[name] = next;
    return next;
  };
  const scanDeposits = (name: NetworkName): Promise<void> =>
    serialized(name, async () => {
      // a network that is refused, or not yet checked, is not looked at: its chain may not be this store's
      if (networks[name].link.problem() !== null) return;
      const { deposits } = networks[name];
      const watched = await watchedAddresses();
      const addresses = watched.map((w) => w.address);
      const result = await creditDeposits(db, name, deposits, watched, new Set([hot.address, ...addresses]));
      if (result.credited > 0) log('info', 'deposits credited', { network: name, count: result.credited, bytes: result.bytes.toString() });
      await sweepDeposits(db, name, deposits, addresses);
      const { missing } = await markStableUnits(db, name, deposits);
      if (missing.length > 0) log('error', 'units the hub accepted are gone from it', { network: name, units: missing });
    });
  const closeTextcoinsOn = (name: NetworkName, now = Date.now()) =>
    serialized(name, async () =>
      networks[name].link.problem() !== null ? { claimed: 0, takenBack: 0 } : closeTextcoins({ db, network: name, chain: networks[name].deposits, box, ttlDays: config.payouts.textcoinTtlDays, log }, now),
    );

  if (runsWorker) {
    for (const n of Object.values(networks)) closers.push(() => n.sender!.stop());
    waiters.onQueued((name) => networks[name].sender?.poke());
    // The first pass, at once, also e-mails textcoins left unsent by a stop.
    let textcoinsCheckedAt = -Infinity;
    let scanning = false;
    const scan = async () => {
      if (scanning) return; // a slow hub must not pile passes up
      scanning = true;
      try {
        // Textcoins are looked at less often (a minute by default): a claim or an expiry is not urgent.
        const textcoinsToo = Date.now() - textcoinsCheckedAt >= config.payouts.textcoinCheckMs;
        if (textcoinsToo) textcoinsCheckedAt = Date.now();
        for (const name of ['main', 'test'] as const) {
          await scanDeposits(name).catch((e) => log('warn', 'deposit scan failed', { network: name, error: String(e) }));
          if (textcoinsToo) await closeTextcoinsOn(name).catch((e) => log('warn', 'textcoin pass failed', { network: name, error: String(e) }));
        }
        if (textcoinsToo) sendMail();
      } finally {
        scanning = false;
      }
    };
    const timer = setInterval(() => void scan(), config.payouts.scanIntervalMs);
    // The hub says when a watched address (funding, deposits) sees a new unit: look at once, not at the next tick.
    const nudges = new Map<NetworkName, NodeJS.Timeout>();
    for (const n of Object.values(networks)) {
      n.hub.on('justsaying', (subject: string) => {
        if (subject !== 'light/have_updates' || nudges.has(n.config.name)) return;
        nudges.set(n.config.name, setTimeout(() => {
          nudges.delete(n.config.name);
          void scanDeposits(n.config.name).catch((e) => log('warn', 'deposit scan failed', { network: n.config.name, error: String(e) }));
        }, 200));
      });
    }
    closers.push(async () => {
      clearInterval(timer);
      for (const t of nudges.values()) clearTimeout(t);
      await Promise.all([...Object.values(queues), mailing].map((p) => p.catch(() => undefined)));
    });
    void scan();
  }

  let http: FastifyInstance | null = null;
  if (config.mode !== 'worker') {
    const { maxFailures, windowMs } = config.authThrottle;
    const throttle = new AuthThrottle(maxFailures, windowMs, (key, now, window) => recordAuthFailure(db, key, now, window));
    // Counts whose window has passed, and budget hours no window reaches, are deleted now and then.
    const prune = async () => {
      await pruneAuthFailures(db, Date.now(), windowMs);
      await pruneBudgetHours(db, Date.now());
    };
    const pruning = setInterval(() => void prune().catch((e) => log('warn', 'pruning throttle and budget counts failed', { error: String(e) })), Math.max(windowMs, 60_000));
    closers.push(() => clearInterval(pruning));
    const deps: PurchaseDeps = {
      db,
      authenticate: rememberingAuthenticator(db),
      policy,
      payouts: waiters,
      textcoins: textcoinIssuer(box, newTextcoin),
      waitMs: config.payouts.waitMs,
    };
    http = await buildHttpApp({
      submitPurchase: (network, raw) => submitPurchase(deps, networks[network].purchase, raw),
      health: async () => {
        const details: Record<string, unknown> = {};
        let healthy = true;
        for (const [name, n] of Object.entries(networks)) {
          const status = n.link.status();
          details[name] = { ...status, hot_address: n.hot.address, rates: rateHealth(n.rates.status()) };
          healthy &&= status.error === undefined;
        }
        return { ok: healthy, details };
      },
      throttle,
      bodyLimit: config.http.bodyLimit,
      trustProxy: config.http.trustProxy,
      logger: config.logLevel === 'silent' ? false : { level: config.logLevel, ...(opts.logStream ? { stream: opts.logStream } : {}) },
    });
    if (opts.listen !== false) await http.listen({ host: config.http.host, port: config.http.port });
    closers.push(() => http!.close());
  }

  return {
    config,
    db,
    mnemonic,
    networks,
    http,
    demoPartner,
    depositKey,
    scanDeposits,
    closeTextcoins: closeTextcoinsOn,
    async close() {
      for (const close of closers.reverse()) await close();
      mailer.close();
      await db.close();
    },
  };
}

/**
 * The network's rate sources (oracle feeds, the hub's exchange rates, fixed rates, ECB and CBR, in that order of
 * preference) behind a cache that cross-checks them and holds wild moves. The cache's status goes to the store
 * after every round (for `cashback rates`), and the values it used before a restart are read back from there.
 */
async function startRates(config: Config, nc: NetworkConfig, db: Db, hub: HubClient, devhubOracle: string | null, log: Log): Promise<RateCache> {
  const trust = config.rateTrust;
  const oracle = nc.oracleAddress ?? devhubOracle;
  const sources: RateSource[] = [];
  if (oracle) sources.push(createOracleRateSource({ hub, oracles: [oracle] }));
  sources.push(createExchangeRateSource({ hub }));
  if (Object.keys(nc.rates.fixed).length > 0) {
    const fixed = createFixedRateSource(nc.rates.fixed as Record<string, Big>);
    if (!fixed.ok) throw new Error(`FIXED_RATES: ${fixed.error}`);
    // the operator's explicit choice; fixed prices never go stale, so say loudly that they price real money
    if (nc.kind !== 'devnet') log('warn', `${nc.name} network (${nc.kind}): FIXED_RATES prices real money`, { pairs: Object.keys(nc.rates.fixed) });
    sources.push(fixed.value);
  }
  if (nc.rates.fiat) {
    const { ecbUrl, cbrUrl, timeoutMs } = config.rates.fiat;
    sources.push(
      createEcbRateSource({ url: ecbUrl, timeoutMs, maxDocumentAgeMs: rateMaxAgeMs(config, 'EUR_USD') }),
      createCbrRateSource({ url: cbrUrl, timeoutMs, maxDocumentAgeMs: rateMaxAgeMs(config, 'RUB_USD') }),
    );
  }
  const lastUsed: Partial<Record<Pair, PricedBy>> = {};
  try {
    const stored = (await readRatesStatus(db, nc.name)) as RatesStatus | null;
    for (const p of Array.isArray(stored?.pairs) ? stored.pairs : []) if (p?.in_use) lastUsed[p.pair] = p.in_use;
  } catch (e) {
    // the status is a convenience: a damaged one must not stop the server, only the breaker starts afresh
    log('warn', 'cannot read the stored rate status', { network: nc.name, error: String(e) });
  }
  // One write at a time, in order: the latest status wins.
  let saving: Promise<void> = Promise.resolve();
  const rates = new RateCache({
    sources,
    maxAgeMs: (pair) => rateMaxAgeMs(config, pair),
    trust: { tolerance: trust.tolerance, step: trust.step },
    refreshAfterMs: config.rates.refreshMs,
    intervalMs: config.rates.refreshMs,
    confirmAfterMs: config.rates.refreshMs,
    lastUsed,
    onFailure: (source, f) => log('warn', 'rate source failed', { network: nc.name, source, error: f.detail ?? f.message }),
    onEvent: (event) => log('warn', `rate ${event.kind}`, { network: nc.name, ...event }),
    onStatus: (status) => {
      saving = saving
        .then(() => saveRatesStatus(db, nc.name, status))
        .catch((e) => log('warn', 'cannot store the rate status', { network: nc.name, error: String(e) }));
    },
  });
  rates.start();
  return rates;
}

/** Per pair, for /health: its state, the value in use with its source and age, and what is wrong. */
function rateHealth(status: RatesStatus): Record<string, unknown> {
  return Object.fromEntries(
    status.pairs.map((p) => [
      p.pair,
      {
        state: p.state,
        ...(p.in_use ? { value: p.in_use.value, source: p.in_use.source, age_ms: status.updated_at - p.in_use.at } : {}),
        ...(p.held ? { held: p.held.value } : {}),
        ...(p.problem ? { problem: p.problem } : {}),
      },
    ]),
  );
}

/**
 * Waits for each hub's first answer: an embedded devhub's always (it is up), an external hub's for a few seconds at
 * most; one that cannot be reached is connected in the background while the API serves. A hub found on another
 * network, or a wallet another store has used, refuses the start.
 */
async function firstHubAnswers(networks: Record<NetworkName, NetworkRuntime>, log: Log): Promise<void> {
  const verdicts = await Promise.all(
    Object.values(networks).map(async (n) => {
      const waited = n.devhub
        ? n.link.first
        : Promise.race([
            n.link.first,
            new Promise<HubVerdict>((resolve) => setTimeout(() => resolve({ kind: 'unreachable', reason: 'no answer yet' }), FIRST_HUB_ANSWER_MS).unref()),
          ]);
      return { n, verdict: await waited };
    }),
  );
  for (const { n, verdict } of verdicts) {
    if (verdict.kind === 'refused') throw new StartRefusal(`${n.config.name} network: ${verdict.reason}`);
    if (verdict.kind === 'unreachable') {
      log('warn', `${n.config.name} network: hub ${n.link.status().hub_url} not reachable (${verdict.reason}); serving without it and connecting in the background`, {
        network: n.config.name,
      });
    }
  }
}
