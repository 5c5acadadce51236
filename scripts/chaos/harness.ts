// Crash-proof harness for the payout engine: the server runs as a child process that is SIGKILLed at random
// moments and restarted, while clients keep posting purchases and the hubs (in this process) misbehave.
// At the end every purchase's final answer is checked against what the hubs hold: each accepted purchase paid
// exactly once, nothing paid for a refused one, and `cashback reconcile` agrees with the chain.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startDevHub, type DevHub } from '../../src/devhub/index.ts';
import { HubClient } from '../../src/obyte/hub-client.ts';
import { generateMnemonic, textcoinKey, walletKey } from '../../src/obyte/keys.ts';
import { addressFromPubkey } from '../../src/obyte/address.ts';
import { baseOutputs } from '../../src/obyte/payments.ts';
import { KEY_INDEX } from '../../src/wallet.ts';
import { openDb, type StoreLocation } from '../../src/storage/db.ts';
import { addPartner } from '../../src/services/partners.ts';
import { balances } from '../../src/storage/ledger.ts';
import type { Joint, Unit } from '../../src/obyte/types.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface ChaosOptions {
  /** SIGKILLs of the server during the load. */
  kills: number;
  /** Distinct purchases (orders) the clients post. */
  purchases: number;
  /** Clients posting at once. */
  concurrency: number;
  /** Share of the purchases sent to the test network (the rest go to main). */
  testShare: number;
  /** Share of the purchases whose `address` is an e-mail (a fresh one per order): paid as a textcoin. */
  emailShare: number;
  /** How long the server lives after it answers /health before it is killed: a short range, and sometimes a long one. */
  upMs: { short: [number, number]; long: [number, number]; longShare: number };
  /** Share of the cycles in which a hub fault is injected while the server runs. */
  faultShare: number;
  /**
   * Share of the cycles whose kill waits for the hub to accept a unit touching the hot wallet (seen through the
   * hub's light/have_updates), then strikes 0–`acceptKillJitterMs` later: in the window between a payout unit's
   * acceptance and its `sent` mark, the one that double payments come from.
   */
  killOnAcceptShare: number;
  acceptKillJitterMs: number;
  /**
   * Share of the cycles that freeze the server (SIGSTOP) instead, past its lease, start a successor on the other
   * port, wake the frozen one up beside it (mid-send, with a lease it no longer holds), then SIGKILL it.
   */
  pauseShare: number;
  /** Every this many kills, deposits arrive (pool top-up and partner deposit on both networks). */
  topUpEvery: number;
  /** The server's sender lease (SENDER_LEASE_MS) and how long a request waits for its unit (PAYOUT_WAIT_MS). */
  leaseMs: number;
  payoutWaitMs: number;
  hubTimeoutMs: number;
  /** `sqlite` (the embedded default) or a PostgreSQL server URL: a fresh database is made in it and dropped. */
  store: 'sqlite' | { postgres: string };
  seed: number;
  /** Keep the data directory (server logs, store) for a post-mortem. */
  keep: boolean;
  log: (line: string) => void;
}

export const DEFAULT_OPTIONS: ChaosOptions = {
  kills: 60,
  purchases: 600,
  concurrency: 12,
  testShare: 0.1,
  emailShare: 0.2,
  upMs: { short: [50, 800], long: [1000, 4000], longShare: 0.3 },
  faultShare: 0.4,
  topUpEvery: 5,
  killOnAcceptShare: 0.35,
  pauseShare: 0.1,
  acceptKillJitterMs: 30,
  leaseMs: 1500,
  payoutWaitMs: 3000,
  hubTimeoutMs: 1000,
  store: 'sqlite',
  seed: Date.now() % 1_000_000_007,
  keep: false,
  log: (line) => console.log(line),
};

export interface ChaosResult {
  kills: number;
  purchases_ok: number;
  paid_once: number;
  lost: number;
  doubled: number;
  reconciled: boolean;
}

