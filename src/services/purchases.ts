import type Big from 'big.js';
import { sql, type Transaction } from 'kysely';
import { sharedTransaction, type Db } from '../storage/db.ts';
import type { Database, NetworkName } from '../storage/schema.ts';
import { newId } from '../storage/ids.ts';
import { prepared, preparedInsert } from '../storage/prepared.ts';
import { depositAccount, post } from '../storage/ledger.ts';
import { isUniqueViolation } from '../storage/errors.ts';
import { anyTextcoinAddress, receivingAddresses } from '../storage/receiving-addresses.ts';
import { chargeBudget, hourOf } from '../storage/budgets.ts';
import { failure, type Failure } from '../domain/errors.ts';
import { err, ok, type Result } from '../domain/result.ts';
import { parsePurchaseRequest, purchaseFingerprint, readCredentials, type PurchaseRequest } from '../domain/purchase-request.ts';
import { convertPurchase, type Conversion } from '../domain/conversion.ts';
import { capsOn, computeCashback, type Cashback, type PolicyConfig } from '../domain/policy.ts';
import { Dec, gbyteAmountToBytes, microUsdText, requiredPairs, usdToMicroCeil, usdToMicroFloor, type RatePair, type Rates } from '../domain/money.ts';
import { bytesPaidTo, type UnitPayment } from '../domain/purchase-unit.ts';
import type { Partner } from './partners.ts';
import type { PayoutBus } from './payouts/outcomes.ts';
import { failQueuedPayouts } from './payouts/refund.ts';
import type { TextcoinIssuer } from './textcoins.ts';

export interface PurchaseAnswer {
  cashback_amount: bigint;
  unit: string;
}

/** Rates for a purchase, and how each pair was priced (sources, their own times: recorded with the purchase). */
export interface PricedRates {
  readonly rates: Rates;
  readonly sources: Readonly<Partial<Record<RatePair, unknown>>>;
}

/** What a purchase needs to know about one network at request time. */
export interface PurchaseNetwork {
  readonly name: NetworkName;
  rates(pairs: readonly RatePair[]): Promise<Result<PricedRates>>;
  /** A GBYTE purchase's unit as the network has it: authors and outputs in bytes (purchase_unit_not_found if none). */
  purchaseUnit(unit: string): Promise<Result<UnitPayment>>;
  /** Bytes the program adds to a textcoin so the customer can claim it (claim fee + tps fee allowance). */
  textcoinAllowance(): number;
  /** Our hot wallet, funding and deposit addresses: cashback paid there would never leave the program, and a unit
   * they sign is no customer's payment. */
  isOwnAddress(address: string): boolean;
  /** Why the network cannot pay now (its hub is on another network, or not yet checked), or null when it can. */
  unavailable?(): string | null;
}

export interface PurchaseDeps {
  readonly db: Db;
  /** The partner these credentials belong to, if they are valid and it is enabled (see partners.ts). */
  readonly authenticate: (name: string, key: string) => Promise<Partner | null>;
  readonly policy: PolicyConfig;
  readonly payouts: PayoutBus;
  readonly textcoins: TextcoinIssuer;
  readonly waitMs: number;
  readonly now?: () => number;
}

type Existing = { id: string; fingerprint: string; status: string; unit: string | null; cashback_amount: bigint; payout_id: string | null };

const activeOrder = prepared<
  { network: NetworkName; partner_id: string; order_id: string },
  Omit<Existing, 'cashback_amount'> & { cashback_amount: bigint | number }
>((db, param) =>
  db
    .selectFrom('purchases')
    .leftJoin('payouts', 'payouts.purchase_id', 'purchases.id')
    .select(['purchases.id', 'purchases.fingerprint', 'purchases.status', 'purchases.unit', 'purchases.cashback_amount', 'payouts.id as payout_id'])
    .where('purchases.network', '=', param('network'))
    .where('purchases.partner_id', '=', param('partner_id'))
    .where('purchases.active_order_id', '=', param('order_id')),
);

async function findActiveOrder(db: Db, network: NetworkName, partnerId: string, orderId: string): Promise<Existing | null> {
  const row = (await activeOrder.run(db.kysely, { network, partner_id: partnerId, order_id: orderId })).rows[0];
  return row ? { ...row, cashback_amount: BigInt(row.cashback_amount) } : null;
}

const insertPurchase = preparedInsert('purchases', [
  'id', 'network', 'partner_id', 'order_id', 'active_order_id', 'fingerprint', 'customer', 'merchant', 'description',
  'recipient_kind', 'recipient', 'currency', 'currency_amount', 'partner_pct', 'purchase_unit', 'active_purchase_unit',
  'purchase_unit_verified', 'rates', 'rate_sources', 'usd_value', 'purchase_bytes', 'program_share', 'program_usd', 'partner_share',
  'cashback_amount', 'status', 'unit', 'created_at', 'paid_at', 'caps_counted',
]);

