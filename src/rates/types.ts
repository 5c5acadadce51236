import type Big from 'big.js';
import type { RatePair } from '../domain/money.ts';
import type { Result } from '../domain/result.ts';

export type { RatePair as Pair } from '../domain/money.ts';

/** One value from a source, stamped with the source's own time: staleness is judged on that time, not on ours. */
export interface Quote {
  readonly value: Big;
  /**
   * When the source says the value holds, in ms: the timestamp of the oracle's data_feed unit, the date an ECB
   * or CBR document is published for, the moment we asked a source that tells no time (hub exchange rates, fixed).
   */
  readonly at: number;
  /** Where to find the value again, when the source has such a reference (the oracle's unit). */
  readonly ref?: string;
}

export type Quotes = Partial<Record<RatePair, Quote>>;

/** One place rates come from. fetch() reports expected failures as values and never throws for them. */
export interface RateSource {
  readonly name: string;
  fetch(): Promise<Result<Quotes>>;
}