export interface ChaosReport extends ChaosResult {
  purchases: number;
  /** Final answers other than ok, by message. */
  final_errors: Record<string, number>;
  /** Purchases that finally answered an error but whose address was paid anyway (counted in `doubled`). */
  paid_but_refused: number;
  /** ok answers whose unit does not pay the purchase's address, or pays another amount (counted in `lost`). */
  wrong_unit: number;
  /** Orders answered ok twice with different units (counted in `doubled`). */
  changed_answer: number;
  /**
   * The e-mail purchases (also counted in the totals above): mapped through the store to their textcoin addresses,
   * then counted on the hubs like the others. `store_mismatch`: answered ok, but not exactly one live textcoin in the store.
   */
  textcoins: {
    orders: number;
    purchases_ok: number;
    paid_once: number;
    lost: number;
    doubled: number;
    paid_but_refused: number;
    wrong_unit: number;
    store_mismatch: number;
    /** .eml files in the outbox with a claim link, and paid textcoins whose link was e-mailed more than once. */
    emails: number;
    emails_duplicated: number;
  };
  /** Paid textcoins with no .eml to their e-mail carrying the link of their mnemonic (the run fails on any). */
  emails_missing: number;
  faults: Record<string, number>;
  /** Kill cycles that froze the server and woke it beside its successor; those whose successor could not start while it was frozen. */
  pauses: number;
  pauses_blocked: number;
  /** Kills that struck right after the hub accepted a unit of the hot wallet. */
  kills_on_accept: number;
  /** HTTP 500 answers (an unexpected fault in the server) and the server's logged faults, by message. */
  http_500: number;
  server_faults: Record<string, number>;
  /** Rounds of deposits (pool and partner, both networks) paid in between kills. */
  top_ups: number;
  requests: number;
  reconcile: { exit: number | null; output: string };
  duration_ms: number;
  data_dir: string;
  seed: number;
}

/** The network feeds of the embedded default (runtime.ts DEVNET_FEEDS), so rates exist on our devhubs too. */
const FEEDS = { GBYTE_USD: 8.5, BTC_USD: 95000, GBYTE_BTC: 0.00008947 };
const AMOUNTS = ['0.5', '1', '2.35', '5', '7.2', '12.5', '20', '49.99'];
/** Answers after which a client sends the same order again (the contract says so for both). */
const RETRY_ERRORS = new Set(['payout failed, try again later', 'payout pending, try again later']);

type NetName = 'main' | 'test';

interface Order {
  network: NetName;
  orderId: string;
  /** A wallet address, or an e-mail when `email`. */
  address: string;
  email: boolean;
  amount: string;
  partnerPct: string;
  /** The last answer the server gave, or null while none came. */
  answer: { result: string; error?: string; unit?: string; cashback_amount?: number } | null;
  okUnits: Set<string>;
  tries: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolvePort(port));
    });
  });
}

/** A valid address nobody has ever used: the address of a random public key. */
function freshAddress(): string {
  return addressFromPubkey(Buffer.concat([Buffer.from([2]), randomBytes(32)]).toString('base64'));
}

/** The server as a child process; its output goes to one log file per start. */
class ServerProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private logFile = '';

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    readonly baseUrl: string,
    /** The next log file's path (one counter for all servers of a run). */
    private readonly nextLog: () => string,
  ) {}

  get running(): boolean {
    return this.child !== null;
  }

  start(): void {
    if (this.child) throw new Error('server already running');
    this.logFile = this.nextLog();
    const logFile: WriteStream = createWriteStream(this.logFile);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(logFile, { end: false });
    child.stderr!.pipe(logFile, { end: false });
    this.child = child;
    this.exited = new Promise((res) =>
      child.once('exit', () => {
        if (this.child === child) this.child = null;
        logFile.end();
        res();
      }),
    );
  }

  /** SIGSTOP / SIGCONT: freezes the process (a long GC pause, a suspended VM) or lets it go on. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    this.child?.kill(signal);
  }

  /** Resolves once /health answers ok; throws when the process dies or does not come up. */
  async ready(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.child) throw new Error(`server exited during start (see ${this.logFile})`);
      try {
        const res = await fetch(`${this.baseUrl}/health`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return;
        await res.arrayBuffer();
      } catch {
        // not listening yet
      }
      await sleep(30);
    }
    throw new Error('server did not become healthy in time');
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill(signal);
    await this.exited;
  }
}

async function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, ['bin/cashback.js', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr });
    });
  });
}

/** Everything the hot wallet paid to these addresses: address → list of { unit, amount }. */
async function paymentsFromHot(hub: HubClient, hot: string, addresses: string[]): Promise<Map<string, Array<{ unit: string; amount: number }>>> {
  const witnesses = await hub.getWitnesses();
  const units = new Map<string, Unit>();
  for (let i = 0; i < addresses.length; i += 500) {
    const history = await hub.getHistory({ witnesses, addresses: addresses.slice(i, i + 500) });
    for (const j of (history.joints ?? []) as Joint[]) if (j.unit.unit) units.set(j.unit.unit, j.unit);
  }
  const wanted = new Set(addresses);
  const paid = new Map<string, Array<{ unit: string; amount: number }>>();
  for (const [hash, unit] of units) {
    if (!unit.authors.some((a) => a.address === hot)) continue;
    for (const o of baseOutputs(unit)) {
      if (!wanted.has(o.address)) continue;
      paid.set(o.address, [...(paid.get(o.address) ?? []), { unit: hash, amount: o.amount }]);
    }
  }
  return paid;
}

