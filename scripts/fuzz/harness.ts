// The fuzz run of issue 12: fast-check requests through the real HTTP stack (Fastify's inject) of a whole server
// on a real store with its two devhubs, then the invariants: every answer one of the two body shapes with a text
// of the error vocabulary, no 5xx, nothing paid that the contract refuses, and the ledger balanced, against itself
// and against the chain.
import fc from 'fast-check';
import Big from 'big.js';
import { ERROR_CODES, failure, type ErrorCode } from '../../src/domain/errors.ts';
import { statusOf } from '../../src/http/errors.ts';
import { reconcileNetwork } from '../../src/services/reconcile.ts';
import { startTestApp, type TestApp } from '../../test/helpers/app.ts';
import type { StoreKind } from '../../test/helpers/stores.ts';
import { fuzzCases, ORDER, type FuzzCase } from './cases.ts';

export interface FuzzOptions {
  requests: number;
  seed: number;
  store: StoreKind;
  /** Requests in flight at once. */
  concurrency: number;
}

export interface FuzzReport {
  seed: number;
  store: StoreKind;
  requests: number;
  paid: number;
  /** Answers by error text. */
  errors: Record<string, number>;
  statuses: Record<string, number>;
  tainted: number;
  /** Requests the contract refuses that were paid: must be 0. */
  tainted_paid: number;
  /** Requests the contract accepts that were refused for their input (a field or the credentials): must be 0. */
  valid_refused: number;
  /** Answers of another shape, or an error text outside the vocabulary: must be 0. */
  unknown_answers: number;
  http_5xx: number;
  /** Paid answers whose stored amount is not the text sent: must be 0. */
  amount_mismatches: number;
  /** Payouts not answered as paid (or pending), and paid answers without a payout: must be 0. */
  unanswered_payouts: number;
  ledger_balanced: boolean;
  /** The whole run; of it, the requests alone. */
  ms: number;
  requests_ms: number;
  /** The first few violations, for the failure message. */
  violations: string[];
}

// The request fields, whose names the field messages of the vocabulary carry (api-contract.md §3).
const FIELDS = ['customer', 'order_id', 'description', 'merchant', 'address', 'currency', 'currency_amount', 'partner_cashback_percentage', 'purchase_unit'];

/** Every error text the server may send, with the HTTP status it comes with: from the one error vocabulary. */
function knownErrors(): Map<string, number> {
  const known = new Map<string, number>();
  for (const code of ERROR_CODES) {
    if (code === 'field_required' || code === 'field_invalid') {
      for (const field of FIELDS) known.set(failure(code, { field }).message, statusOf(code));
    } else if (code !== 'internal') {
      known.set(failure(code as Exclude<ErrorCode, 'field_required' | 'field_invalid'>).message, statusOf(code));
    }
  }
  return known;
}

const UNIT = /^[A-Za-z0-9+/]{43}=$/;

type Answer = { kind: 'paid'; cashback: number; unit: string } | { kind: 'error'; error: string } | { kind: 'unknown'; text: string };

function readAnswer(status: number, body: string, known: Map<string, number>): Answer {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { kind: 'unknown', text: `${status} ${body.slice(0, 200)}` };
  }
  const o = json as Record<string, unknown>;
  const keys = json !== null && typeof json === 'object' ? Object.keys(o).join(',') : '';
  if (keys === 'result,cashback_amount,unit' && o.result === 'ok' && status === 200) {
    const cashback = o.cashback_amount;
    if (typeof cashback === 'number' && Number.isSafeInteger(cashback) && cashback > 0 && typeof o.unit === 'string' && UNIT.test(o.unit)) {
      return { kind: 'paid', cashback, unit: o.unit };
    }
  }
  if (keys === 'result,error' && o.result === 'error' && typeof o.error === 'string' && known.get(o.error) === status) return { kind: 'error', error: o.error };
  return { kind: 'unknown', text: `${status} ${body.slice(0, 200)}` };
}

