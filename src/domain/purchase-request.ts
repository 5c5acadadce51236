import { hash } from 'node:crypto';
import type Big from 'big.js';
import { isValidAddress } from '../obyte/address.ts';
import { isValidUnitHash } from '../obyte/checks.ts';
import { failure, type Failure } from './errors.ts';
import { CURRENCIES, Dec, decimalText, parseDecimal, type Currency } from './money.ts';
import { DEFAULT_POLICY } from './policy.ts';
import { err, ok, type Result } from './result.ts';

/**
 * The request field rules of the contract (§3), for every field but the credentials.
 *
 * Error order: first the required fields that are missing, in contract order (customer, order_id,
 * address, currency, currency_amount, then purchase_unit when the currency is GBYTE); then the
 * first malformed field, in contract order (customer, order_id, description, merchant, address,
 * currency, currency_amount, partner_cashback_percentage, purchase_unit). So a client that forgot a
 * field hears about that before it hears about a typo elsewhere.
 *
 * Decisions where the contract leaves room:
 * - A value is missing when the key is absent, JSON null, or empty after trimming.
 * - Values are strings; JSON numbers are also accepted for currency_amount and
 *   partner_cashback_percentage, as their text exactly as written (NumberText) or as a JS number.
 *   Any other type (a number for customer, an object, an array) is invalid.
 * - Every text must be well-formed Unicode (a lone surrogate is invalid UTF-8 in SQLite and an error on
 *   PostgreSQL) without control characters (NUL cannot be stored in PostgreSQL text; the others are
 *   never part of a name, an id or an amount); only description may hold newlines (CR, LF) and tabs.
 *   Ill-formed credentials are an unknown partner: authentication failed.
 * - Lengths count Unicode code points.
 * - Decimals: digits with an optional '.', optionally an exponent ("49.90", "1500", ".5", "5.0E-5").
 *   No sign (so no leading '+' or '-'), no comma, no hex, no Infinity/NaN, no inner spaces.
 *   currency_amount must be > 0 and at most 1e15, with at most 30 decimal places.
 * - purchase_unit: spaces are turned back into '+' before checking, because clients that send a
 *   raw '+' have it decoded as a space, and a unit hash never holds a space (a wrong guess cannot
 *   pay anything: the unit is then verified on the network). No such repair is made to an email
 *   address: "john smith@x" must not become "john+smith@x", a mailbox that may be someone else's.
 * - E-mail addresses: the contract's plain `local@domain` (isPlainEmail), stricter than ocore's
 *   isValidEmail: no quoted local part, display name or IP literal, so the textcoin mail can only ever
 *   go to the one mailbox stored. The domain is stored in lower case, as the mailer writes it.
 * - Currency codes are compared in ASCII only: "uſd" (long s) upper-cases to "USD" in Unicode.
 */

/** A JSON number as its decimal text exactly as written in the body, so that it is never rounded through a double. */
export class NumberText {
  constructor(readonly text: string) {}
}

export type Recipient = { readonly kind: 'address'; readonly address: string } | { readonly kind: 'email'; readonly email: string };

export interface PurchaseRequest {
  readonly customer: string;
  readonly orderId: string;
  readonly description: string | null;
  readonly merchant: string | null;
  readonly recipient: Recipient;
  readonly currency: Currency;
  readonly amount: Big;
  readonly partnerPct: Big;
  /** Only for GBYTE; null for every other currency, whatever was sent. */
  readonly purchaseUnit: string | null;
}

export interface RequestLimits {
  readonly maxPartnerPct: Big;
}