const insertPayout = preparedInsert('payouts', [
  'id', 'network', 'purchase_id', 'kind', 'address', 'amount', 'cashback', 'status', 'unit', 'attempts', 'last_error',
  'created_at', 'updated_at',
]);

/**
 * The purchase use case: authenticate, validate, price, take the order and reserve its funds atomically,
 * queue the payout and wait for the unit that carries it.
 */
export async function submitPurchase(
  deps: PurchaseDeps,
  network: PurchaseNetwork,
  raw: Record<string, unknown>,
): Promise<Result<PurchaseAnswer>> {
  const credentials = readCredentials(raw);
  const partner = credentials ? await deps.authenticate(credentials.partner, credentials.partnerKey) : null;
  if (!partner) return err(failure('authentication_failed'));

  const parsed = parsePurchaseRequest(raw, { maxPartnerPct: deps.policy.maxPartnerPct });
  if (!parsed.ok) return parsed;
  const request = parsed.value;
  if (request.recipient.kind === 'address' && network.isOwnAddress(request.recipient.address)) {
    return err(failure('field_invalid', { field: 'address', detail: 'an address of the program itself' }));
  }
  const fingerprint = purchaseFingerprint(request);
  const down = network.unavailable?.() ?? null;

  // A new order is the common case: it is priced and taken straight away, and the order's unique index tells a
  // repeat. A repeat must get its original answer, so any refusal first looks for the order taken before.
  const repeated = async (refusal: Failure) => {
    const existing = await findActiveOrder(deps.db, network.name, partner.id, request.orderId);
    return existing ? repeatOrder(deps, existing, fingerprint) : err(refusal);
  };
  // No order is taken on a network that cannot pay; one taken before still gets its answer.
  if (down !== null) return repeated(failure('payout_failed', { detail: down }));
  const priced = await price(deps, network, partner, request);
  if (!priced.ok) return repeated(priced.error);

  const taken = await takeOrder(deps, network, partner, request, fingerprint, priced.value);
  if (!taken.ok) return repeated(taken.error === 'race' ? failure('purchase_unit_used') : taken.error);
  deps.payouts.queued(network.name);
  return awaitPayout(deps, network.name, taken.value.payoutId, taken.value.cashback);
}

async function repeatOrder(deps: PurchaseDeps, existing: Existing, fingerprint: string): Promise<Result<PurchaseAnswer>> {
  if (existing.fingerprint !== fingerprint) return err(failure('order_id_used'));
  if (existing.status === 'paid' && existing.unit) return ok({ cashback_amount: existing.cashback_amount, unit: existing.unit });
  if (!existing.payout_id) return err(failure('payout_pending'));
  const outcome = (await deps.payouts.read(existing.payout_id)) ?? (await deps.payouts.wait(existing.payout_id, deps.waitMs));
  if (outcome?.status === 'sent') return ok({ cashback_amount: existing.cashback_amount, unit: outcome.unit });
  if (outcome?.status === 'failed') return err(failure('payout_failed'));
  return err(failure('payout_pending'));
}

interface Priced {
  conversion: Conversion;
  rateSources: Readonly<Partial<Record<RatePair, unknown>>>;
  cashback: Cashback;
  verified: boolean;
}

async function price(deps: PurchaseDeps, network: PurchaseNetwork, partner: Partner, req: PurchaseRequest): Promise<Result<Priced>> {
  let verified = false;
  if (req.currency === 'GBYTE' && req.purchaseUnit) {
    const bytes = gbyteAmountToBytes(req.amount);
    if (bytes === 0n) return err(failure('field_invalid', { field: 'currency_amount', detail: 'less than half a byte' }));
    if (await purchaseUnitTaken(deps.db, network.name, req.purchaseUnit)) return err(failure('purchase_unit_used'));
    const check = await checkPurchaseUnit(deps, network, partner, req.purchaseUnit, bytes);
    if (!check.ok) return check;
    verified = true;
  }
  const rates = await network.rates(requiredPairs(req.currency));
  if (!rates.ok) return rates;
  const conversion = convertPurchase(req.currency, req.amount, rates.value.rates);
  if (!conversion.ok) return conversion;
  const window = await programUsdInWindow(deps, network.name, partner, req);
  const cashback = computeCashback(
    {
      bytes: conversion.value.bytes,
      gbyteUsd: conversion.value.gbyteUsd,
      partnerPct: req.partnerPct,
      paidInBytesVerified: verified,
      ...(window ? { programUsdInWindow: window } : {}),
    },
    deps.policy,
  );
  if (!cashback.ok) return cashback;
  return ok({ conversion: conversion.value, rateSources: rates.value.sources, cashback: cashback.value, verified });
}

