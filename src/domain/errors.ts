/**
 * The one error vocabulary of the product. Each code has exactly one client-facing message, the one
 * the contract (api-contract.md §4) fixes or that we chose in the same style. HTTP statuses are not
 * decided here: src/http/errors.ts maps codes to statuses.
 */

const MESSAGES = {
  authentication_failed: 'authentication failed',
  field_required: '<field> is required',
  field_invalid: 'invalid <field>',
  unsupported_currency: 'unsupported currency',
  purchase_unit_required: 'purchase_unit is required for GBYTE purchases',
  purchase_unit_not_found: 'purchase_unit not found',
  purchase_unit_underpaid: 'purchase_unit does not pay currency_amount',
  purchase_unit_used: 'purchase_unit already used',
  // A GBYTE purchase needs somewhere the merchant is paid: the operator registers it (cashback partner address add).
  no_receiving_address: 'partner has no receiving address on this network',
  // Signed by the hot wallet, the funding or a deposit address, or a textcoin: money of the program, not a sale.
  purchase_unit_from_program: 'purchase_unit is from the program',
  order_id_used: 'order_id already used',
  partner_funds: 'not enough partner funds',
  pool_depleted: 'cashback pool depleted',
  rate_unavailable: 'exchange rate unavailable',
  partner_budget: 'partner daily limit reached',
  cashback_too_small: 'cashback amount too small',
  payout_failed: 'payout failed, try again later',
  // The signed unit is stored and the order is taken, but the hub has not accepted it yet.
  payout_pending: 'payout pending, try again later',
  body_invalid: 'invalid request body',
  body_too_large: 'request body too large',
  // GET (or any method but POST) on a purchase path: HTTP 200 like every outcome there.
  method_not_allowed: 'use POST',
  // A method a path outside the purchase paths does not serve (HTTP 405).
  wrong_method: 'method not allowed',
  not_found: 'not found',
  rate_limited: 'too many requests',
  internal: 'internal error',
} as const;

export type ErrorCode = keyof typeof MESSAGES;
export const ERROR_CODES = Object.keys(MESSAGES) as readonly ErrorCode[];

/** Codes whose message names the offending request field. */
export type FieldErrorCode = 'field_required' | 'field_invalid';

export interface Failure {
  readonly code: ErrorCode;
  /** The exact text sent to the client. */
  readonly message: string;
  /** The request field concerned, for field_required / field_invalid. */
  readonly field?: string;
  /** Operator-facing context (logs only); never sent to the client. */
  readonly detail?: string;
}

export function failure(code: FieldErrorCode, params: { field: string; detail?: string }): Failure;
export function failure(code: Exclude<ErrorCode, FieldErrorCode>, params?: { detail?: string }): Failure;
export function failure(code: ErrorCode, params: { field?: string; detail?: string } = {}): Failure {
  const { field, detail } = params;
  if (code === 'field_required' || code === 'field_invalid') {
    if (field === undefined || field === '') throw new Error(`failure(${code}) needs a field name`);
    const message = MESSAGES[code].replace('<field>', field);
    return detail === undefined ? { code, message, field } : { code, message, field, detail };
  }
  const message = MESSAGES[code];
  return detail === undefined ? { code, message } : { code, message, detail };
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(MESSAGES, value);
}
