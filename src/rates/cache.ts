import { failure, type Failure } from '../domain/errors.ts';
import { Dec, isRatePair, parseDecimal, type Rates } from '../domain/money.ts';
import { err, ok, type Result } from '../domain/result.ts';
import { breaker, crossRateDisagreement, disagreement, type Settings } from './trust.ts';
import type { Pair, Quote, RateSource } from './types.ts';

export interface RateCacheOptions {
  /** In order of preference: for each pair the first source with a value within its age is used. */
  readonly sources: readonly RateSource[];
  /** The most a value may be away from its own time (the source's), per pair. Default 1 hour. */
  readonly maxAgeMs?: (pair: Pair) => number;
  /** Cross-check tolerance and breaker step. Defaults 5% and 20%. */
  readonly trust?: Partial<Settings>;
  /** A held value is confirmed only by a fetch round started at least this long after the one that held it. Default intervalMs. */
  readonly confirmAfterMs?: number;
  /** Asking for rates this long after the last fetch round starts a new one. Default 5 minutes. */
  readonly refreshAfterMs?: number;
  /** Period of the background refresh between start() and stop(). Default 5 minutes. */
  readonly intervalMs?: number;
  /** The values used before a restart (see RatesStatus.pairs[].in_use), so that the breaker still knows them. */
  readonly lastUsed?: Partial<Record<Pair, PricedBy>>;
  /** Clock in ms. */
  readonly now?: () => number;
  /** Told about every failed fetch (for logs); the last good values stay in use. */
  readonly onFailure?: (source: string, failure: Failure) => void;
  /** Told when a pair's sources start or stop disagreeing, and when a jump is held or confirmed. */
  readonly onEvent?: (event: RateEvent) => void;
  /** Told the new status after every fetch round (to keep it where operators can read it). */
  readonly onStatus?: (status: RatesStatus) => void;
}

export type RateEvent =
  | { readonly kind: 'disagreement'; readonly pair: Pair; readonly detail: string }
  | { readonly kind: 'agreement'; readonly pair: Pair }
  | { readonly kind: 'held'; readonly pair: Pair; readonly value: string; readonly lastUsed: string; readonly source: string }
  | { readonly kind: 'confirmed'; readonly pair: Pair; readonly value: string; readonly source: string };

/** One pair as it priced a purchase: the value used, its source and own time, and the sources that agreed with it. */
export interface PricedBy {
  readonly value: string;
  readonly source: string;
  /** the source's own time, ms */
  readonly at: number;
  readonly ref?: string;
  readonly checked_with?: ReadonlyArray<{ readonly source: string; readonly value: string; readonly at: number }>;
}

export interface RateSnapshot {
  /** The requested pairs, nothing else. */
  readonly rates: Rates;
  /** The own time of the oldest of these rates. */
  readonly asOf: Date;
  /** How each pair was priced (record it with the purchase). */
  readonly sources: Partial<Record<Pair, PricedBy>>;
}

/** Everything an operator needs to see about the rates, JSON-ready (times in ms). */
export interface RatesStatus {
  readonly updated_at: number;
  readonly pairs: PairStatus[];
  readonly failures: Array<{ readonly source: string; readonly at: number; readonly error: string }>;
}

export interface PairStatus {
  readonly pair: Pair;
  /** ok: a value is in use; stale: none within its age; disagreement: sources disagree; held: a jump awaits confirmation */
  readonly state: 'ok' | 'stale' | 'disagreement' | 'held';
  readonly max_age_ms: number;
  readonly in_use: PricedBy | null;
  readonly held: (PricedBy & { readonly since: number }) | null;
  readonly problem: string | null;
  readonly disagreements: number;
  readonly holds: number;
  readonly sources: Array<{ readonly source: string; readonly value: string; readonly at: number; readonly ref?: string; readonly fetched_at: number; readonly in_use: boolean }>;
}

interface Entry extends Quote {
  readonly fetchedAt: number;
}

interface PairState {
  used: PricedBy | null;
  held: (PricedBy & { since: number }) | null;
  problem: string | null;
  disagreements: number;
  holds: number;
}

const HOUR = 60 * 60 * 1000;
const FIVE_MINUTES = 5 * 60 * 1000;
const CROSS: readonly Pair[] = ['GBYTE_USD', 'GBYTE_BTC', 'BTC_USD'];

/**
 * Keeps the latest value of every pair from every source, each with the source's own time, and decides after every
 * fetch round which value of each pair is used: only values within their pair's age count; the sources that give
 * a pair must agree within the tolerance, and GBYTE_USD with GBYTE_BTC × BTC_USD, or the pair is unavailable; a
 * value that moves more than the step from the last one used is held until a later round confirms it, the last
 * one staying in use meanwhile while within its age. Rounds run in the background (start/stop) and on demand.
 */
