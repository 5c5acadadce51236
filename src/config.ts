import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import Big from 'big.js';
import type { NetworkName } from './storage/schema.ts';
import type { StoreLocation } from './storage/db.ts';
import { policyProblems, type PolicyConfig } from './domain/policy.ts';
import { CBR_DAILY_URL, ECB_DAILY_URL } from './rates/fiat-source.ts';
import { isValidMnemonic } from './obyte/keys.ts';
import { RATE_PAIRS, type RatePair } from './domain/money.ts';

/**
 * The whole configuration, parsed once at start from environment variables and/or a JSON file
 * (CONFIG_FILE; environment variables win). Nothing else in the program reads process.env.
 */
export interface Config {
  readonly mode: 'all' | 'api' | 'worker';
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly bodyLimit: number;
    /** The proxies whose X-Forwarded-For is believed: addresses, CIDR ranges or proxy-addr's names; empty: none. */
    readonly trustProxy: readonly string[];
  };
  readonly dataDir: string;
  readonly store: StoreLocation;
  /** How long a start waits for a database that cannot be reached (DATABASE_WAIT_MS) before giving up. */
  readonly storeWaitMs: number;
  /** Where the wallet mnemonic comes from; `file` is created on first start when `create` is true. */
  readonly wallet: { readonly mnemonic: string | null; readonly file: string; readonly create: boolean };
  /** Key that encrypts textcoin mnemonics at rest (32 bytes); `file` is created on first start when missing. */
  readonly secretKey: { readonly value: Buffer | null; readonly file: string };
  readonly networks: Readonly<Record<NetworkName, NetworkConfig>>;
  readonly rates: {
    readonly maxAgeMs: number;
    readonly refreshMs: number;
    /** Where the ECB / Bank of Russia rates come from; whether a network uses them is its own `rates.fiat`. */
    readonly fiat: { readonly ecbUrl: string; readonly cbrUrl: string; readonly timeoutMs: number };
  };
  readonly policy: PolicyConfig;
  /** When a rate can be trusted: its age per pair, the cross-check between sources, the breaker on wild moves. */
  readonly rateTrust: RateTrustConfig;
  /** Embedded devhubs: their clock runs this far from real time (negative: behind), for demos and tests of old feeds. */
  readonly devhubClockOffsetMs: number;
  readonly payouts: {
    /** How long a purchase request waits for its payout's unit before answering. */
    readonly waitMs: number;
    readonly maxPerUnit: number;
    readonly textcoinTtlDays: number;
    /** How often deposits are scanned and sent units checked for stability. */
    readonly scanIntervalMs: number;
    /** How often textcoins are checked for claims and expiry, and unsent textcoin e-mails sent again. */
    readonly textcoinCheckMs: number;
    readonly leaseMs: number;
    /** The most tps fee (bytes) a payout unit may pay per payout it carries. */
    readonly maxTpsFeePerPayout: bigint;
    /** While payouts keep coming, at most one payout unit this often (more payouts per unit, lower fees). */
    readonly minUnitIntervalMs: number;
  };
  readonly mail: {
    readonly smtpUrl: string | null;
    readonly from: string;
    /** Without SMTP, messages are written as .eml files here. */
    readonly outboxDir: string;
  };
  /** How long one request to a hub may take before it counts as failed. */
  readonly hubTimeoutMs: number;
  readonly authThrottle: { readonly maxFailures: number; readonly windowMs: number };
  readonly logLevel: string;
}

export interface RateTrustConfig {
  /** The most EUR_USD and RUB_USD may be away from their source's own time (the crypto pairs: rates.maxAgeMs). */
  readonly fiatMaxAgeMs: number;
  /** Per pair, overriding both (RATE_PAIR_MAX_AGE_MS); see rateMaxAgeMs(). */
  readonly pairMaxAgeMs: Readonly<Partial<Record<RatePair, number>>>;
  /** Sources of one pair must agree within this fraction (RATE_TOLERANCE_PCT / 100). */
  readonly tolerance: Big;
  /** A move of more than this fraction from the last value used is held until a second fetch confirms it (RATE_STEP_PCT / 100). */
  readonly step: Big;
}