const MAX_CUSTOMER = 200;
const MAX_ORDER_ID = 200;
const MAX_DESCRIPTION = 1000;
const MAX_MERCHANT = 200;
// RFC 5321 limits a forward path to 256 octets, so 254 for the address itself.
const MAX_ADDRESS = 254;
const MAX_AMOUNT = Dec('1e15');
const MAX_DECIMAL_PLACES = 30;
const ADDRESS_PREFIX = /^(?:obyte|byteball)(?:-tn)?:/i;
// RFC 5322 atext: the characters of a dot-atom; a label of letters, digits and inner hyphens; a last label of letters.
const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const PLAIN_EMAIL = new RegExp(`^${ATEXT}+(?:\\.${ATEXT}+)*@(?:${LABEL}\\.)+[A-Za-z]{1,63}$`);
// With the u flag a surrogate class matches only lone surrogates; \p{Cc} is C0, DEL and C1.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const CONTROL = /\p{Cc}/u;
const CONTROL_BUT_LINES = /(?![\t\n\r])\p{Cc}/u;
const ASCII_LETTERS = /^[A-Za-z]+$/;
const CURRENCY_ALIASES: Readonly<Record<string, Currency>> = { RUB: 'RUR' };

type Field = { readonly state: 'missing' } | { readonly state: 'invalid' } | { readonly state: 'present'; readonly text: string };

/** A plain `local@domain` as the contract (§3) allows it for textcoin e-mails. */
export function isPlainEmail(text: string): boolean {
  return text.length <= MAX_ADDRESS && PLAIN_EMAIL.test(text);
}

/** Well-formed Unicode without control characters (newlines and tabs allowed when `lines`). */
export function isCleanText(text: string, lines = false): boolean {
  return !LONE_SURROGATE.test(text) && !(lines ? CONTROL_BUT_LINES : CONTROL).test(text);
}

type FieldKind = 'text' | 'lines' | 'numeric';