export class RateCache {
  private readonly sources: readonly RateSource[];
  private readonly maxAge: (pair: Pair) => number;
  private readonly settings: Settings;
  private readonly confirmAfterMs: number;
  private readonly refreshAfterMs: number;
  private readonly intervalMs: number;
  private readonly clock: () => number;
  private readonly onFailure: NonNullable<RateCacheOptions['onFailure']>;
  private readonly onEvent: NonNullable<RateCacheOptions['onEvent']>;
  private readonly onStatus: NonNullable<RateCacheOptions['onStatus']>;
  private readonly entries = new Map<string, Map<Pair, Entry>>();
  private readonly failures = new Map<string, { at: number; failure: Failure }>();
  private readonly pairs = new Map<Pair, PairState>();
  private lastRoundAt = -Infinity;
  private inflight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(options: RateCacheOptions) {
    this.sources = options.sources;
    this.maxAge = options.maxAgeMs ?? (() => HOUR);
    this.settings = { tolerance: options.trust?.tolerance ?? Dec('0.05'), step: options.trust?.step ?? Dec('0.2') };
    this.intervalMs = options.intervalMs ?? FIVE_MINUTES;
    this.confirmAfterMs = options.confirmAfterMs ?? this.intervalMs;
    this.refreshAfterMs = options.refreshAfterMs ?? FIVE_MINUTES;
    this.clock = options.now ?? Date.now;
    this.onFailure = options.onFailure ?? (() => {});
    this.onEvent = options.onEvent ?? (() => {});
    this.onStatus = options.onStatus ?? (() => {});
    const names = new Set(this.sources.map((s) => s.name));
    if (names.size !== this.sources.length) throw new Error('rate sources need distinct names');
    for (const source of this.sources) this.entries.set(source.name, new Map());
    // They come back from the store: only well-formed ones are taken.
    for (const [pair, used] of Object.entries(options.lastUsed ?? {})) {
      const value = typeof used?.value === 'string' ? parseDecimal(used.value) : null;
      if (isRatePair(pair) && used && value?.gt(0) && Number.isFinite(used.at) && typeof used.source === 'string') this.state(pair).used = used;
    }
  }

