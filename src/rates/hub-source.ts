import type Big from 'big.js';
import { failure } from '../domain/errors.ts';
import { parseDecimal } from '../domain/money.ts';
import { err, ok } from '../domain/result.ts';
import type { Pair, RateSource } from './types.ts';

/** What this source needs from a hub connection (HubClient satisfies it). Rejections are expected failures. */
export interface HubRequester {
  request(command: string, params?: unknown): Promise<unknown>;
}

/** The pairs the Obyte price oracle and the hub publish. */
export const HUB_PAIRS = ['GBYTE_USD', 'GBYTE_BTC', 'BTC_USD'] as const satisfies readonly Pair[];
export type HubPair = (typeof HUB_PAIRS)[number];

export interface HubRateSourceOptions {
  readonly hub: HubRequester;
  /**
   * Oracle addresses whose data feeds are read with light/get_data_feed (mainnet
   * JPQKPRI5FMTQRJF4ZZMYZYDQVRD55OTC, testnet F4KHJUCLJKY4JV7M5F754LAJX4EB7M4N). Empty: skip feeds.
   */
  readonly oracles?: readonly string[];
  /** Also ask hub/get_exchange_rates for the pairs the feeds did not give. Default true. */
  readonly exchangeRates?: boolean;
  readonly pairs?: readonly HubPair[];
  readonly name?: string;
}

/**
 * GBYTE_USD, GBYTE_BTC and BTC_USD from the hub. Oracle data feeds come first (they are posted on the
 * DAG by a known address); hub/get_exchange_rates fills whatever the feeds did not give.
 */
export function createHubRateSource(options: HubRateSourceOptions): RateSource {
  const { hub, oracles = [], exchangeRates = true, pairs = HUB_PAIRS, name = 'hub' } = options;
  return {
    name,
    async fetch() {
      const found: Partial<Record<Pair, Big>> = {};
      const problems: string[] = [];
      if (oracles.length > 0) {
        const values = await Promise.all(
          pairs.map((pair) => settle(hub.request('light/get_data_feed', { oracles: [...oracles], feed_name: pair }))),
        );
        pairs.forEach((pair, i) => {
          const outcome = values[i];
          const value = outcome?.ok ? rateValue(outcome.value) : null;
          if (value !== null) found[pair] = value;
          else problems.push(`data feed ${pair}: ${outcome?.ok ? `unusable value ${JSON.stringify(outcome.value)}` : outcome?.error}`);
        });
      }
      const missing = pairs.filter((pair) => found[pair] === undefined);
      if (exchangeRates && missing.length > 0) {
        const outcome = await settle(hub.request('hub/get_exchange_rates'));
        if (outcome.ok && typeof outcome.value === 'object' && outcome.value !== null) {
          const table = outcome.value as Record<string, unknown>;
          for (const pair of missing) {
            const value = Object.hasOwn(table, pair) ? rateValue(table[pair]) : null;
            if (value !== null) found[pair] = value;
            else problems.push(`exchange rates: no usable ${pair}`);
          }
        } else {
          problems.push(`exchange rates: ${outcome.ok ? 'not an object' : outcome.error}`);
        }
      }
      if (Object.keys(found).length === 0) {
        return err(failure('rate_unavailable', { detail: `${name}: ${problems.join('; ') || 'nothing asked'}` }));
      }
      return ok(found);
    },
  };
}

async function settle(promise: Promise<unknown>): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  try {
    return { ok: true, value: await promise };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * A positive rate from a JSON value. A JSON number is read through its shortest decimal text,
 * which is exactly the decimal the oracle or the hub wrote (they publish at most 8 decimals).
 */
function rateValue(value: unknown): Big | null {
  let text: string;
  if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else if (typeof value === 'string') text = value.trim();
  else return null;
  const parsed = parseDecimal(text);
  return parsed !== null && parsed.gt(0) ? parsed : null;
}