/** A textcoin of the store, with its payout and order. */
interface StoredTextcoin {
  network: NetName;
  orderId: string;
  address: string;
  email: string;
  textcoinStatus: string;
  payoutStatus: string;
  unit: string | null;
  amount: bigint;
  cashback: bigint;
}

async function storedTextcoins(location: StoreLocation, partnerId: string): Promise<StoredTextcoin[]> {
  const db = await openDb(location);
  try {
    const rows = await db.kysely
      .selectFrom('textcoins')
      .innerJoin('payouts', 'payouts.id', 'textcoins.payout_id')
      .innerJoin('purchases', 'purchases.id', 'payouts.purchase_id')
      .select([
        'purchases.network',
        'purchases.order_id',
        'textcoins.address',
        'textcoins.email',
        'textcoins.status as textcoin_status',
        'payouts.status as payout_status',
        'payouts.unit',
        'payouts.amount',
        'payouts.cashback',
      ])
      .where('purchases.partner_id', '=', partnerId)
      .execute();
    return rows.map((r) => ({
      network: r.network as NetName,
      orderId: r.order_id,
      address: r.address,
      email: r.email,
      textcoinStatus: r.textcoin_status,
      payoutStatus: r.payout_status,
      unit: r.unit,
      amount: BigInt(r.amount),
      cashback: BigInt(r.cashback),
    }));
  } finally {
    await db.close();
  }
}

function decodeQuotedPrintable(s: string): string {
  return s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/**
 * The outbox's messages as (recipient, textcoin address) pairs: the address is derived from the mnemonic in the
 * message's claim link, so a message counts only when its link really opens that textcoin.
 */
function emailedTextcoins(outbox: string): { files: number; sent: Map<string, number> } {
  const sent = new Map<string, number>();
  let files = 0;
  let names: string[];
  try {
    names = readdirSync(outbox).filter((f) => f.endsWith('.eml'));
  } catch {
    return { files, sent };
  }
  for (const name of names) {
    const raw = readFileSync(join(outbox, name), 'utf8');
    const to = /^To:\s*(?:.*<)?([^\s<>]+@[^\s<>]+)>?\s*$/im.exec(raw.slice(0, raw.indexOf('\n\n') > 0 ? raw.indexOf('\n\n') : undefined))?.[1]?.toLowerCase();
    if (!to) continue;
    const body = decodeQuotedPrintable(raw);
    const coins = new Set<string>();
    for (const m of body.matchAll(/textcoin\?([a-z]+(?:-[a-z]+)*)/g)) {
      const words = m[1]!.split('-');
      if (words.length !== 12) continue;
      try {
        coins.add(textcoinKey(words.join(' ')).address);
      } catch {
        // not a valid mnemonic: the link opens nothing
      }
    }
    if (coins.size > 0) files++;
    for (const address of coins) sent.set(`${to} ${address}`, (sent.get(`${to} ${address}`) ?? 0) + 1);
  }
  return { files, sent };
}

/** Faults the server logged (level error, or pino's 50 and up), counted by message, over all its starts. */
function serverFaults(dataDir: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const file of readdirSync(dataDir).filter((f) => /^server-\d+\.log$/.test(f))) {
    for (const line of readFileSync(join(dataDir, file), 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const entry = JSON.parse(line) as { level?: unknown; msg?: unknown; err?: { message?: unknown }; error?: unknown };
        if (entry.level !== 'error' && !(typeof entry.level === 'number' && entry.level >= 50)) continue;
        const detail = entry.err?.message ?? entry.error ?? '';
        const key = `${String(entry.msg)}: ${String(detail).split('\n')[0]!.slice(0, 120)}`;
        counts[key] = (counts[key] ?? 0) + 1;
      } catch {
        // not a log entry
      }
    }
  }
  return counts;
}

