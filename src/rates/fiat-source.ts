import type Big from 'big.js';
import { failure } from '../domain/errors.ts';
import { Dec, parseDecimal } from '../domain/money.ts';
import { err, ok, type Result } from '../domain/result.ts';
import type { Pair, RateSource } from './types.ts';

/**
 * Fiat reference rates over HTTP, for the crosses no Obyte oracle publishes:
 * - EUR_USD from the European Central Bank's daily euro reference rates (USD per EUR);
 * - RUB_USD from the Central Bank of Russia's daily rates (roubles per USD, inverted).
 * Both publish once per business day, so a document a few days old is normal; one older than
 * maxDocumentAgeMs means the provider is stuck and is refused.
 */

export const ECB_DAILY_URL = 'https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml';
export const CBR_DAILY_URL = 'https://www.cbr.ru/scripts/XML_daily.asp';

export interface HttpRateSourceOptions {
  readonly url?: string;
  readonly timeoutMs?: number;
  /** Refuse documents dated further than this from now, either way. Default 7 days. */
  readonly maxDocumentAgeMs?: number;
  /** Clock in ms, for the document age. */
  readonly now?: () => number;
  readonly name?: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_DOCUMENT_AGE_MS = 7 * 24 * 60 * 60 * 1000;
// The real documents are a few kilobytes.
const MAX_DOCUMENT_BYTES = 1 << 20;

interface DailyRate {
  /** The date the provider published for, as UTC midnight in ms. */
  readonly date: number;
  readonly pair: Pair;
  readonly value: Big;
}

export function createEcbRateSource(options: HttpRateSourceOptions = {}): RateSource {
  return createHttpRateSource(options, 'ecb', ECB_DAILY_URL, parseEcbDaily);
}

export function createCbrRateSource(options: HttpRateSourceOptions = {}): RateSource {
  return createHttpRateSource(options, 'cbr', CBR_DAILY_URL, parseCbrDaily);
}

function createHttpRateSource(
  options: HttpRateSourceOptions,
  defaultName: string,
  defaultUrl: string,
  parse: (text: string) => Result<DailyRate, string>,
): RateSource {
  const {
    url = defaultUrl,
    timeoutMs = DEFAULT_TIMEOUT_MS,
    maxDocumentAgeMs = DEFAULT_MAX_DOCUMENT_AGE_MS,
    now = Date.now,
    name = defaultName,
  } = options;
  const unavailable = (detail: string) => err(failure('rate_unavailable', { detail: `${name}: ${detail}` }));
  return {
    name,
    async fetch() {
      const text = await download(url, timeoutMs);
      if (!text.ok) return unavailable(text.error);
      const parsed = parse(text.value);
      if (!parsed.ok) return unavailable(parsed.error);
      const { date, pair, value } = parsed.value;
      if (Math.abs(now() - date) > maxDocumentAgeMs) {
        return unavailable(`document dated ${new Date(date).toISOString().slice(0, 10)} is out of date`);
      }
      return ok({ [pair]: { value, at: date } });
    },
  };
}

/** GETs a document and decodes it by its declared charset (HTTP header, then XML declaration). */
async function download(url: string, timeoutMs: number): Promise<Result<string, string>> {
  let bytes: Uint8Array;
  let contentType: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
    if (!response.ok) {
      await response.body?.cancel();
      return err(`HTTP ${response.status}`);
    }
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > MAX_DOCUMENT_BYTES) {
      await response.body?.cancel();
      return err('document too large');
    }
    contentType = response.headers.get('content-type') ?? '';
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (e) {
    return err(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  }
  if (bytes.byteLength > MAX_DOCUMENT_BYTES) return err('document too large');
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 200));
  const charset =
    /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType)?.[1] ?? /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([\w.:-]+)["']/.exec(head)?.[1] ?? 'utf-8';
  try {
    return ok(new TextDecoder(charset, { fatal: true }).decode(bytes));
  } catch {
    return err(`cannot decode the document as ${charset}`);
  }
}

