import type Big from 'big.js';
import { failure, type Failure } from '../domain/errors.ts';
import { isRatePair, type Rates } from '../domain/money.ts';
import { err, ok, type Result } from '../domain/result.ts';
import type { Pair, RateSource } from './types.ts';

export interface RateCacheOptions {
  /** In order of preference: for each pair the first source with a fresh enough value wins. */
  readonly sources: readonly RateSource[];
  /** A value older than this is not used. Default 1 hour. */
  readonly maxAgeMs?: number;
  /** A value older than this is still used, but asking for it starts a refresh. Default 5 minutes. */
  readonly refreshAfterMs?: number;
  /** Period of the background refresh between start() and stop(). Default 5 minutes. */
  readonly intervalMs?: number;
  /** Clock in ms. */
  readonly now?: () => number;
  /** Told about every failed fetch (for logs); the last good values stay in use. */
  readonly onFailure?: (source: string, failure: Failure) => void;
}

export interface RateSnapshot {
  /** The requested pairs, nothing else. */
  readonly rates: Rates;
  /** When the oldest of these rates was fetched. */
  readonly asOf: Date;
  /** Which source gave each pair. */
  readonly sources: Partial<Record<Pair, string>>;
}

export interface SourceStatus {
  readonly name: string;
  readonly rates: Partial<Record<Pair, { readonly value: Big; readonly fetchedAt: Date }>>;
  readonly lastFailure: { readonly at: Date; readonly failure: Failure } | null;
}

interface Entry {
  readonly value: Big;
  readonly fetchedAt: number;
}

const HOUR = 60 * 60 * 1000;
const FIVE_MINUTES = 5 * 60 * 1000;

/**
 * Keeps the latest good value of every pair from every source, with the time it was fetched.
 * Values are refreshed in the background (start/stop) and on demand: a request for a missing or
 * too old pair waits for one refresh; a request for a value past refreshAfterMs gets it at once and
 * starts a refresh for the next caller. A failing source keeps serving its last good value until
 * maxAgeMs, then the next source is used, then rate_unavailable.
 */
export class RateCache {
  private readonly sources: readonly RateSource[];
  private readonly maxAgeMs: number;
  private readonly refreshAfterMs: number;
  private readonly intervalMs: number;
  private readonly clock: () => number;
  private readonly onFailure: (source: string, failure: Failure) => void;
  private readonly entries = new Map<string, Map<Pair, Entry>>();
  private readonly failures = new Map<string, { at: number; failure: Failure }>();
  private inflight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(options: RateCacheOptions) {
    this.sources = options.sources;
    this.maxAgeMs = options.maxAgeMs ?? HOUR;
    this.refreshAfterMs = Math.min(options.refreshAfterMs ?? FIVE_MINUTES, this.maxAgeMs);
    this.intervalMs = options.intervalMs ?? FIVE_MINUTES;
    this.clock = options.now ?? Date.now;
    this.onFailure = options.onFailure ?? (() => {});
    const names = new Set(this.sources.map((s) => s.name));
    if (names.size !== this.sources.length) throw new Error('rate sources need distinct names');
    for (const source of this.sources) this.entries.set(source.name, new Map());
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

  /** Asks every source once; concurrent callers share the same round. Never rejects. */
  refresh(): Promise<void> {
    this.inflight ??= Promise.allSettled(this.sources.map((source) => this.fetchFrom(source))).then(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  /** Fresh rates for these pairs, refreshing first if one is missing or too old. */
  async current(pairs: readonly Pair[]): Promise<Result<RateSnapshot>> {
    const cached = this.pick(pairs, this.clock());
    if (cached.ok) {
      if (this.clock() - cached.value.asOf.getTime() > this.refreshAfterMs) void this.refresh();
      return cached;
    }
    await this.refresh();
    return this.pick(pairs, this.clock());
  }

  /** What every source last gave, and its last failure (for operators). */
  status(): SourceStatus[] {
    return this.sources.map((source) => {
      const rates: Partial<Record<Pair, { value: Big; fetchedAt: Date }>> = {};
      for (const [pair, entry] of this.entries.get(source.name) ?? []) {
        rates[pair] = { value: entry.value, fetchedAt: new Date(entry.fetchedAt) };
      }
      const last = this.failures.get(source.name);
      return { name: source.name, rates, lastFailure: last ? { at: new Date(last.at), failure: last.failure } : null };
    });
  }

  private pick(pairs: readonly Pair[], now: number): Result<RateSnapshot> {
    const rates: Rates = {};
    const sources: Partial<Record<Pair, string>> = {};
    let oldest = Infinity;
    for (const pair of pairs) {
      const found = this.sources
        .map((source) => ({ name: source.name, entry: this.entries.get(source.name)?.get(pair) }))
        .find(({ entry }) => entry !== undefined && now - entry.fetchedAt <= this.maxAgeMs);
      if (found?.entry === undefined) {
        return err(failure('rate_unavailable', { detail: `no ${pair} rate fetched in the last ${this.maxAgeMs} ms` }));
      }
      rates[pair] = found.entry.value;
      sources[pair] = found.name;
      oldest = Math.min(oldest, found.entry.fetchedAt);
    }
    return ok({ rates, asOf: new Date(Number.isFinite(oldest) ? oldest : now), sources });
  }

  private async fetchFrom(source: RateSource): Promise<void> {
    // A value is as old as the moment we asked for it.
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
    const table = this.entries.get(source.name);
    for (const [pair, value] of Object.entries(result.value)) {
      if (table !== undefined && isRatePair(pair) && value !== undefined && value.gt(0)) table.set(pair, { value, fetchedAt: askedAt });
    }
  }
}