export async function runChaos(partial: Partial<ChaosOptions> = {}): Promise<ChaosReport> {
  const o: ChaosOptions = { ...DEFAULT_OPTIONS, ...partial };
  const started = Date.now();
  const rand = mulberry32(o.seed);
  const between = ([lo, hi]: [number, number]) => lo + Math.floor(rand() * (hi - lo + 1));
  const log = o.log;
  const dataDir = mkdtempSync(join(tmpdir(), 'cashback-chaos-'));
  log(`chaos: seed ${o.seed}, ${o.kills} kills, ${o.purchases} purchases, store ${o.store === 'sqlite' ? 'sqlite' : 'postgres'}, data ${dataDir}`);

  const hubs: Record<NetName, DevHub> = {
    main: await startDevHub({ port: 0, stabilityDelayMs: 300, oracle: { feeds: FEEDS }, exchangeRates: FEEDS }),
    test: await startDevHub({ port: 0, stabilityDelayMs: 300, oracle: { feeds: FEEDS }, exchangeRates: FEEDS }),
  };
  let pgDatabase: { admin: string; name: string } | null = null;
  let servers: ServerProcess[] = [];
  // A run that finds a problem keeps its data directory (store, server logs) for the post-mortem.
  let clean = false;
  try {
    let location: StoreLocation;
    let databaseUrl: string | null = null;
    if (o.store === 'sqlite') {
      location = { kind: 'sqlite', file: join(dataDir, 'cashback.sqlite') };
    } else {
      const name = `chaos_${randomBytes(5).toString('hex')}`;
      const admin = new pg.Client({ connectionString: o.store.postgres });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      pgDatabase = { admin: o.store.postgres, name };
      const url = new URL(o.store.postgres);
      url.pathname = `/${name}`;
      databaseUrl = url.toString();
      location = { kind: 'postgres', url: databaseUrl, poolSize: 2 };
    }

    const mnemonic = generateMnemonic();
    const hot = walletKey(mnemonic, KEY_INDEX.hot).address;
    const funding = walletKey(mnemonic, KEY_INDEX.funding).address;
    const db = await openDb(location);
    const added = await addPartner(db, 'chaos');
    if (!added.ok) throw new Error(`partner: ${added.error}`);
    const partnerKey = added.value.key;
    const depositAddress = walletKey(mnemonic, KEY_INDEX.depositBase + added.value.partner.depositIndex).address;
    for (const hub of Object.values(hubs)) {
      await hub.faucet(funding, 20_000e9);
      await hub.faucet(depositAddress, 2_000e9);
      hub.stabilize();
    }

    // Two servers on two ports: one runs at a time, except in a pause cycle, when a frozen one wakes up beside its successor.
    const ports = [await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATA_DIR: dataDir,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl, DATABASE_POOL_SIZE: '4' } : {}),
      MAIN_HUB_URL: hubs.main.url,
      MAIN_NETWORK: 'devnet',
      MAIN_ORACLE_ADDRESS: hubs.main.oracleAddress,
      TEST_HUB_URL: hubs.test.url,
      TEST_NETWORK: 'devnet',
      TEST_ORACLE_ADDRESS: hubs.test.oracleAddress,
      LOG_LEVEL: 'warn',
      SENDER_LEASE_MS: String(o.leaseMs),
      PAYOUT_WAIT_MS: String(o.payoutWaitMs),
      HUB_TIMEOUT_MS: String(o.hubTimeoutMs),
      WALLET_MNEMONIC: mnemonic,
    };
    let logs = 0;
    const nextLog = () => join(dataDir, `server-${String(++logs).padStart(3, '0')}.log`);
    servers = ports.map((port) => new ServerProcess({ ...env, PORT: String(port) }, `http://127.0.0.1:${port}`, nextLog));
    let srv = servers[0]!;
    const other = () => (srv === servers[0] ? servers[1]! : servers[0]!);

    // The pool is credited by the server's deposit scan once the funding payment is stable.
    srv.start();
    await srv.ready();
    for (let i = 0; ; i++) {
      const pools = await Promise.all((['main', 'test'] as const).map(async (n) => (await balances(db.kysely, n)).get('pool') ?? 0n));
      if (pools.every((p) => p > 0n)) break;
      if (i > 400) throw new Error('the pool was never credited');
      await sleep(100);
    }
    await db.close();
    log(`chaos: server up on :${ports[0]}, pools credited, hot wallet ${hot}`);

    const orders: Order[] = Array.from({ length: o.purchases }, (_, i) => ({
      network: rand() < o.testShare ? 'test' : 'main',
      orderId: `chaos-${i}`,
      ...(rand() < o.emailShare ? { address: `c${randomBytes(8).toString('hex')}@example.com`, email: true } : { address: freshAddress(), email: false }),
      amount: AMOUNTS[Math.floor(rand() * AMOUNTS.length)]!,
      partnerPct: rand() < 0.5 ? '0' : String(1 + Math.floor(rand() * 5)),
      answer: null,
      okUnits: new Set(),
      tries: 0,
    }));
    let requests = 0;
    let http500 = 0;
    let answeredSinceStart = 0;
    let changedAnswer = 0;

    /** One POST of the order; false when no answer came (server dead or dying). */
    const postOrder = async (order: Order): Promise<boolean> => {
      requests++;
      order.tries++;
      try {
        const res = await fetch(`${srv.baseUrl}${order.network === 'test' ? '/test' : ''}/new_purchase`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            partner: 'chaos',
            partner_key: partnerKey,
            customer: `customer-${order.orderId}`,
            order_id: order.orderId,
            address: order.address,
            currency: 'USD',
            currency_amount: order.amount,
            partner_cashback_percentage: order.partnerPct,
          }),
          signal: AbortSignal.timeout(o.payoutWaitMs + 15_000),
        });
        const json = (await res.json()) as NonNullable<Order['answer']>;
        if (res.status >= 500) http500++;
        if (res.status >= 500 || res.status === 429) return false;
        order.answer = json;
        answeredSinceStart++;
        if (json.result === 'ok' && json.unit) {
          if (order.okUnits.size > 0 && !order.okUnits.has(json.unit)) changedAnswer++;
          order.okUnits.add(json.unit);
        }
        return true;
      } catch {
        return false;
      }
    };
    const settled = (order: Order) => order.answer !== null && (order.answer.result === 'ok' || !RETRY_ERRORS.has(order.answer.error ?? ''));

    // Clients: each takes the next order that has no final answer yet; an order without one goes to the back.
    // New orders are released a slice per kill cycle, so the load lasts through every kill.
    let loadRunning = true;
    const perCycle = Math.ceil(orders.length / (o.kills + 1));
    let released = 0;
    const queue: Order[] = [];
    const release = (n: number) => {
      const slice = orders.slice(released, released + n);
      released += slice.length;
      queue.push(...slice);
    };
    release(perCycle);
    const client = async () => {
      while (loadRunning) {
        const order = queue.shift();
        if (!order) {
          await sleep(50);
          continue;
        }
        const answered = await postOrder(order);
        if (!answered || !settled(order)) {
          queue.push(order);
          if (!answered) await sleep(50 + Math.floor(rand() * 200));
        }
      }
    };
    const clients = Array.from({ length: o.concurrency }, () => client());

    // The killer, with hub faults between kills.
    const faultCounts: Record<string, number> = {};
    const faultNames = [
      'disconnectAll',
      'failNextPosts:transient',
      'failNextPosts:rejected',
      'dropOnRequest:post_joint',
      'stallNext:post_joint',
      'delayMs:timeout',
      'delayMs:inflight',
      'dropNextConnections',
    ] as const;
    const injectFault = (hub: DevHub) => {
      const name = faultNames[Math.floor(rand() * faultNames.length)]!;
      faultCounts[name] = (faultCounts[name] ?? 0) + 1;
      switch (name) {
        case 'disconnectAll':
          hub.faults.disconnectAll();
          break;
        case 'failNextPosts:transient':
          hub.faults.failNextPosts(1 + Math.floor(rand() * 3), 'unknown parents');
          break;
        case 'failNextPosts:rejected':
          hub.faults.failNextPosts(1, 'chaos: refused for good');
          break;
        case 'dropOnRequest:post_joint':
          hub.faults.dropOnRequest('post_joint', 1);
          break;
        case 'stallNext:post_joint':
          hub.faults.stallNext('post_joint', 1);
          break;
        case 'delayMs:timeout':
          // longer than the server's hub timeout: the hub accepts a unit whose post the server saw time out
          hub.faults.delayMs = o.hubTimeoutMs + between([-200, 800]);
          break;
        case 'delayMs:inflight':
          // slow answers widen the window between a unit's acceptance and its `sent` mark, where kills land
          hub.faults.delayMs = between([100, 500]);
          break;
        case 'dropNextConnections':
          hub.faults.dropNextConnections(1 + Math.floor(rand() * 3));
          hub.faults.disconnectAll();
          break;
      }
    };

    // The hub tells a watcher of the hot address at once when a unit touching it is accepted (or becomes stable).
    let onHotUpdate: (() => void) | null = null;
    const watchers: HubClient[] = [];
    for (const hub of Object.values(hubs)) {
      const watcher = new HubClient({ url: hub.url, requestTimeoutMs: 5000, reconnectMinMs: 50, reconnectMaxMs: 200 });
      const watch = async () => {
        const witnesses = await watcher.getWitnesses();
        await watcher.getHistory({ witnesses, addresses: [hot] }).catch(() => undefined); // too large a history still registers the watch
      };
      watcher.on('connected', () => void watch().catch(() => undefined));
      watcher.on('justsaying', (subject: string) => {
        if (subject === 'light/have_updates') onHotUpdate?.();
      });
      await watcher.connect();
      await watch();
      watchers.push(watcher);
    }

    let kills = 0;
    let killsOnAccept = 0;
    let pauses = 0;
    let pausesBlocked = 0;
    let topUps = 0;
    while (kills < o.kills) {
      answeredSinceStart = 0;
      const upFor = rand() < o.upMs.longShare ? between(o.upMs.long) : between(o.upMs.short);
      const killAfterAnswers = 1 + Math.floor(rand() * 30);
      // early in the cycle, so that the fault meets the sends of this server's life rather than its kill
      const faultAt = rand() < o.faultShare ? Math.floor(rand() * Math.min(upFor, 400)) : -1;
      const faultHub = rand() < 0.8 ? hubs.main : hubs.test;
      const t0 = Date.now();
      let faulted = false;
      let struck = false;
      let open = true;
      const onAccept = rand() < o.killOnAcceptShare;
      const pause = rand() < o.pauseShare;
      if (onAccept) {
        const jitter = Math.floor(rand() * (o.acceptKillJitterMs + 1));
        const strike = () => {
          if (!open) return; // the cycle ended meanwhile: this server is gone, or is the successor
          struck = true;
          if (pause) srv.signal('SIGSTOP');
          else void srv.kill('SIGKILL');
        };
        onHotUpdate = () => {
          onHotUpdate = null;
          if (jitter === 0) strike();
          else setTimeout(strike, jitter);
        };
      }
      const until = onAccept ? t0 + o.upMs.long[1] : t0 + upFor;
      while (!struck && Date.now() < until && (onAccept || answeredSinceStart < killAfterAnswers)) {
        if (!faulted && faultAt >= 0 && Date.now() - t0 >= faultAt) {
          injectFault(faultHub);
          faulted = true;
        }
        await sleep(10);
      }
      onHotUpdate = null;
      open = false;
      if (pause) {
        const frozen = srv;
        frozen.signal('SIGSTOP');
        srv = other();
        srv.start();
        try {
          await srv.ready();
          // the successor takes the lease once the frozen one's has expired, and finishes what it left signed
          await sleep(o.leaseMs + between([0, o.leaseMs]));
          frozen.signal('SIGCONT');
          await sleep(between(o.upMs.short));
        } catch {
          // a store the frozen process holds locked (SQLite in a write transaction) keeps the successor from starting
          pausesBlocked++;
          frozen.signal('SIGCONT');
          await srv.kill('SIGKILL');
        }
        await frozen.kill('SIGKILL');
        pauses++;
      } else await srv.kill('SIGKILL');
      kills++;
      if (struck) killsOnAccept++;
      for (const hub of Object.values(hubs)) hub.faults.reset();
      const done = orders.filter((x) => x.answer?.result === 'ok').length;
      if (kills % 5 === 0 || kills === o.kills) {
        log(`chaos: kill ${kills}/${o.kills} after ${Date.now() - t0} ms up; ${done}/${orders.length} orders ok, ${requests} requests`);
        const emailOrders = orders.filter((x) => x.email);
        const emailDone = emailOrders.filter((x) => x.answer?.result === 'ok').length;
        log(`chaos: textcoins: ${emailDone}/${emailOrders.length} e-mail orders ok`);
      }
      // Money keeps arriving too: a pool top-up and a partner deposit to credit and sweep between kills.
      if (kills % o.topUpEvery === 0) {
        for (const hub of Object.values(hubs)) {
          await hub.faucet(funding, 100e9);
          await hub.faucet(depositAddress, 10e9);
        }
        topUps++;
      }
      release(perCycle);
      if (!srv.running) srv.start();
      await srv.ready();
    }
    release(orders.length);
    for (const w of watchers) await w.close();

    // Let the load finish on a server that is left alone, then learn every order's final answer.
    log('chaos: kills done; letting the clients finish');
    const finishBy = Date.now() + Math.max(60_000, o.purchases * 200);
    while (queue.length > 0 && Date.now() < finishBy) await sleep(100);
    loadRunning = false;
    await Promise.all(clients);
    await srv.kill('SIGTERM');
    srv.start();
    await srv.ready();
    log('chaos: clean restart; asking every order for its final answer');
    const finalPass = async (list: Order[]) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: o.concurrency }, async () => {
          while (next < list.length) {
            const order = list[next++]!;
            for (let attempt = 0; attempt < 20; attempt++) {
              if ((await postOrder(order)) && settled(order)) break;
              await sleep(200);
            }
          }
        }),
      );
    };
    await finalPass(orders);
    // A second pass: the answers must not change any more.
    await finalPass(orders);

    // Every unit stable, the deposit scan credited and swept everything it sees.
    const watched = [funding, depositAddress];
    for (let i = 0; ; i++) {
      for (const hub of Object.values(hubs)) hub.stabilize();
      const left = Object.values(hubs).flatMap((hub) => watched.map((a) => hub.balance(a))).some((b) => b.stable + b.pending > 0);
      if (!left && i > 0) break;
      if (i > 150) {
        log('chaos: warning: the deposit addresses still hold bytes');
        break;
      }
      await sleep(200);
    }
    await sleep(o.leaseMs);
    for (const hub of Object.values(hubs)) hub.stabilize();

    // The chain's view.
    let paidOnce = 0;
    let lost = 0;
    let doubled = 0;
    let paidButRefused = 0;
    let wrongUnit = 0;
    const finalErrors: Record<string, number> = {};
    for (const network of ['main', 'test'] as const) {
      const list = orders.filter((x) => x.network === network && !x.email);
      if (list.length === 0) continue;
      const hub = new HubClient({ url: hubs[network].url, requestTimeoutMs: 30_000 });
      await hub.connect();
      try {
        const paid = await paymentsFromHot(hub, hot, list.map((x) => x.address));
        for (const order of list) {
          const got = paid.get(order.address) ?? [];
          if (order.answer?.result === 'ok') {
            if (got.length === 0) lost++;
            else if (got.length > 1) doubled++;
            else if (got[0]!.unit !== order.answer.unit || got[0]!.amount !== order.answer.cashback_amount) {
              wrongUnit++;
              lost++;
            } else paidOnce++;
            if (got.length >= 1) {
              const detail = got.map((g) => `${g.unit}:${g.amount}`).join(',');
              if (got.length > 1) log(`chaos: DOUBLED ${network} ${order.orderId} ${order.address} answered ${order.answer.unit}; paid ${detail}`);
              else if (wrongUnit > 0 && got[0]!.unit !== order.answer.unit) log(`chaos: WRONG UNIT ${network} ${order.orderId} answered ${order.answer.unit}; paid ${detail}`);
            } else log(`chaos: LOST ${network} ${order.orderId} ${order.address} answered ${order.answer.unit}`);
          } else {
            const message = order.answer?.error ?? 'no answer';
            finalErrors[message] = (finalErrors[message] ?? 0) + 1;
            if (got.length > 0) {
              paidButRefused++;
              doubled++;
              log(`chaos: PAID BUT REFUSED ${network} ${order.orderId} answered "${message}"; paid ${got.map((g) => g.unit).join(',')}`);
            }
          }
        }
      } finally {
        await hub.close();
      }
    }
    doubled += changedAnswer;

    // The ledger against the chain, on the stopped server's store.
    await srv.kill('SIGTERM');

    // E-mail orders: the store names each one's textcoin(s); the hubs say what the hot wallet paid to them.
    const tc = { orders: 0, purchases_ok: 0, paid_once: 0, lost: 0, doubled: 0, paid_but_refused: 0, wrong_unit: 0, store_mismatch: 0, emails: 0, emails_duplicated: 0 };
    let emailsMissing = 0;
    const emailOrders = orders.filter((x) => x.email);
    if (emailOrders.length > 0) {
      const coinsByOrder = new Map<string, StoredTextcoin[]>();
      for (const coin of await storedTextcoins(location, added.value.partner.id)) {
        const key = `${coin.network} ${coin.orderId}`;
        coinsByOrder.set(key, [...(coinsByOrder.get(key) ?? []), coin]);
      }
      const outbox = emailedTextcoins(join(dataDir, 'outbox'));
      tc.emails = outbox.files;
      for (const network of ['main', 'test'] as const) {
        const list = emailOrders.filter((x) => x.network === network);
        if (list.length === 0) continue;
        const hub = new HubClient({ url: hubs[network].url, requestTimeoutMs: 30_000 });
        await hub.connect();
        try {
          const addresses = list.flatMap((x) => (coinsByOrder.get(`${network} ${x.orderId}`) ?? []).map((c) => c.address));
          const paid = addresses.length > 0 ? await paymentsFromHot(hub, hot, addresses) : new Map<string, Array<{ unit: string; amount: number }>>();
          for (const order of list) {
            tc.orders++;
            const coins = coinsByOrder.get(`${network} ${order.orderId}`) ?? [];
            const got = coins.flatMap((c) => (paid.get(c.address) ?? []).map((g) => ({ ...g, coin: c })));
            const detail = `${network} ${order.orderId} ${order.address}: textcoins ${coins.map((c) => `${c.address}(${c.textcoinStatus}/${c.payoutStatus}/${c.unit ?? '-'})`).join(',') || 'none'}; paid ${got.map((g) => `${g.coin.address}:${g.unit}:${g.amount}`).join(',') || 'nothing'}`;
            if (order.answer?.result === 'ok') {
              tc.purchases_ok++;
              const live = coins.filter((c) => c.payoutStatus !== 'failed');
              if (got.length === 0) {
                tc.lost++;
                log(`chaos: LOST TEXTCOIN ${detail}; answered ${order.answer.unit}`);
              } else if (got.length > 1) {
                tc.doubled++;
                log(`chaos: DOUBLED TEXTCOIN ${detail}; answered ${order.answer.unit}`);
              } else if (live.length !== 1 || live[0]!.address !== got[0]!.coin.address) {
                tc.store_mismatch++;
                tc.lost++;
                log(`chaos: TEXTCOIN STORE MISMATCH ${detail}; answered ${order.answer.unit}`);
              } else if (
                got[0]!.unit !== order.answer.unit ||
                BigInt(got[0]!.amount) !== got[0]!.coin.amount ||
                BigInt(order.answer.cashback_amount ?? -1) !== got[0]!.coin.cashback
              ) {
                tc.wrong_unit++;
                tc.lost++;
                log(`chaos: WRONG TEXTCOIN UNIT ${detail}; answered ${order.answer.unit} ${order.answer.cashback_amount}; store amount ${got[0]!.coin.amount}`);
              } else tc.paid_once++;
              // Whatever the verdict on the payment, a textcoin that was paid must have reached its e-mail.
              for (const g of got) {
                const n = outbox.sent.get(`${order.address.toLowerCase()} ${g.coin.address}`) ?? 0;
                if (n === 0) {
                  emailsMissing++;
                  log(`chaos: E-MAIL MISSING ${detail} (textcoin ${g.coin.address}, status ${g.coin.textcoinStatus})`);
                } else if (n > 1) tc.emails_duplicated++;
              }
            } else {
              const message = order.answer?.error ?? 'no answer';
              finalErrors[message] = (finalErrors[message] ?? 0) + 1;
              if (got.length > 0) {
                tc.paid_but_refused++;
                tc.doubled++;
                log(`chaos: PAID BUT REFUSED TEXTCOIN ${detail}; answered "${message}"`);
              }
            }
          }
        } finally {
          await hub.close();
        }
      }
      paidOnce += tc.paid_once;
      lost += tc.lost;
      doubled += tc.doubled;
      paidButRefused += tc.paid_but_refused;
      wrongUnit += tc.wrong_unit;
      log(
        `chaos: textcoins: ${tc.purchases_ok}/${tc.orders} e-mail orders ok, ${tc.paid_once} paid once, ${tc.lost} lost, ${tc.doubled} doubled; ` +
          `${tc.emails} e-mails, ${emailsMissing} missing, ${tc.emails_duplicated} sent twice`,
      );
    }
    const rec = await runCli(['reconcile', '--json'], env);
    const recOutput = (rec.stdout + rec.stderr).trim();
    let reconciled = rec.code === 0;
    if (/unknown command/i.test(rec.stderr)) {
      reconciled = false;
      log('chaos: `cashback reconcile` does not exist yet: reconciled=false');
    } else if (reconciled) log('chaos: reconcile: the ledger matches the chain');
    else log(`chaos: reconcile exited ${rec.code}: ${recOutput.slice(0, 4000)}`);

    const purchasesOk = orders.filter((x) => x.answer?.result === 'ok').length;
    const report: ChaosReport = {
      kills,
      purchases_ok: purchasesOk,
      paid_once: paidOnce,
      lost,
      doubled,
      reconciled,
      purchases: orders.length,
      final_errors: finalErrors,
      paid_but_refused: paidButRefused,
      wrong_unit: wrongUnit,
      changed_answer: changedAnswer,
      textcoins: tc,
      emails_missing: emailsMissing,
      faults: faultCounts,
      kills_on_accept: killsOnAccept,
      pauses,
      pauses_blocked: pausesBlocked,
      http_500: http500,
      server_faults: serverFaults(dataDir),
      top_ups: topUps,
      requests,
      reconcile: { exit: rec.code, output: reconciled ? 'ok' : recOutput.slice(0, 4000) },
      duration_ms: Date.now() - started,
      data_dir: dataDir,
      seed: o.seed,
    };
    clean = passed(report);
    if (!clean) log(`chaos: kept ${dataDir} for the post-mortem`);
    return report;
  } finally {
    for (const server of servers) await server.kill('SIGKILL');
    for (const hub of Object.values(hubs)) await hub.close();
    if (pgDatabase) {
      const admin = new pg.Client({ connectionString: pgDatabase.admin });
      await admin.connect();
      await admin.query(`drop database if exists ${pgDatabase.name} with (force)`);
      await admin.end();
    }
    if (!o.keep && clean) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The one-line verdict the script prints last. */
export function verdict(r: ChaosReport): ChaosResult {
  return { kills: r.kills, purchases_ok: r.purchases_ok, paid_once: r.paid_once, lost: r.lost, doubled: r.doubled, reconciled: r.reconciled };
}

/** Clean: nothing lost or doubled, the ledger equal to the chain, and (given a full report) no textcoin e-mail missing. */
export function passed(r: ChaosResult & { emails_missing?: number }): boolean {
  return r.lost === 0 && r.doubled === 0 && r.reconciled && (r.emails_missing ?? 0) === 0;
}
