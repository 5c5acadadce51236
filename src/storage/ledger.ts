import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, NetworkName } from './schema.ts';
import { newId } from './ids.ts';
import { prepared, preparedInsert } from './prepared.ts';

/**
 * Double-entry ledger, per network. Every byte the program holds or has moved sits in exactly one account:
 * - `external`: the outside world (its balance goes negative as money comes in);
 * - `pool`: the program's funds on the hot wallet; `deposit:<partner id>`: a partner's deposit;
 * - `reserved`: taken for accepted purchases, not yet in a sent unit;
 * - `textcoins`: sitting on textcoin addresses, not yet claimed or taken back;
 * - `paid`: received by customers; `fees`: paid to the network.
 */
export type Account = 'external' | 'pool' | 'reserved' | 'textcoins' | 'paid' | 'fees' | `deposit:${string}`;

export const depositAccount = (partnerId: string): Account => `deposit:${partnerId}`;

/** Accounts that hold real money and so can never go below zero. */
function isFloored(account: Account): boolean {
  return account !== 'external' && account !== 'paid' && account !== 'fees';
}

export interface Posting {
  from: Account;
  to: Account;
  amount: bigint;
  kind: string;
  ref?: string | null;
}

export type PostResult = { ok: true } | { ok: false; short: Account };

type Executor = Kysely<Database> | Transaction<Database>;

const creditBalance = prepared<{ network: NetworkName; account: Account; amount: bigint }, never>((db, param) =>
  db
    .insertInto('ledger_balances')
    .values({ network: param('network'), account: param('account'), balance: param('amount') })
    .onConflict((oc) =>
      oc.columns(['network', 'account']).doUpdateSet({ balance: sql`ledger_balances.balance + ${param('amount')}` }),
    ),
);

const debitBalance = prepared<{ network: NetworkName; account: Account; amount: bigint }, never>((db, param) =>
  db
    .updateTable('ledger_balances')
    .set({ balance: sql`balance - ${param('amount')}` })
    .where('network', '=', param('network'))
    .where('account', '=', param('account'))
    .where('balance', '>=', param('amount')),
);

const insertEntry = preparedInsert('ledger_entries', ['id', 'network', 'from_account', 'to_account', 'amount', 'kind', 'ref', 'created_at']);

async function credit(db: Executor, network: NetworkName, account: Account, amount: bigint): Promise<void> {
  await creditBalance.run(db, { network, account, amount });
}

async function debit(db: Executor, network: NetworkName, account: Account, amount: bigint): Promise<boolean> {
  if (!isFloored(account)) {
    await credit(db, network, account, -amount);
    return true;
  }
  const result = await debitBalance.run(db, { network, account, amount });
  return (result.numAffectedRows ?? 0n) > 0n;
}

/**
 * Applies postings inside the caller's transaction. On a shortfall it stops and names the account; the caller
 * must then roll the transaction back (postings already applied in it are not undone here).
 *
 * Each account's balance changes once, by the postings' net amount, and accounts are changed in name order: on
 * PostgreSQL concurrent transactions then lock balance rows in the same order and cannot deadlock (a purchase
 * locking deposit, reserved, pool while a payout locked pool, fees, reserved, paid did, under load).
 */
export async function post(
  db: Executor,
  network: NetworkName,
  postings: readonly Posting[],
  now: number,
): Promise<PostResult> {
  const rows = [];
  const net = new Map<Account, bigint>();
  for (const p of postings) {
    if (p.amount < 0n) throw new Error(`negative posting ${p.kind}: ${p.amount}`);
    if (p.amount === 0n) continue;
    net.set(p.from, (net.get(p.from) ?? 0n) - p.amount);
    net.set(p.to, (net.get(p.to) ?? 0n) + p.amount);
    rows.push({
      id: newId('led', now),
      network,
      from_account: p.from,
      to_account: p.to,
      amount: p.amount,
      kind: p.kind,
      ref: p.ref ?? null,
      created_at: now,
    });
  }
  for (const [account, amount] of [...net].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (amount < 0n && !(await debit(db, network, account, -amount))) return { ok: false, short: account };
    if (amount > 0n) await credit(db, network, account, amount);
  }
  // A purchase posts one or two entries: prepared inserts. A payout unit posts one per payout: one statement.
  if (rows.length <= 2) for (const row of rows) await insertEntry.run(db, row);
  else await db.insertInto('ledger_entries').values(rows).execute();
  return { ok: true };
}

export async function balance(db: Executor, network: NetworkName, account: Account): Promise<bigint> {
  const row = await db
    .selectFrom('ledger_balances')
    .select('balance')
    .where('network', '=', network)
    .where('account', '=', account)
    .executeTakeFirst();
  return row ? BigInt(row.balance) : 0n;
}

export async function balances(db: Executor, network: NetworkName): Promise<Map<string, bigint>> {
  const rows = await db.selectFrom('ledger_balances').select(['account', 'balance']).where('network', '=', network).execute();
  return new Map(rows.map((r) => [r.account, BigInt(r.balance)]));
}