/**
 * A GBYTE purchase's unit must pay the purchase's bytes to the partner's receiving addresses on this network, and
 * must not be signed by any address of the program (contract §7): otherwise any payment on the network, or the
 * program's own payouts, sweeps and textcoins, would earn the bytes rate.
 */
async function checkPurchaseUnit(deps: PurchaseDeps, network: PurchaseNetwork, partner: Partner, unit: string, bytes: bigint): Promise<Result<void>> {
  // An address of the program never counts as the merchant's, whoever registered it.
  const receiving = (await receivingAddresses(deps.db.kysely, network.name, partner.id)).filter((a) => !network.isOwnAddress(a));
  if (receiving.length === 0) return err(failure('no_receiving_address'));
  const payment = await network.purchaseUnit(unit);
  if (!payment.ok) return payment;
  const { authors } = payment.value;
  if (authors.some((a) => network.isOwnAddress(a)) || (await anyTextcoinAddress(deps.db.kysely, network.name, authors))) {
    return err(failure('purchase_unit_from_program', { detail: `authors ${authors.join(', ')}` }));
  }
  const paid = bytesPaidTo(payment.value, new Set(receiving));
  return paid >= bytes ? ok(undefined) : err(failure('purchase_unit_underpaid', { detail: `pays the partner ${paid} of ${bytes}` }));
}