function attributes(tag: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of tag.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    if (m[1] !== undefined) found.set(m[1], m[2] ?? m[3] ?? '');
  }
  return found;
}

/** A calendar date as UTC midnight in ms, or null when the date does not exist. */
function utcDate(year: string, month: string, day: string): number | null {
  const ms = Date.UTC(Number(year), Number(month) - 1, Number(day));
  const d = new Date(ms);
  return d.getUTCFullYear() === Number(year) && d.getUTCMonth() === Number(month) - 1 && d.getUTCDate() === Number(day) ? ms : null;
}

/**
 * ECB eurofxref-daily.xml: a gesmes:Envelope holding <Cube time='YYYY-MM-DD'> with one
 * <Cube currency='XXX' rate='N.NNNN'/> per currency, each rate in XXX per EUR.
 */
export function parseEcbDaily(xml: string): Result<DailyRate, string> {
  if (!/<gesmes:Envelope\b/.test(xml) || !/<\/gesmes:Envelope>\s*$/.test(xml)) {
    return err('not an ECB reference rate document');
  }
  let date: number | null = null;
  let usd: string | undefined;
  for (const m of xml.matchAll(/<Cube\b([^>]*)>/g)) {
    const attrs = attributes(m[1] ?? '');
    const time = attrs.get('time');
    if (time !== undefined) {
      const parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(time);
      date = parts ? utcDate(parts[1] ?? '', parts[2] ?? '', parts[3] ?? '') : null;
      if (date === null) return err(`bad date ${JSON.stringify(time)}`);
    }
    if (attrs.get('currency') === 'USD') usd = attrs.get('rate');
  }
  if (date === null) return err('no date');
  if (usd === undefined) return err('no USD rate');
  const value = parseDecimal(usd);
  if (value === null || !value.gt(0)) return err(`bad USD rate ${JSON.stringify(usd)}`);
  return ok({ date, pair: 'EUR_USD', value });
}

/**
 * CBR XML_daily.asp: <ValCurs Date="DD.MM.YYYY"> with one <Valute> per currency holding CharCode,
 * Nominal and Value (roubles per Nominal units, comma decimal separator). RUB_USD = Nominal / Value,
 * to 40 decimal places rounded down.
 */
export function parseCbrDaily(xml: string): Result<DailyRate, string> {
  const root = /<ValCurs\b([^>]*)>/.exec(xml);
  if (root === null || !/<\/ValCurs>\s*$/.test(xml)) return err('not a CBR daily rates document');
  const dateText = attributes(root[1] ?? '').get('Date') ?? '';
  const parts = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(dateText);
  const date = parts ? utcDate(parts[3] ?? '', parts[2] ?? '', parts[1] ?? '') : null;
  if (date === null) return err(`bad date ${JSON.stringify(dateText)}`);
  for (const m of xml.matchAll(/<Valute\b[^>]*>([\s\S]*?)<\/Valute>/g)) {
    const body = m[1] ?? '';
    const element = (tag: string) => new RegExp(`<${tag}>\\s*([^<]*?)\\s*</${tag}>`).exec(body)?.[1];
    if (element('CharCode') !== 'USD') continue;
    const nominalText = element('Nominal') ?? '';
    const valueText = element('Value') ?? '';
    // Roubles are written with a decimal comma; a point would mean the format changed under us.
    const nominal = /^\d+$/.test(nominalText) ? parseDecimal(nominalText) : null;
    const roubles = /^\d+(,\d+)?$/.test(valueText) ? parseDecimal(valueText.replace(',', '.')) : null;
    if (nominal === null || !nominal.gt(0)) return err(`bad USD nominal ${JSON.stringify(nominalText)}`);
    if (roubles === null || !roubles.gt(0)) return err(`bad USD value ${JSON.stringify(valueText)}`);
    return ok({ date, pair: 'RUB_USD', value: Dec(nominal).div(roubles) });
  }
  return err('no USD rate');
}