export interface NetworkConfig {
  readonly name: NetworkName;
  /** ws(s) URL of the hub; for an embedded devhub, its loopback URL. */
  readonly hubUrl: string;
  readonly protocol: { readonly version: string; readonly alt: string };
  /** livenet, testnet or devnet: drives the protocol version and alt, the checks of the hub, textcoin links, rates. */
  readonly kind: NetworkKind;
  /** Run a local devhub in this process on this port (the embedded default). */
  readonly embeddedDevhubPort: number | null;
  readonly oracleAddress: string | null;
  readonly devhubStabilityMs: number;
  /** Embedded devhub: tps fee variables where they differ from ocore's initial votes (DEVHUB_TPS_FEE). */
  readonly devhubTpsFee: Readonly<Partial<Record<TpsFeeVar, number>>>;
  /**
   * Which rate sources this network prices with besides the hub's: fixed rates (the demo's EUR/RUB on a devnet only,
   * unless FIXED_RATES is set) and the ECB / Bank of Russia rates (on outside devnets, unless FIAT_RATES says).
   */
  readonly rates: { readonly fixed: Readonly<Record<string, Big>>; readonly fiat: boolean };
}

export type NetworkKind = 'livenet' | 'testnet' | 'devnet';

const TPS_FEE_VARS = ['base_tps_fee', 'tps_interval', 'tps_fee_multiplier', 'windowSec'] as const;
type TpsFeeVar = (typeof TPS_FEE_VARS)[number];

/** "tps_interval=20,tps_fee_multiplier=10" → the named devhub tps fee variables. */
function parseTpsFee(spec: string | undefined): Partial<Record<TpsFeeVar, number>> {
  const out: Partial<Record<TpsFeeVar, number>> = {};
  if (!spec) return out;
  for (const part of spec.split(',')) {
    const m = /^\s*([A-Za-z_]+)\s*=\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    const name = m?.[1] as TpsFeeVar | undefined;
    if (!m || !name || !TPS_FEE_VARS.includes(name)) {
      throw new ConfigError(`DEVHUB_TPS_FEE: "${part}" is not NAME=number with NAME one of ${TPS_FEE_VARS.join(', ')}`);
    }
    out[name] = Number(m[2]);
  }
  if (out.tps_interval === 0 || out.windowSec === 0) throw new ConfigError('DEVHUB_TPS_FEE: tps_interval and windowSec must be positive');
  return out;
}

export class ConfigError extends Error {}

/** The SQLite store's file in DATA_DIR. */
export const SQLITE_FILE_NAME = 'cashback.sqlite';

type Source = Readonly<Record<string, string | undefined>>;

const NETWORK_SETTINGS = ['HUB_URL', 'NETWORK', 'DEVHUB_PORT', 'ORACLE_ADDRESS'] as const;

/**
 * Every setting the configuration reads, and nothing else: a CONFIG_FILE key outside it is refused (a misspelt
 * setting would otherwise be ignored without a word), the Reader throws on a read outside it, and a test holds it
 * equal to the README's configuration table.
 */
export const CONFIG_KEYS: ReadonlySet<string> = new Set([
  'CONFIG_FILE', 'HOST', 'PORT', 'TRUST_PROXY', 'DATA_DIR', 'DATABASE_URL', 'DATABASE_POOL_SIZE', 'DATABASE_WAIT_MS', 'MODE',
  ...(['MAIN', 'TEST'] as const).flatMap((prefix) => NETWORK_SETTINGS.map((s) => `${prefix}_${s}`)),
  'WALLET_MNEMONIC', 'WALLET_FILE', 'WALLET_CREATE', 'SECRET_KEY',
  'FIXED_RATES', 'FIAT_RATES', 'ECB_RATES_URL', 'CBR_RATES_URL', 'FIAT_RATES_TIMEOUT_MS', 'RATE_MAX_AGE_MS', 'RATE_REFRESH_MS',
  'FIAT_RATE_MAX_AGE_MS', 'RATE_PAIR_MAX_AGE_MS', 'RATE_TOLERANCE_PCT', 'RATE_STEP_PCT',
  'CASHBACK_PCT', 'CASHBACK_GBYTE_PCT', 'MERCHANT_MATCH_CAP_PCT', 'MAX_PARTNER_PCT', 'LARGE_PURCHASE_TIERS', 'MIN_CASHBACK_BYTES',
  'CUSTOMER_CAP_USD_24H', 'ADDRESS_CAP_USD_24H', 'PARTNER_DAILY_BUDGET_USD',
  'PAYOUT_WAIT_MS', 'PAYOUTS_PER_UNIT', 'PAYOUT_UNIT_INTERVAL_MS', 'MAX_TPS_FEE_PER_PAYOUT', 'SENDER_LEASE_MS', 'TEXTCOIN_TTL_DAYS',
  'SCAN_INTERVAL_MS', 'TEXTCOIN_CHECK_MS', 'SMTP_URL', 'MAIL_FROM', 'AUTH_MAX_FAILURES', 'AUTH_WINDOW_MS', 'HUB_TIMEOUT_MS',
  'DEVHUB_STABILITY_MS', 'DEVHUB_TPS_FEE', 'DEVHUB_CLOCK_OFFSET_MS', 'LOG_LEVEL',
]);

