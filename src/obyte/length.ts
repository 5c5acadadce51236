// Fee sizes as ocore object_length.js measures them: a string counts its UTF-16 length, any number 8,
// a boolean 1, null 0; since version 3.0 every object key counts its length too.
import { DEFAULT_THRESHOLD_SIZE, TEMP_DATA_PRICE, isVersionWithoutKeySizes, isVersionWithoutTimestamp } from './constants.ts';
import type { Message, Unit } from './types.ts';

/** parent_units is billed as if there were two parents, whatever their real number. */
const PARENT_UNITS_SIZE = 2 * 44;
const PARENT_UNITS_KEY_SIZE = 'parent_units'.length;

export function getLength(value: unknown, withKeys: boolean): number {
  const measure = (v: unknown): number => {
    if (v === null) return 0;
    switch (typeof v) {
      case 'string':
        return v.length;
      case 'number':
        if (!Number.isFinite(v)) throw new Error('invalid number: ' + v);
        return 8;
      case 'boolean':
        return 1;
      case 'object': {
        if (Array.isArray(v)) return v.reduce((sum: number, element) => sum + measure(element), 0);
        const record = v as Record<string, unknown>;
        let total = 0;
        for (const key in record) {
          if (!Object.prototype.hasOwnProperty.call(record, key))
            throw new Error(`object has non-own property ${key} in ${JSON.stringify(record)}`);
          if (record[key] === undefined) throw new Error(`undefined at ${key} of ${JSON.stringify(record)}`);
          if (withKeys) total += key.length;
          total += measure(record[key]);
        }
        return total;
      }
      default:
        throw new Error(`unknown type=${typeof v} of ${String(v)}`);
    }
  };
  return measure(value);
}

function countsKeys(version: unknown): boolean {
  return !isVersionWithoutTimestamp(version) && !isVersionWithoutKeySizes(version);
}

/** headers_commission: everything but the messages, the fee fields and the hub's annotations. tps_fee counts. */
export function getHeadersSize(unit: Unit): number {
  if (unit.content_hash) throw new Error('trying to get headers size of stripped unit');
  const {
    unit: _unit,
    headers_commission: _hc,
    payload_commission: _pc,
    oversize_fee: _of,
    actual_tps_fee: _atf,
    main_chain_index: _mci,
    messages: _messages,
    parent_units: _parents,
    ...header
  } = unit;
  const measured: Record<string, unknown> = header;
  if (isVersionWithoutTimestamp(unit.version)) delete measured.timestamp;
  const withKeys = countsKeys(unit.version);
  return getLength(measured, withKeys) + PARENT_UNITS_SIZE + (withKeys ? PARENT_UNITS_KEY_SIZE : 0);
}

/** Temp data is billed at TEMP_DATA_PRICE per byte of data_length + 4 instead of by getLength. */
function tempDataLength(messages: readonly Message[]): number {
  let total = 0;
  for (const m of messages) {
    if (m.app !== 'temp_data') continue;
    const payload = m.payload as { data_length?: unknown } | undefined;
    // malformed temp_data is left for validation to reject
    if (!payload || typeof payload.data_length !== 'number') continue;
    total += payload.data_length + 'data'.length;
  }
  return total;
}

function withoutTempData(messages: readonly Message[]): readonly Message[] {
  if (!messages.some((m) => m.app === 'temp_data' && (m.payload as { data?: unknown } | undefined)?.data)) return messages;
  return messages.map((m) => {
    const payload = m.payload as { data?: unknown; data_length?: unknown } | undefined;
    if (m.app !== 'temp_data' || !payload || typeof payload.data_length !== 'number' || !payload.data) return m;
    const { data: _data, ...rest } = payload;
    return { ...m, payload: rest };
  });
}

/** payload_commission: the size of {messages} with keys, temp data billed separately. */
export function getTotalPayloadSize(unit: Unit): number {
  if (unit.content_hash) throw new Error('trying to get payload size of stripped unit');
  const withKeys = countsKeys(unit.version);
  return (
    Math.ceil(tempDataLength(unit.messages) * TEMP_DATA_PRICE) +
    getLength({ messages: withoutTempData(unit.messages) }, withKeys)
  );
}

export function getPaidTempDataFee(unit: Unit): number {
  return Math.ceil(tempDataLength(unit.messages) * TEMP_DATA_PRICE);
}

/**
 * ocore storage.getOversizeFee for a unit whose headers_commission and payload_commission are set:
 * size = headers + payload - paid temp data; above the threshold, ceil(size * (e^(size/threshold - 1) - 1)).
 */
export function getOversizeFee(unit: Unit, thresholdSize: number = DEFAULT_THRESHOLD_SIZE): number {
  if (!unit.headers_commission || !unit.payload_commission) throw new Error('no headers or payload commission in unit');
  const size = unit.headers_commission + unit.payload_commission - getPaidTempDataFee(unit);
  if (size <= thresholdSize) return 0;
  return Math.ceil(size * (decimalExp(size / thresholdSize - 1) - 1));
}

// ocore computes e^x with decimal.js set to 15 significant digits, ROUND_HALF_EVEN (formula/common.js), then
// converts back to a double. Math.exp differs from that in the last digits, which can move the ceil above, so
// we compute e^x exactly enough in fixed point and round the same way.
const EXP_SIGNIFICANT_DIGITS = 15;
const WORK_DIGITS = 80n;
const ONE = 10n ** WORK_DIGITS;

function fixedMul(a: bigint, b: bigint): bigint {
  return (a * b) / ONE;
}

/** e^f for 0 <= f < 1 (f scaled by ONE), by its Taylor series. */
function expFraction(f: bigint): bigint {
  let sum = ONE;
  let term = ONE;
  for (let k = 1n; term !== 0n; k++) {
    term = fixedMul(term, f) / k;
    sum += term;
  }
  return sum;
}

function powFixed(base: bigint, exponent: number): bigint {
  let result = ONE;
  let square = base;
  for (let n = exponent; n > 0; n = Math.floor(n / 2)) {
    if (n % 2 === 1) result = fixedMul(result, square);
    square = fixedMul(square, square);
  }
  return result;
}

/** Exact decimal value of a double's shortest representation, scaled by ONE (as `new Decimal(x)` reads it). */
function toFixed(x: number): bigint {
  const [mantissa = '0', exp = '0'] = x.toString().split('e');
  const [intPart = '0', fracPart = ''] = mantissa.split('.');
  const digits = BigInt(intPart + fracPart);
  const scale = BigInt(exp) - BigInt(fracPart.length) + WORK_DIGITS;
  return scale >= 0n ? digits * 10n ** scale : digits / 10n ** -scale;
}

function roundHalfEven(value: bigint, divisor: bigint): bigint {
  const quotient = value / divisor;
  const twiceRemainder = (value % divisor) * 2n;
  if (twiceRemainder > divisor || (twiceRemainder === divisor && quotient % 2n === 1n)) return quotient + 1n;
  return quotient;
}

export function decimalExp(x: number): number {
  if (!(x >= 0) || !Number.isFinite(x)) throw new Error('decimalExp expects a finite non-negative number: ' + x);
  const fixed = toFixed(x);
  const whole = fixed / ONE;
  const scaled = fixedMul(powFixed(expFraction(ONE), Number(whole)), expFraction(fixed - whole * ONE));
  const digits = scaled.toString().length;
  const drop = Math.max(0, digits - EXP_SIGNIFICANT_DIGITS);
  const significand = roundHalfEven(scaled, 10n ** BigInt(drop));
  return Number(`${significand}e${drop - Number(WORK_DIGITS)}`);
}
