import Big from 'big.js';

/**
 * Exact decimals for rates, percentages and purchase amounts. A private constructor so that our
 * precision never depends on, or changes, the global big.js settings: 40 decimal places for
 * division, rounding toward zero (a conversion never pays more than the exact value).
 * Build values from strings (or small integers): a binary float has already lost exactness.
 * toString() and toJSON() always give plain notation, so stored texts suit any reader (SQL numeric too).
 * big.js applies the settings of the left operand's constructor, so arithmetic in the domain
 * starts from a Dec value (wrap foreign Big values with Dec(x) first).
 */
export const Dec: Big.BigConstructor = Big();
Dec.DP = 40;
Dec.RM = Big.roundDown;
Dec.NE = -1e6;
Dec.PE = 1e6;

export const CURRENCIES = ['USD', 'EUR', 'RUR', 'GBYTE', 'BTC'] as const;
export type Currency = (typeof CURRENCIES)[number];

export const RATE_PAIRS = ['GBYTE_USD', 'GBYTE_BTC', 'BTC_USD', 'EUR_USD', 'RUB_USD'] as const;
/** A quote "A_B": how many B one A is worth (GBYTE_USD = USD per GBYTE, RUB_USD = USD per rouble). */
export type RatePair = (typeof RATE_PAIRS)[number];

/** A snapshot of exchange rates, exact decimals; a missing pair is unknown. */
export type Rates = Partial<Record<RatePair, Big>>;

export const BYTES_PER_GBYTE = 1_000_000_000n;
/**
 * Upper bound for any amount of bytes the product handles. Equal to the protocol's MAX_CAP
 * (9e15, more than the total supply of 1e15 bytes), so every amount stays a safe integer on the wire.
 */
export const MAX_BYTES = 9_000_000_000_000_000n;

/** The pairs convertPurchase needs for a currency (it also takes BTC_USD instead of GBYTE_BTC). */
export function requiredPairs(currency: Currency): readonly RatePair[] {
  switch (currency) {
    case 'GBYTE':
    case 'USD':
      return ['GBYTE_USD'];
    case 'EUR':
      return ['EUR_USD', 'GBYTE_USD'];
    case 'RUR':
      return ['RUB_USD', 'GBYTE_USD'];
    case 'BTC':
      return ['GBYTE_BTC', 'GBYTE_USD'];
  }
}

// Plain or exponent notation, no sign, no thousands separator: "49.90", "1500", ".5", "5.0E-5".
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,4})?$/;
const MAX_DECIMAL_TEXT = 64;

/**
 * Parses a non-negative decimal exactly, or returns null. Rejects signs, commas, hex, Infinity,
 * NaN, inner white space, and texts longer than 64 chars or with exponents beyond 4 digits (which
 * would make big.js allocate absurd digit arrays).
 */
export function parseDecimal(text: string): Big | null {
  if (text.length > MAX_DECIMAL_TEXT || !DECIMAL.test(text)) return null;
  return Dec(text);
}

const POW10: bigint[] = [1n];
const pow10 = (n: number): bigint => {
  while (POW10.length <= n) POW10.push(POW10[POW10.length - 1]! * 10n);
  return POW10[n]!;
};

/** A Big as an integer mantissa and a power of ten (big.js's documented fields: digits c, exponent e, sign s). */
function scaled(x: Big): { m: bigint; exp: number } {
  const digits = BigInt(x.c.join(''));
  return { m: x.s < 0 ? -digits : digits, exp: x.e - (x.c.length - 1) };
}

/**
 * a / b exactly as Dec's div gives it (40 decimal places, rounded toward zero), by one integer division: big.js
 * divides digit by digit, and that was the costliest step of pricing a purchase. Throws on division by zero.
 */
export function divide(a: Big, b: Big): Big {
  const x = scaled(a);
  const y = scaled(b);
  if (y.m === 0n) throw new RangeError('division by zero');
  const k = x.exp - y.exp + Dec.DP;
  // bigint division truncates toward zero, as Big.roundDown does
  const q = k >= 0 ? (x.m * pow10(k)) / y.m : x.m / (y.m * pow10(-k));
  return Dec(`${q}e-${Dec.DP}`);
}

/** Rounds toward zero to whole bytes. The value must be non-negative. */
export function floorToBytes(value: Big): bigint {
  if (value.lt(0)) throw new RangeError(`negative amount of bytes: ${value.toFixed()}`);
  return BigInt(Dec(value).round(0, Big.roundDown).toFixed(0));
}

/** Canonical text of a decimal: plain notation, no trailing zeros ("49.90" and "4.99e1" → "49.9"). */
export function decimalText(value: Big): string {
  return Dec(value).toFixed();
}

export function isRatePair(value: string): value is RatePair {
  return (RATE_PAIRS as readonly string[]).includes(value);
}

const BYTES_PER_GBYTE_DEC = Dec(BYTES_PER_GBYTE.toString());

/**
 * The bytes of a GBYTE amount: amount × 10^9 rounded to the nearest whole byte, halves up (contract §7). Clients
 * print binary floats: WooBytes on PHP 8 sends 0.123456789 GBYTE as "0.12345678900000001", which is 123,456,789
 * bytes, the amount its customer's unit pays.
 */
export function gbyteAmountToBytes(amount: Big): bigint {
  if (amount.lt(0)) throw new RangeError(`negative GBYTE amount: ${amount.toFixed()}`);
  return BigInt(Dec(amount).times(BYTES_PER_GBYTE_DEC).round(0, Big.roundHalfUp).toFixed(0));
}

const MICRO = Dec(1_000_000);

/** USD in whole micro-dollars, rounded up: what a budget counts, so that rounding never lets more through. */
export function usdToMicroCeil(usd: Big): bigint {
  if (usd.lt(0)) throw new RangeError(`negative USD amount: ${usd.toFixed()}`);
  return BigInt(Dec(usd).times(MICRO).round(0, Big.roundUp).toFixed(0));
}

/** USD in whole micro-dollars, rounded down: a budget limit (never above what the operator set). */
export function usdToMicroFloor(usd: Big): bigint {
  if (usd.lt(0)) throw new RangeError(`negative USD amount: ${usd.toFixed()}`);
  return BigInt(Dec(usd).times(MICRO).round(0, Big.roundDown).toFixed(0));
}

/** Micro-dollars as a plain decimal text of USD ("12.5", "0.000001"). */
export function microUsdText(micro: bigint): string {
  return Dec(micro.toString()).div(MICRO).toFixed();
}