const PROTOCOL = {
  livenet: { version: '4.0', alt: '1' },
  testnet: { version: '4.0t', alt: '2' },
  devnet: { version: '4.0dev', alt: '3' },
} as const;

const PUBLIC_ORACLE = { livenet: 'JPQKPRI5FMTQRJF4ZZMYZYDQVRD55OTC', testnet: 'F4KHJUCLJKY4JV7M5F754LAJX4EB7M4N' } as const;

class Reader {
  constructor(private readonly src: Source) {}

  raw(key: string): string | undefined {
    // A bug, not a bad setting: every setting read must be listed, or CONFIG_FILE would refuse it.
    if (!CONFIG_KEYS.has(key)) throw new Error(`config reads ${key}, which CONFIG_KEYS does not list`);
    const v = this.src[key]?.trim();
    return v === undefined || v === '' ? undefined : v;
  }

  str(key: string, fallback: string): string {
    return this.raw(key) ?? fallback;
  }

  int(key: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v)) throw new ConfigError(`${key} must be a whole number, got "${v}"`);
    const n = Number(v);
    if (n < min || n > max) throw new ConfigError(`${key} must be between ${min} and ${max}, got ${n}`);
    return n;
  }

  /** A whole number that may be negative (a clock offset in ms). */
  signedInt(key: string, fallback: number): number {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (!/^-?\d{1,15}$/.test(v)) throw new ConfigError(`${key} must be a whole number of milliseconds, got "${v}"`);
    return Number(v);
  }

  decimal(key: string, fallback: string | null): Big | null {
    const v = this.raw(key) ?? fallback;
    if (v === null) return null;
    if (!/^\d+(\.\d+)?$/.test(v)) throw new ConfigError(`${key} must be a non-negative decimal, got "${v}"`);
    return new Big(v);
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (/^(1|true|yes|on)$/i.test(v)) return true;
    if (/^(0|false|no|off)$/i.test(v)) return false;
    throw new ConfigError(`${key} must be true or false, got "${v}"`);
  }

  oneOf<T extends string>(key: string, values: readonly T[], fallback: T): T {
    const v = this.raw(key) ?? fallback;
    if (!(values as readonly string[]).includes(v)) throw new ConfigError(`${key} must be one of ${values.join(', ')}, got "${v}"`);
    return v as T;
  }
}

function loadFile(env: Source): Source {
  const file = env.CONFIG_FILE?.trim();
  if (!file) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`CONFIG_FILE ${file}: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`CONFIG_FILE ${file} must hold a JSON object of SETTING: value`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (!CONFIG_KEYS.has(k) || k === 'CONFIG_FILE') throw new ConfigError(`CONFIG_FILE ${file}: unknown setting "${k}" (the README's configuration table lists them)`);
    if (typeof v === 'object' && v !== null) throw new ConfigError(`CONFIG_FILE ${file}: ${k} must be a string, number or boolean`);
    out[k] = String(v);
  }
  return out;
}

function parseFixedRates(spec: string | undefined): Record<string, Big> {
  const out: Record<string, Big> = {};
  if (!spec) return out;
  for (const part of spec.split(',')) {
    const m = /^\s*([A-Z]+_[A-Z]+)\s*=\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (!m || !m[1] || !m[2] || new Big(m[2]).lte(0)) throw new ConfigError(`FIXED_RATES: "${part}" is not PAIR=positive decimal`);
    out[m[1]] = new Big(m[2]);
  }
  return out;
}