/** Reads one field: trims strings, checks their characters, and for numeric fields takes JSON numbers as decimal text. */
function readField(raw: Record<string, unknown>, key: string, kind: FieldKind = 'text'): Field {
  const value = Object.hasOwn(raw, key) ? raw[key] : undefined;
  if (value === undefined || value === null) return { state: 'missing' };
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (kind === 'numeric' && value instanceof NumberText) text = value.text;
  else if (kind === 'numeric' && typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else return { state: 'invalid' };
  if (text === '') return { state: 'missing' };
  if (!isCleanText(text, kind === 'lines')) return { state: 'invalid' };
  return { state: 'present', text };
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** A decimal in [0, max] with at most MAX_DECIMAL_PLACES places, or null. */
function boundedDecimal(text: string, max: Big): Big | null {
  const value = parseDecimal(text);
  if (value === null || value.gt(max)) return null;
  const places = value.c.length - 1 - value.e;
  return places > MAX_DECIMAL_PLACES ? null : value;
}

function parseRecipient(text: string): Recipient | null {
  let value = text.replace(ADDRESS_PREFIX, '');
  const query = value.indexOf('?');
  if (query >= 0) value = value.slice(0, query);
  value = value.trim();
  if (isValidAddress(value)) return { kind: 'address', address: value };
  if (!isPlainEmail(value)) return null;
  const at = value.lastIndexOf('@');
  return { kind: 'email', email: value.slice(0, at + 1) + value.slice(at + 1).toLowerCase() };
}

function parseCurrency(text: string): Currency | null {
  if (!ASCII_LETTERS.test(text)) return null;
  const upper = text.toUpperCase();
  return CURRENCY_ALIASES[upper] ?? CURRENCIES.find((c) => c === upper) ?? null;
}

/** partner and partner_key, trimmed; null when either is missing or not a non-empty string. */
export function readCredentials(raw: Record<string, unknown>): { partner: string; partnerKey: string } | null {
  const partner = readField(raw, 'partner');
  const partnerKey = readField(raw, 'partner_key');
  if (partner.state !== 'present' || partnerKey.state !== 'present') return null;
  return { partner: partner.text, partnerKey: partnerKey.text };
}

export function parsePurchaseRequest(
  raw: Record<string, unknown>,
  limits: RequestLimits = { maxPartnerPct: DEFAULT_POLICY.maxPartnerPct },
): Result<PurchaseRequest> {
  const customer = readField(raw, 'customer');
  const orderId = readField(raw, 'order_id');
  const description = readField(raw, 'description', 'lines');
  const merchant = readField(raw, 'merchant');
  const address = readField(raw, 'address');
  const currency = readField(raw, 'currency');
  const amount = readField(raw, 'currency_amount', 'numeric');
  const partnerPct = readField(raw, 'partner_cashback_percentage', 'numeric');
  const purchaseUnit = readField(raw, 'purchase_unit');

  const required: Array<[string, Field]> = [
    ['customer', customer],
    ['order_id', orderId],
    ['address', address],
    ['currency', currency],
    ['currency_amount', amount],
  ];
  for (const [field, value] of required) {
    if (value.state === 'missing') return err(failure('field_required', { field }));
  }
  const currencyCode = currency.state === 'present' ? parseCurrency(currency.text) : null;
  if (currencyCode === 'GBYTE' && purchaseUnit.state === 'missing') return err(failure('purchase_unit_required'));

  const invalid = (field: string): { ok: false; error: Failure } => err(failure('field_invalid', { field }));
  // Past the loop above, required fields are 'present' or 'invalid'.
  if (customer.state !== 'present' || codePoints(customer.text) > MAX_CUSTOMER) return invalid('customer');
  if (orderId.state !== 'present' || codePoints(orderId.text) > MAX_ORDER_ID) return invalid('order_id');
  if (description.state === 'invalid' || (description.state === 'present' && codePoints(description.text) > MAX_DESCRIPTION)) {
    return invalid('description');
  }
  if (merchant.state === 'invalid' || (merchant.state === 'present' && codePoints(merchant.text) > MAX_MERCHANT)) {
    return invalid('merchant');
  }
  const recipient = address.state === 'present' ? parseRecipient(address.text) : null;
  if (recipient === null) return invalid('address');
  if (currency.state !== 'present') return invalid('currency');
  if (currencyCode === null) return err(failure('unsupported_currency'));
  const amountValue = amount.state === 'present' ? boundedDecimal(amount.text, MAX_AMOUNT) : null;
  if (amountValue === null || !amountValue.gt(0)) return invalid('currency_amount');
  let pctValue = Dec(0);
  if (partnerPct.state === 'invalid') return invalid('partner_cashback_percentage');
  if (partnerPct.state === 'present') {
    const value = boundedDecimal(partnerPct.text, limits.maxPartnerPct);
    if (value === null) return invalid('partner_cashback_percentage');
    pctValue = value;
  }
  let unit: string | null = null;
  if (currencyCode === 'GBYTE') {
    if (purchaseUnit.state !== 'present') return invalid('purchase_unit');
    unit = purchaseUnit.text.replaceAll(' ', '+');
    if (!isValidUnitHash(unit)) return invalid('purchase_unit');
  }

  return ok({
    customer: customer.text,
    orderId: orderId.text,
    description: description.state === 'present' ? description.text : null,
    merchant: merchant.state === 'present' ? merchant.text : null,
    recipient,
    currency: currencyCode,
    amount: amountValue,
    partnerPct: pctValue,
    purchaseUnit: unit,
  });
}

/**
 * Identifies "the same order with the same details" (contract §6): a sha256 hex over every field
 * but the description, after normalisation (trimmed texts, canonical currency, decimals without
 * trailing zeros, so "49.90" and "49.9" are the same amount). Letter case is kept as sent.
 */
export function purchaseFingerprint(req: PurchaseRequest): string {
  const recipient = req.recipient.kind === 'address' ? req.recipient.address : req.recipient.email;
  const canonical = JSON.stringify([
    'purchase-v1',
    req.customer,
    req.orderId,
    req.merchant,
    req.recipient.kind,
    recipient,
    req.currency,
    decimalText(req.amount),
    decimalText(req.partnerPct),
    req.purchaseUnit,
  ]);
  return hash('sha256', canonical, 'hex');
}