async function purchaseUnitTaken(db: Db, network: NetworkName, unit: string): Promise<boolean> {
  const row = await db.kysely
    .selectFrom('purchases')
    .select('id')
    .where('network', '=', network)
    .where('active_purchase_unit', '=', unit)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Program-funded USD already given to this customer and this address in the cap window (only when caps are on).
 * Purchases taken while caps were off do not count: only purchases that count are indexed for this (migration 0003).
 */
async function programUsdInWindow(deps: PurchaseDeps, network: NetworkName, partner: Partner, req: PurchaseRequest) {
  if (!capsOn(deps.policy)) return null;
  const since = (deps.now ?? Date.now)() - deps.policy.capWindowMs;
  const recipient = req.recipient.kind === 'address' ? req.recipient.address : req.recipient.email;
  const sum = async (column: 'customer' | 'recipient', value: string, samePartner: boolean) => {
    let q = deps.db.kysely
      .selectFrom('purchases')
      .select('program_usd')
      .where('network', '=', network)
      .where(column, '=', value)
      // a literal, so that the planner can match the partial indexes' predicate
      .where('caps_counted', '=', sql.lit(1n))
      .where('active_order_id', 'is not', null)
      .where('created_at', '>=', BigInt(since));
    if (samePartner) q = q.where('partner_id', '=', partner.id);
    const rows = await q.execute();
    return rows.reduce((acc, r) => acc.plus(Dec(r.program_usd)), Dec(0));
  };
  // A customer id means something only within one partner's shop; an address is the same person everywhere.
  return { customer: await sum('customer', req.customer, true), address: await sum('recipient', recipient, false) };
}

/** Carries a shortfall out of the order's transaction, rolling it back. */
class Short extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

async function takeOrder(
  deps: PurchaseDeps,
  network: PurchaseNetwork,
  partner: Partner,
  req: PurchaseRequest,
  fingerprint: string,
  priced: Priced,
): Promise<Result<{ payoutId: string; cashback: bigint }, Failure | 'race'>> {
  const now = (deps.now ?? Date.now)();
  const { cashback, conversion } = priced;
  const purchaseId = newId('pur', now);
  const payoutId = newId('pay', now);
  const textcoin = req.recipient.kind === 'email' ? await deps.textcoins.issue() : null;
  const extra = textcoin ? BigInt(network.textcoinAllowance()) : 0n;
  const outputAmount = cashback.total + extra;
  const rates = Object.fromEntries(Object.entries(conversion.used).map(([k, v]) => [k, v.toString()]));
  const rateSources = Object.fromEntries(Object.keys(conversion.used).map((pair) => [pair, priced.rateSources[pair as RatePair] ?? null]));

  try {
    await sharedTransaction(deps.db, async (tx) => {
      await insertPurchase.run(tx, {
        id: purchaseId,
        network: network.name,
        partner_id: partner.id,
        order_id: req.orderId,
        active_order_id: req.orderId,
        fingerprint,
        customer: req.customer,
        merchant: req.merchant,
        description: req.description,
        recipient_kind: req.recipient.kind,
        recipient: req.recipient.kind === 'address' ? req.recipient.address : req.recipient.email,
        currency: req.currency,
        currency_amount: req.amount.toString(),
        partner_pct: req.partnerPct.toString(),
        purchase_unit: req.purchaseUnit,
        active_purchase_unit: priced.verified ? req.purchaseUnit : null,
        purchase_unit_verified: priced.verified ? 1 : 0,
        rates: JSON.stringify(rates),
        rate_sources: JSON.stringify(rateSources),
        usd_value: conversion.usd.toString(),
        purchase_bytes: conversion.bytes.toString(),
        program_share: cashback.programShare,
        program_usd: cashback.programUsd.toString(),
        partner_share: cashback.partnerShare,
        cashback_amount: cashback.total,
        status: 'accepted',
        unit: null,
        created_at: now,
        paid_at: null,
        caps_counted: capsOn(deps.policy) ? 1 : 0,
      });
      const reserved = await post(
        tx,
        network.name,
        [
          { from: depositAccount(partner.id), to: 'reserved', amount: cashback.partnerShare, kind: 'reserve', ref: payoutId },
          { from: 'pool', to: 'reserved', amount: cashback.programShare + extra, kind: 'reserve', ref: payoutId },
        ],
        now,
      );
      if (!reserved.ok) throw new Short(failure(reserved.short === 'pool' ? 'pool_depleted' : 'partner_funds'));
      // After the reservation, which locked the pool's balance row: see chargeBudget on why that makes it exact.
      if (cashback.programShare > 0n) await chargeDailyBudget(tx, deps.policy, network.name, partner, cashback.programUsd, now);
      await insertPayout.run(tx, {
        id: payoutId,
        network: network.name,
        purchase_id: purchaseId,
        kind: textcoin ? 'textcoin' : 'address',
        address: textcoin ? textcoin.address : req.recipient.kind === 'address' ? req.recipient.address : '',
        amount: outputAmount,
        cashback: cashback.total,
        status: 'queued',
        unit: null,
        attempts: 0,
        last_error: null,
        created_at: now,
        updated_at: now,
      });
      if (textcoin && req.recipient.kind === 'email') {
        await tx
          .insertInto('textcoins')
          .values({
            payout_id: payoutId,
            network: network.name,
            email: req.recipient.email,
            address: textcoin.address,
            mnemonic_enc: textcoin.mnemonicEncrypted,
            status: 'pending',
            emailed_at: null,
            created_at: now,
            closed_at: null,
            closing_unit: null,
            key_derivation: textcoin.keyDerivation,
          })
          .execute();
      }
    });
  } catch (e) {
    if (e instanceof Short) return err(e.failure);
    if (isUniqueViolation(e)) return err('race');
    throw e;
  }
  return ok({ payoutId, cashback: cashback.total });
}

/**
 * Counts the purchase's program-funded USD toward the partner's budget on this network, inside the order's
 * transaction; past the budget the whole order rolls back (nothing taken, the order_id stays free).
 */
async function chargeDailyBudget(tx: Transaction<Database>, policy: PolicyConfig, network: NetworkName, partner: Partner, programUsd: Big, now: number) {
  const limit = usdToMicroFloor(partner.dailyBudgetUsd === null ? policy.partnerDailyBudgetUsd : Dec(partner.dailyBudgetUsd));
  const used = await chargeBudget(tx, network, partner.id, hourOf(now), usdToMicroCeil(programUsd));
  if (used > limit) {
    throw new Short(failure('partner_budget', { detail: `${microUsdText(used)} of ${microUsdText(limit)} USD in 24 h` }));
  }
}

async function awaitPayout(deps: PurchaseDeps, network: NetworkName, payoutId: string, cashback: bigint): Promise<Result<PurchaseAnswer>> {
  const outcome = await deps.payouts.wait(payoutId, deps.waitMs);
  if (outcome?.status === 'sent') return ok({ cashback_amount: cashback, unit: outcome.unit });
  if (outcome?.status === 'failed') return err(failure('payout_failed'));
  // Out of time: if no unit holds the payout yet, withdraw it, so nothing is paid and the order stays free.
  const withdrawn = await deps.db.kysely
    .transaction()
    .execute((tx) => failQueuedPayouts(tx, network, [payoutId], 'not sent in time', (deps.now ?? Date.now)()));
  if (withdrawn.length > 0) return err(failure('payout_failed'));
  const late = await deps.payouts.read(payoutId);
  if (late?.status === 'sent') return ok({ cashback_amount: cashback, unit: late.unit });
  return err(failure('payout_pending'));
}