function parseTiers(spec: string): Array<{ fromUsd: Big; factor: Big }> {
  const tiers = spec.split(',').map((part) => {
    const m = /^\s*(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (!m || !m[1] || !m[2]) throw new ConfigError(`LARGE_PURCHASE_TIERS: "${part}" is not FROM_USD:FACTOR`);
    return { fromUsd: new Big(m[1]), factor: new Big(m[2]) };
  });
  tiers.forEach((t, i) => {
    const prev = tiers[i - 1];
    if (prev && !t.fromUsd.gt(prev.fromUsd)) throw new ConfigError('LARGE_PURCHASE_TIERS bounds must increase');
    if (t.factor.gt(1)) throw new ConfigError('LARGE_PURCHASE_TIERS factors must be at most 1');
  });
  return tiers;
}

/** The embedded default (devnets) pays from a test pool: a budget that demos and tests do not reach. */
const EMBEDDED_PARTNER_BUDGET_USD = '1000000';
const PARTNER_BUDGET_USD = '1000';

function parsePolicy(r: Reader, embedded: boolean): PolicyConfig {
  const policy: PolicyConfig = {
    basePct: r.decimal('CASHBACK_PCT', '10')!,
    bytesPaidPct: r.decimal('CASHBACK_GBYTE_PCT', '20')!,
    matchCapPct: r.decimal('MERCHANT_MATCH_CAP_PCT', '10')!,
    maxPartnerPct: r.decimal('MAX_PARTNER_PCT', '100')!,
    tiers: [{ fromUsd: new Big(0), factor: new Big(1) }, ...parseTiers(r.str('LARGE_PURCHASE_TIERS', '1000:0.5,10000:0.1'))],
    capPerCustomerUsd: r.decimal('CUSTOMER_CAP_USD_24H', null),
    capPerAddressUsd: r.decimal('ADDRESS_CAP_USD_24H', null),
    capWindowMs: 24 * 60 * 60 * 1000,
    minCashbackBytes: BigInt(r.int('MIN_CASHBACK_BYTES', 1000, 1)),
    partnerDailyBudgetUsd: r.decimal('PARTNER_DAILY_BUDGET_USD', embedded ? EMBEDDED_PARTNER_BUDGET_USD : PARTNER_BUDGET_USD)!,
  };
  const problems = policyProblems(policy);
  if (problems.length > 0) throw new ConfigError(`cashback policy: ${problems.join('; ')}`);
  return policy;
}

const DAY = 24 * 60 * 60 * 1000;
const FIAT_PAIRS: readonly RatePair[] = ['EUR_USD', 'RUB_USD'];

/**
 * Crypto pairs (the oracle posts every 10 minutes) age in minutes, RATE_MAX_AGE_MS; the ECB and the Bank of Russia
 * publish once per business day, so their rates age in days, FIAT_RATE_MAX_AGE_MS (6 days: the ECB's Thursday rate
 * before Easter is 5 days 15 hours old when Tuesday's comes out); RATE_PAIR_MAX_AGE_MS="RUB_USD=1036800000,…" sets single pairs.
 */
function parseRateTrust(r: Reader): RateTrustConfig {
  const fiatMaxAgeMs = r.int('FIAT_RATE_MAX_AGE_MS', 6 * DAY, 1000);
  const pairMaxAgeMs: Partial<Record<RatePair, number>> = {};
  for (const part of (r.raw('RATE_PAIR_MAX_AGE_MS') ?? '').split(',').filter((p) => p.trim() !== '')) {
    const m = /^\s*([A-Z]+_[A-Z]+)\s*=\s*(\d+)\s*$/.exec(part);
    const pair = m?.[1] as RatePair | undefined;
    if (!m || !pair || !RATE_PAIRS.includes(pair) || Number(m[2]) < 1000) {
      throw new ConfigError(`RATE_PAIR_MAX_AGE_MS: "${part}" is not PAIR=milliseconds (at least 1000) with PAIR one of ${RATE_PAIRS.join(', ')}`);
    }
    pairMaxAgeMs[pair] = Number(m[2]);
  }
  const tolerance = r.decimal('RATE_TOLERANCE_PCT', '5')!;
  const step = r.decimal('RATE_STEP_PCT', '20')!;
  if (!tolerance.gt(0) || !step.gt(0)) throw new ConfigError('RATE_TOLERANCE_PCT and RATE_STEP_PCT must be above 0');
  return { fiatMaxAgeMs, pairMaxAgeMs, tolerance: tolerance.div(100), step: step.div(100) };
}

/** The most a pair's rate may be away from its source's own time. */
export function rateMaxAgeMs(config: Pick<Config, 'rates' | 'rateTrust'>, pair: RatePair): number {
  return config.rateTrust.pairMaxAgeMs[pair] ?? (FIAT_PAIRS.includes(pair) ? config.rateTrust.fiatMaxAgeMs : config.rates.maxAgeMs);
}

/** Demo prices of EUR and RUB for devnets, where no fiat source is wanted: roughly today's market. */
const DEMO_FIXED_RATES = 'EUR_USD=1.08,RUB_USD=0.011';

/**
 * The network kind of a ledger: as set, else inferred where that is unambiguous. An embedded devhub is a devnet; a
 * hub URL on its own means what the contract says of the ledger (`main` is the Obyte main network, `test` the
 * testnet), so a devnet hub must be named as one.
 */
function networkKind(r: Reader, prefix: string, name: NetworkName, hubUrl: string | undefined): NetworkKind {
  const inferred: NetworkKind = hubUrl ? (name === 'main' ? 'livenet' : 'testnet') : 'devnet';
  const kind = r.oneOf(`${prefix}_NETWORK`, ['livenet', 'testnet', 'devnet'] as const, inferred);
  if (kind !== 'devnet' && !hubUrl) {
    throw new ConfigError(`${prefix}_NETWORK=${kind} needs ${prefix}_HUB_URL (the embedded hub runs a devnet only)`);
  }
  return kind;
}

function networkConfig(r: Reader, name: NetworkName, defaultPort: number): NetworkConfig {
  const prefix = name === 'main' ? 'MAIN' : 'TEST';
  const hubUrl = r.raw(`${prefix}_HUB_URL`);
  // 0 lets the system pick a free port (tests); the hub URL is then known only once the devhub listens.
  const embeddedPort = r.int(`${prefix}_DEVHUB_PORT`, defaultPort, 0, 65535);
  if (hubUrl && !/^wss?:\/\//.test(hubUrl)) throw new ConfigError(`${prefix}_HUB_URL must be a ws:// or wss:// URL`);
  const kind = networkKind(r, prefix, name, hubUrl);
  const devnet = kind === 'devnet';
  return Object.freeze({
    name,
    hubUrl: hubUrl ?? `ws://127.0.0.1:${embeddedPort}`,
    protocol: PROTOCOL[kind],
    kind,
    embeddedDevhubPort: hubUrl ? null : embeddedPort,
    oracleAddress: r.raw(`${prefix}_ORACLE_ADDRESS`) ?? (devnet ? null : PUBLIC_ORACLE[kind]),
    devhubStabilityMs: r.int('DEVHUB_STABILITY_MS', 1000, 0),
    devhubTpsFee: parseTpsFee(r.raw('DEVHUB_TPS_FEE')),
    // The demo's fixed prices never price real money unless the operator sets FIXED_RATES himself.
    rates: {
      fixed: parseFixedRates(r.raw('FIXED_RATES') ?? (devnet ? DEMO_FIXED_RATES : undefined)),
      fiat: r.bool('FIAT_RATES', !devnet),
    },
  });
}

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * TRUST_PROXY: the proxies in front of the server, as Fastify's trustProxy takes them (comma-separated addresses,
 * CIDR ranges, or the names loopback, linklocal, uniquelocal). `true` is refused: it would believe any client's
 * X-Forwarded-For, so anyone could pose as any address (and be throttled, or throttle others, as it).
 */
function parseTrustProxy(spec: string | undefined): string[] {
  if (spec === undefined || /^(0|false|no|off)$/i.test(spec)) return [];
  if (/^(1|true|yes|on)$/i.test(spec)) {
    throw new ConfigError('TRUST_PROXY=true would believe any X-Forwarded-For; list your proxies instead, e.g. TRUST_PROXY=127.0.0.1,10.0.0.0/8');
  }
  return spec.split(',').map((part) => {
    const entry = part.trim();
    if (PROXY_NAMES.includes(entry)) return entry;
    const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(entry);
    const version = m ? isIP(m[1]!) : 0;
    const bits = m?.[2] === undefined ? null : Number(m[2]);
    if (version === 0 || (bits !== null && bits > (version === 4 ? 32 : 128))) {
      throw new ConfigError(`TRUST_PROXY: "${entry}" is not an IP address, a CIDR range or one of ${PROXY_NAMES.join(', ')}`);
    }
    return entry;
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value) && !(value instanceof Big)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Parses and validates the configuration. Throws ConfigError with a message meant for the operator. */
export function loadConfig(env: Source = process.env, cwd = process.cwd()): Config {
  const r = new Reader({ ...loadFile(env), ...env });
  const dataDir = resolve(cwd, r.str('DATA_DIR', './data'));
  const databaseUrl = r.raw('DATABASE_URL');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new ConfigError('DATABASE_URL must be a postgres:// URL');

  const main = networkConfig(r, 'main', 6611);
  const test = networkConfig(r, 'test', 6612);
  const embedded = main.kind === 'devnet' || test.kind === 'devnet';
  // One seed holds the keys of both networks: it is made without being asked only when neither is a real network.
  const devnetsOnly = main.kind === 'devnet' && test.kind === 'devnet';

  const secretHex = r.raw('SECRET_KEY');
  if (secretHex !== undefined && !/^[0-9a-fA-F]{64}$/.test(secretHex)) throw new ConfigError('SECRET_KEY must be 64 hex characters');
  const mnemonic = r.raw('WALLET_MNEMONIC') ?? null;
  // Checked whole (words, order, checksum), as the seed is derived from it: a typo must stop here, not derive another wallet.
  if (mnemonic !== null && !isValidMnemonic(mnemonic)) {
    throw new ConfigError('WALLET_MNEMONIC is not a valid BIP39 mnemonic: lower-case words from the English list, one space apart, in their order');
  }

  const config: Config = {
    mode: r.oneOf('MODE', ['all', 'api', 'worker'] as const, 'all'),
    http: {
      host: r.str('HOST', '127.0.0.1'),
      port: r.int('PORT', 8080, 0, 65535),
      bodyLimit: 64 * 1024,
      trustProxy: parseTrustProxy(r.raw('TRUST_PROXY')),
    },
    dataDir,
    store: databaseUrl
      ? { kind: 'postgres', url: databaseUrl, poolSize: r.int('DATABASE_POOL_SIZE', 10, 1, 1000) }
      : { kind: 'sqlite', file: join(dataDir, SQLITE_FILE_NAME) },
    storeWaitMs: r.int('DATABASE_WAIT_MS', 30_000, 0),
    wallet: { mnemonic, file: r.str('WALLET_FILE', join(dataDir, 'wallet.json')), create: r.bool('WALLET_CREATE', devnetsOnly) },
    secretKey: { value: secretHex ? Buffer.from(secretHex, 'hex') : null, file: join(dataDir, 'secret.key') },
    networks: { main, test },
    rates: {
      maxAgeMs: r.int('RATE_MAX_AGE_MS', 15 * 60_000, 1000),
      refreshMs: r.int('RATE_REFRESH_MS', 60_000, 100),
      fiat: {
        ecbUrl: r.str('ECB_RATES_URL', ECB_DAILY_URL),
        cbrUrl: r.str('CBR_RATES_URL', CBR_DAILY_URL),
        timeoutMs: r.int('FIAT_RATES_TIMEOUT_MS', 5000, 100),
      },
    },
    policy: parsePolicy(r, embedded),
    rateTrust: parseRateTrust(r),
    devhubClockOffsetMs: r.signedInt('DEVHUB_CLOCK_OFFSET_MS', 0),
    payouts: {
      waitMs: r.int('PAYOUT_WAIT_MS', 4000, 100),
      maxPerUnit: r.int('PAYOUTS_PER_UNIT', 127, 1, 127),
      textcoinTtlDays: r.int('TEXTCOIN_TTL_DAYS', 7, 1),
      scanIntervalMs: r.int('SCAN_INTERVAL_MS', 5000, 100),
      textcoinCheckMs: r.int('TEXTCOIN_CHECK_MS', 60_000, 100),
      leaseMs: r.int('SENDER_LEASE_MS', 15_000, 1000),
      maxTpsFeePerPayout: BigInt(r.int('MAX_TPS_FEE_PER_PAYOUT', 1000, 0)),
      minUnitIntervalMs: r.int('PAYOUT_UNIT_INTERVAL_MS', 25, 0, 10_000),
    },
    mail: {
      smtpUrl: r.raw('SMTP_URL') ?? null,
      from: r.str('MAIL_FROM', 'Obyte cashback <noreply@localhost>'),
      outboxDir: join(dataDir, 'outbox'),
    },
    hubTimeoutMs: r.int('HUB_TIMEOUT_MS', 10_000, 100),
    authThrottle: { maxFailures: r.int('AUTH_MAX_FAILURES', 20, 1), windowMs: r.int('AUTH_WINDOW_MS', 60_000, 1000) },
    logLevel: r.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
  };
  return deepFreeze(config);
}