  /** Refreshes now and then every intervalMs, without keeping the process alive. */
  start(): void {
    if (this.timer !== null) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Asks every source once, then decides what is used; concurrent callers share the same round. Never rejects. */
  refresh(): Promise<void> {
    this.inflight ??= (async () => {
      const roundAt = this.clock();
      await Promise.allSettled(this.sources.map((source) => this.fetchFrom(source)));
      this.lastRoundAt = roundAt;
      this.decide(roundAt);
      this.onStatus(this.status());
    })().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  /** Trusted rates for these pairs, after a fetch round first if one is missing or too old. */
  async current(pairs: readonly Pair[]): Promise<Result<RateSnapshot>> {
    const cached = this.pick(pairs, this.clock());
    if (cached.ok) {
      if (this.clock() - this.lastRoundAt > this.refreshAfterMs) void this.refresh();
      return cached;
    }
    await this.refresh();
    return this.pick(pairs, this.clock());
  }

  /** Per pair, every source's value with its own time and whether it is in use; the sources' last failures. */
  status(): RatesStatus {
    const now = this.clock();
    const known = new Set<Pair>([...this.pairs.keys()]);
    for (const table of this.entries.values()) for (const pair of table.keys()) known.add(pair);
    const pairs = [...known].sort().map((pair) => this.pairStatus(pair, now));
    const failures = [...this.failures].map(([source, f]) => ({ source, at: f.at, error: f.failure.detail ?? f.failure.message }));
    return { updated_at: now, pairs, failures };
  }

  private pairStatus(pair: Pair, now: number): PairStatus {
    const s = this.state(pair);
    const usable = s.problem === null && s.used !== null && this.fresh(pair, s.used.at, now);
    const state = s.problem !== null ? 'disagreement' : !usable ? 'stale' : s.held !== null ? 'held' : 'ok';
    const sources = this.sources.flatMap((source) => {
      const e = this.entries.get(source.name)?.get(pair);
      if (e === undefined) return [];
      const inUse = usable && s.used?.source === source.name && s.used.at === e.at && Dec(s.used.value).eq(e.value);
      return [{ source: source.name, value: e.value.toFixed(), at: e.at, ...(e.ref ? { ref: e.ref } : {}), fetched_at: e.fetchedAt, in_use: inUse }];
    });
    return {
      pair, state, max_age_ms: this.maxAge(pair), in_use: usable ? s.used : null, held: s.held, problem: s.problem,
      disagreements: s.disagreements, holds: s.holds, sources,
    };
  }

  private state(pair: Pair): PairState {
    let s = this.pairs.get(pair);
    if (s === undefined) {
      s = { used: null, held: null, problem: null, disagreements: 0, holds: 0 };
      this.pairs.set(pair, s);
    }
    return s;
  }

  private fresh(pair: Pair, at: number, now: number): boolean {
    return Math.abs(now - at) <= this.maxAge(pair);
  }

  private pick(pairs: readonly Pair[], now: number): Result<RateSnapshot> {
    const rates: Rates = {};
    const sources: Partial<Record<Pair, PricedBy>> = {};
    let oldest = Infinity;
    for (const pair of pairs) {
      const s = this.pairs.get(pair);
      if (s?.problem) return err(failure('rate_unavailable', { detail: `${pair}: ${s.problem}` }));
      const used = s?.used;
      if (!used || !this.fresh(pair, used.at, now)) {
        const why = s?.held ? `a jump to ${s.held.value} awaits confirmation and the last value is too old` : 'none within its age';
        return err(failure('rate_unavailable', { detail: `no ${pair} rate: ${why} (${this.maxAge(pair)} ms)` }));
      }
      rates[pair] = Dec(used.value);
      sources[pair] = used;
      oldest = Math.min(oldest, used.at);
    }
    return ok({ rates, asOf: new Date(Number.isFinite(oldest) ? oldest : now), sources });
  }

  /** After a fetch round: cross-checks and the breaker decide, for every pair, the value used. */
  private decide(roundAt: number): void {
    const problems = new Map<Pair, string | null>();
    for (const pair of this.knownPairs()) {
      const s = this.state(pair);
      const candidates = this.sources.flatMap((source) => {
        const e = this.entries.get(source.name)?.get(pair);
        return e !== undefined && this.fresh(pair, e.at, roundAt) ? [{ source: source.name, ...e }] : [];
      });
      const problem = disagreement(candidates, this.settings.tolerance);
      problems.set(pair, problem);
      const best = candidates[0];
      if (problem !== null || best === undefined) continue;
      const priced: PricedBy = {
        value: best.value.toFixed(),
        source: best.source,
        at: best.at,
        ...(best.ref ? { ref: best.ref } : {}),
        checked_with: candidates.slice(1).map((c) => ({ source: c.source, value: c.value.toFixed(), at: c.at })),
      };
      // The last value used bounds the next one however old it is: a stop of the oracle must not open the breaker.
      const lastUsed = s.used ? Dec(s.used.value) : null;
      const held = s.held ? { value: Dec(s.held.value), since: s.held.since } : null;
      const decision = breaker(best.value, lastUsed, held, roundAt, this.confirmAfterMs, this.settings.step);
      if (decision === 'accept' || decision === 'confirm') {
        if (decision === 'confirm') this.onEvent({ kind: 'confirmed', pair, value: priced.value, source: priced.source });
        s.used = priced;
        s.held = null;
      } else if (decision === 'hold') {
        s.held = { ...priced, since: roundAt };
        s.holds++;
        this.onEvent({ kind: 'held', pair, value: priced.value, lastUsed: s.used?.value ?? '', source: priced.source });
      }
    }
    const cross = this.crossRateProblem(roundAt);
    if (cross !== null) for (const pair of CROSS) if (!problems.get(pair)) problems.set(pair, cross);
    for (const [pair, problem] of problems) this.setProblem(pair, this.state(pair), problem);
  }

  /** GBYTE_USD against GBYTE_BTC × BTC_USD, on the values in use: a disagreement makes all three unavailable. */
  private crossRateProblem(roundAt: number): string | null {
    const used = CROSS.map((pair) => {
      const s = this.pairs.get(pair);
      return s?.used && this.fresh(pair, s.used.at, roundAt) ? Dec(s.used.value) : null;
    });
    const [gbyteUsd, gbyteBtc, btcUsd] = used;
    if (!gbyteUsd || !gbyteBtc || !btcUsd) return null;
    return crossRateDisagreement(gbyteUsd, gbyteBtc, btcUsd, this.settings.tolerance);
  }

  private setProblem(pair: Pair, s: PairState, problem: string | null): void {
    if (problem !== null && s.problem === null) s.disagreements++;
    if (problem !== null && problem !== s.problem) this.onEvent({ kind: 'disagreement', pair, detail: problem });
    if (problem === null && s.problem !== null) this.onEvent({ kind: 'agreement', pair });
    s.problem = problem;
  }

  private knownPairs(): Set<Pair> {
    const known = new Set<Pair>();
    for (const table of this.entries.values()) for (const pair of table.keys()) known.add(pair);
    return known;
  }

  private async fetchFrom(source: RateSource): Promise<void> {
    const askedAt = this.clock();
    let result: Awaited<ReturnType<RateSource['fetch']>>;
    try {
      result = await source.fetch();
    } catch (e) {
      // A source should return failures, not throw; keep the cache alive and say so.
      result = err(failure('internal', { detail: `${source.name} threw: ${e instanceof Error ? e.message : String(e)}` }));
    }
    if (!result.ok) {
      this.failures.set(source.name, { at: askedAt, failure: result.error });
      this.onFailure(source.name, result.error);
      return;
    }
    this.failures.delete(source.name);
    const table = this.entries.get(source.name);
    for (const [pair, quote] of Object.entries(result.value)) {
      if (table !== undefined && isRatePair(pair) && quote !== undefined && quote.value.gt(0) && Number.isFinite(quote.at)) {
        table.set(pair, { value: Dec(quote.value), at: quote.at, ...(quote.ref ? { ref: quote.ref } : {}), fetchedAt: askedAt });
      }
    }
  }
}
