import type Big from 'big.js';
import type { RatePair } from '../domain/money.ts';
import type { Result } from '../domain/result.ts';

export type { RatePair as Pair } from '../domain/money.ts';

/** One place rates come from. fetch() reports expected failures as values and never throws for them. */
export interface RateSource {
  readonly name: string;
  fetch(): Promise<Result<Partial<Record<RatePair, Big>>>>;
}
