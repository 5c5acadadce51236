import type Big from 'big.js';
import { failure } from '../domain/errors.ts';
import { parseDecimal } from '../domain/money.ts';
import { err, ok } from '../domain/result.ts';
import type { Pair, Quote, Quotes, RateSource } from './types.ts';

/** What these sources need from a hub connection (HubClient satisfies it). Rejections are expected failures. */
export interface HubRequester {
  request(command: string, params?: unknown): Promise<unknown>;
}

/** The pairs the Obyte price oracle and the hub publish. */
export const HUB_PAIRS = ['GBYTE_USD', 'GBYTE_BTC', 'BTC_USD'] as const satisfies readonly Pair[];
export type HubPair = (typeof HUB_PAIRS)[number];

export interface OracleRateSourceOptions {
  readonly hub: HubRequester;
  /** Oracle addresses (mainnet JPQKPRI5FMTQRJF4ZZMYZYDQVRD55OTC, testnet F4KHJUCLJKY4JV7M5F754LAJX4EB7M4N). */
  readonly oracles: readonly string[];
  readonly pairs?: readonly HubPair[];
  readonly name?: string;
}

export interface ExchangeRateSourceOptions {
  readonly hub: HubRequester;
  readonly pairs?: readonly HubPair[];
  readonly name?: string;
  /** Clock in ms: the hub's exchange rates carry no time, so they are as old as the moment we ask. */
  readonly now?: () => number;
}

// Units are immutable: the last few read are kept, so that a feed the oracle has not posted again costs no get_joint.
const KEPT_UNITS = 16;

/**
 * GBYTE_USD, GBYTE_BTC and BTC_USD from an oracle's data feeds, each with the time of the unit that posted it.
 * ocore's light/get_data_feed answers only a value (or, with what: 'unit', the unit), so the unit is asked for and
 * read with get_joint: its data_feed message gives the value exactly as the oracle wrote it, its timestamp the time.
 */
export function createOracleRateSource(options: OracleRateSourceOptions): RateSource {
  const { hub, oracles, pairs = HUB_PAIRS, name = 'oracle' } = options;
  const units = new Map<string, Promise<PostedUnit | string>>();
  const readUnit = (unit: string) => {
    let read = units.get(unit);
    if (read === undefined) {
      read = postedUnit(hub, unit, oracles);
      units.set(unit, read);
      // a unit that could not be read is asked for again next time
      void read.then((r) => typeof r === 'string' && units.delete(unit));
      while (units.size > KEPT_UNITS) units.delete(units.keys().next().value as string);
    }
    return read;
  };
  return {
    name,
    async fetch() {
      if (oracles.length === 0) return err(failure('rate_unavailable', { detail: `${name}: no oracle configured` }));
      const found: Quotes = {};
      const problems: string[] = [];
      await Promise.all(
        pairs.map(async (pair) => {
          const unit = await settle(hub.request('light/get_data_feed', { oracles: [...oracles], feed_name: pair, what: 'unit' }));
          if (!unit.ok) return problems.push(`data feed ${pair}: ${unit.error}`);
          if (typeof unit.value !== 'string') return problems.push(`data feed ${pair}: not a unit ${JSON.stringify(unit.value)}`);
          const posted = await readUnit(unit.value);
          if (typeof posted === 'string') return problems.push(`data feed ${pair}: ${posted}`);
          const value = rateValue(posted.feeds[pair]);
          if (value === null) return problems.push(`data feed ${pair}: unusable value ${JSON.stringify(posted.feeds[pair])}`);
          found[pair] = { value, at: posted.at, ref: unit.value };
          return undefined;
        }),
      );
      if (Object.keys(found).length === 0) return err(failure('rate_unavailable', { detail: `${name}: ${problems.join('; ')}` }));
      return ok(found);
    },
  };
}

/** GBYTE_USD, GBYTE_BTC and BTC_USD from hub/get_exchange_rates (the hub refreshes them every few minutes). */
export function createExchangeRateSource(options: ExchangeRateSourceOptions): RateSource {
  const { hub, pairs = HUB_PAIRS, name = 'hub', now = Date.now } = options;
  return {
    name,
    async fetch() {
      const askedAt = now();
      const outcome = await settle(hub.request('hub/get_exchange_rates'));
      if (!outcome.ok || typeof outcome.value !== 'object' || outcome.value === null) {
        return err(failure('rate_unavailable', { detail: `${name}: exchange rates: ${outcome.ok ? 'not an object' : outcome.error}` }));
      }
      const table = outcome.value as Record<string, unknown>;
      const found: Quotes = {};
      for (const pair of pairs) {
        const value = Object.hasOwn(table, pair) ? rateValue(table[pair]) : null;
        if (value !== null) found[pair] = { value, at: askedAt } satisfies Quote;
      }
      if (Object.keys(found).length === 0) return err(failure('rate_unavailable', { detail: `${name}: exchange rates: none of ${pairs.join(', ')}` }));
      return ok(found);
    },
  };
}

interface PostedUnit {
  /** the unit's timestamp, in ms */
  readonly at: number;
  /** its data_feed payloads, merged */
  readonly feeds: Record<string, unknown>;
}

/** A data feed unit read with get_joint, or why it cannot be used. */
async function postedUnit(hub: HubRequester, unit: string, oracles: readonly string[]): Promise<PostedUnit | string> {
  const answer = await settle(hub.request('get_joint', unit));
  if (!answer.ok) return `get_joint ${unit}: ${answer.error}`;
  const joint = (answer.value as { joint?: { unit?: unknown } } | null)?.joint;
  const body = joint?.unit as { timestamp?: unknown; authors?: unknown; messages?: unknown } | undefined;
  if (body === undefined || typeof body !== 'object' || body === null) return `get_joint ${unit}: not found`;
  if (typeof body.timestamp !== 'number' || !Number.isSafeInteger(body.timestamp) || body.timestamp <= 0) return `unit ${unit} has no timestamp`;
  const authors = Array.isArray(body.authors) ? body.authors.map((a: { address?: unknown }) => a?.address) : [];
  if (!authors.some((a) => typeof a === 'string' && oracles.includes(a))) return `unit ${unit} is not the oracle's`;
  const feeds: Record<string, unknown> = {};
  for (const m of Array.isArray(body.messages) ? body.messages : []) {
    const message = m as { app?: unknown; payload?: unknown };
    if (message?.app === 'data_feed' && typeof message.payload === 'object' && message.payload !== null) Object.assign(feeds, message.payload);
  }
  return { at: body.timestamp * 1000, feeds };
}

async function settle(promise: Promise<unknown>): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  try {
    return { ok: true, value: await promise };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * A positive rate from a JSON value. Oracles post fractional values as strings (data_feed numbers must be
 * integers), read exactly; a JSON number is read through its shortest decimal text, which is exactly the decimal
 * the hub wrote (it publishes at most 8 decimals).
 */
function rateValue(value: unknown): Big | null {
  let text: string;
  if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else if (typeof value === 'string') text = value.trim();
  else return null;
  const parsed = parseDecimal(text);
  return parsed !== null && parsed.gt(0) ? parsed : null;
}