/** The ledger against itself and against the chain, on both networks, once every unit is stable. */
async function ledgerBalanced(app: TestApp): Promise<{ ok: boolean; why: string[] }> {
  await app.settle();
  const { runtime } = app;
  const addresses = {
    hot: runtime.networks.main.hot.address,
    funding: runtime.networks.main.funding.address,
    deposits: [{ partnerId: app.partner.id, partner: app.partner.name, address: runtime.depositKey(app.partner.depositIndex).address }],
  };
  const why: string[] = [];
  for (const network of ['main', 'test'] as const) {
    const result = await reconcileNetwork({ db: runtime.db, network, chain: runtime.networks[network].deposits, addresses, attempts: 5, pauseMs: 200 });
    if (!result.ok) why.push(`${network}: ${JSON.stringify(result, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)).slice(0, 1000)}`);
  }
  return { ok: why.length === 0, why };
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  // Wrong keys are part of the run: the throttle must not turn the rest of it into 429s.
  const app = await startTestApp(opts.store, { AUTH_MAX_FAILURES: '1000000000', PAYOUT_WAIT_MS: '20000' });
  const report: FuzzReport = {
    seed: opts.seed, store: opts.store, requests: 0, paid: 0, errors: {}, statuses: {}, tainted: 0, tainted_paid: 0, valid_refused: 0,
    unknown_answers: 0, http_5xx: 0, amount_mismatches: 0, unanswered_payouts: 0, ledger_balanced: false, ms: 0, requests_ms: 0, violations: [],
  };
  const violation = (text: string) => {
    if (report.violations.length < 10) report.violations.push(text);
  };
  try {
    const known = knownErrors();
    // refusals that judge the request itself, not the state of the program (funds, rates, the network)
    const inputErrors = new Set(
      [...known.keys()].filter((e) => /^invalid |is required|^authentication failed$|^unsupported currency$/.test(e)),
    );
    const cases = fc.sample(fuzzCases({ partner: app.partner.name, key: app.partner.key }), { seed: opts.seed, numRuns: opts.requests });
    const runId = `fz${opts.seed.toString(36)}`;
    // orders answered paid (or pending: taken, its payout on its way), with the amount text they were sent with
    const taken = new Map<string, string | null>();
    const run = async (c: FuzzCase, i: number) => {
      const orderId = `${runId}-${i}`;
      const res = await app.runtime.http!.inject({
        method: c.method,
        url: c.url.replaceAll(ORDER, orderId),
        headers: c.headers,
        payload: c.body?.replaceAll(ORDER, orderId),
      });
      report.requests++;
      // the order id as the server keeps it: trimmed
      const key = `${c.network}/${(orderId + c.orderSuffix).trim()}`;
      report.statuses[res.statusCode] = (report.statuses[res.statusCode] ?? 0) + 1;
      if (res.statusCode >= 500) report.http_5xx++;
      if (c.taint !== null) report.tainted++;
      const answer = readAnswer(res.statusCode, res.body, known);
      if (answer.kind === 'unknown') {
        report.unknown_answers++;
        violation(`unknown answer ${answer.text} to ${c.method} ${c.url} ${JSON.stringify(c.body?.slice(0, 300))}`);
        return;
      }
      if (answer.kind === 'error') {
        report.errors[answer.error] = (report.errors[answer.error] ?? 0) + 1;
        if (c.taint === null && inputErrors.has(answer.error)) {
          report.valid_refused++;
          violation(`refused (${answer.error}) although valid: ${c.method} ${c.url} ${JSON.stringify(c.body?.slice(0, 300))}`);
        }
        if (answer.error !== 'payout pending, try again later') return;
        // the order is taken: as good as paid
        if (c.taint !== null) {
          report.tainted_paid++;
          violation(`taken although ${c.taint}: ${c.method} ${c.url} ${JSON.stringify(c.body?.slice(0, 300))}`);
        }
        taken.set(key, c.amount);
        return;
      }
      report.paid++;
      if (c.taint !== null) {
        report.tainted_paid++;
        violation(`paid although ${c.taint}: ${c.method} ${c.url} ${JSON.stringify(c.body?.slice(0, 300))}`);
      }
      taken.set(key, c.amount);
    };
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const i = next++;
        await run(cases[i]!, i);
      }
    };
    const sending = Date.now();
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
    report.requests_ms = Date.now() - sending;

    // every payout the store holds was answered as paid, with the amount as sent; and every paid answer has one
    const rows = await app.runtime.db.kysely
      .selectFrom('purchases')
      .innerJoin('payouts', 'payouts.purchase_id', 'purchases.id')
      .select(['purchases.network', 'purchases.order_id', 'purchases.currency_amount', 'payouts.status'])
      .where('payouts.status', '!=', 'failed')
      .where('purchases.order_id', 'like', `${runId}-%`)
      .execute();
    const stored = new Set<string>();
    for (const row of rows) {
      const key = `${row.network}/${row.order_id}`;
      stored.add(key);
      if (!taken.has(key)) {
        report.unanswered_payouts++;
        violation(`a payout for ${key} that no request was told of`);
        continue;
      }
      const sent = taken.get(key);
      if (sent === null || sent === undefined || !new Big(row.currency_amount).eq(new Big(sent))) {
        report.amount_mismatches++;
        violation(`${key} stored ${row.currency_amount}, sent ${sent}`);
      }
    }
    for (const key of taken.keys()) {
      if (!stored.has(key)) {
        report.unanswered_payouts++;
        violation(`${key} answered paid without a payout`);
      }
    }
    const ledger = await ledgerBalanced(app);
    report.ledger_balanced = ledger.ok;
    for (const why of ledger.why) violation(`ledger: ${why}`);
  } finally {
    report.ms = Date.now() - started;
    await app.close();
  }
  return report;
}

/** True when the report shows no broken invariant. */
export function clean(report: FuzzReport): boolean {
  return (
    report.tainted_paid === 0 &&
    report.valid_refused === 0 &&
    report.unknown_answers === 0 &&
    report.http_5xx === 0 &&
    report.amount_mismatches === 0 &&
    report.unanswered_payouts === 0 &&
    report.ledger_balanced
  );
}
