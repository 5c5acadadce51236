// Reconciliation: the ledger against itself and against what the network says our addresses hold.
import type { Db } from '../storage/db.ts';
import type { NetworkName } from '../storage/schema.ts';
import type { IncomingPayment } from './deposits.ts';

/** What reconciliation reads from the network (implemented over a hub by src/chain/hub-deposit-chain.ts). */
export interface ReconcileChain {
  /** Bytes on each address, stable plus pending; an address that holds nothing may be left out. */
  balances(addresses: readonly string[]): Promise<Map<string, bigint>>;
  /** Payments in bytes to these addresses, as the deposit scanner sees them. */
  incoming(addresses: readonly string[]): Promise<IncomingPayment[]>;
  /** Whether the hub has this unit. */
  exists(unit: string): Promise<boolean>;
  /** Units the address has authored (a textcoin that authored one was claimed or taken back). */
  authored(address: string): Promise<string[]>;
}

/** Our addresses on the network: the hot wallet, the pool's funding address, each partner's deposit address. */
export interface WalletAddresses {
  hot: string;
  funding: string;
  deposits: ReadonlyArray<{ partnerId: string; partner: string; address: string }>;
}

export interface ReconcileDeps {
  db: Db;
  network: NetworkName;
  chain: ReconcileChain;
  addresses: WalletAddresses;
  /** Passes made when a difference is found, in case it was a payment caught half-way; 1 by default. */
  attempts?: number;
  /** Pause between those passes. */
  pauseMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export type DifferenceKind =
  | 'ledger_sum'
  | 'ledger_negative'
  | 'ledger_entries'
  | 'wallet'
  | 'textcoins'
  | 'textcoin_address'
  | 'textcoins_ledger';

export interface Difference {
  kind: DifferenceKind;
  message: string;
  /** What the network holds (or the first side of the comparison), bytes. */
  actual?: bigint;
  /** What the ledger says, bytes. */
  expected?: bigint;
  /** actual − expected, bytes. */
  difference?: bigint;
  addresses: string[];
  account?: string;
}

export type InFlightKind = 'deposit' | 'signed_unit' | 'takeback' | 'claim';

/** Money on its way between the network and the ledger: not a difference, but listed. */
export interface InFlight {
  kind: InFlightKind;
  unit: string | null;
  address: string | null;
  /** Bytes the item moves. */
  amount: bigint;
  /** What it changes on the network side of the wallet comparison (already subtracted there), bytes. */
  walletEffect: bigint;
  note: string;
}

export interface AddressBalance {
  address: string;
  role: 'hot' | 'funding' | 'deposit';
  partner?: string;
  balance: bigint;
}

export interface NetworkReconciliation {
  network: NetworkName;
  ok: boolean;
  ledger: { accounts: Record<string, bigint>; sum: bigint };
  wallet: {
    /** Σ stable + pending bytes on the hot wallet, funding and deposit addresses. */
    chain: bigint;
    /** Part of `chain` explained by money in flight. */
    inFlight: bigint;
    /** pool + reserved + Σ deposit:*. */
    ledger: bigint;
    /** chain − inFlight − ledger. */
    difference: bigint;
    addresses: AddressBalance[];
  };
  textcoins: {
    /** Σ bytes on the addresses of funded textcoins not in flight. */
    chain: bigint;
    /** The `textcoins` account less the textcoins in flight. */
    ledger: bigint;
    difference: bigint;
    funded: number;
  };
  inFlight: InFlight[];
  differences: Difference[];
  notes: string[];
  /** Passes made (a difference is looked at again; a ledger that moved during a pass is read again). */
  passes: number;
}

const FLOOR_FREE = new Set(['external', 'paid', 'fees']);

interface DbSnapshot {
  accounts: Map<string, bigint>;
  credits: { count: bigint; sum: bigint };
  signed: Array<{ unit: string; kind: string; fee: bigint; outputsTotal: bigint }>;
  funded: Array<{ payoutId: string; address: string; amount: bigint; closingUnit: string | null }>;
  pendingTextcoins: number;
}

async function readDb(db: Db, network: NetworkName): Promise<DbSnapshot> {
  const read = async (tx: Db['kysely']) => {
    const accounts = await tx.selectFrom('ledger_balances').select(['account', 'balance']).where('network', '=', network).orderBy('account').execute();
    const credits = await tx
      .selectFrom('chain_credits')
      .select((eb) => [eb.fn.countAll<bigint>().as('count'), eb.fn.sum<bigint | null>('amount').as('sum')])
      .where('network', '=', network)
      .executeTakeFirstOrThrow();
    const signed = await tx
      .selectFrom('units')
      .select(['unit', 'kind', 'fee', 'outputs_total'])
      .where('network', '=', network)
      .where('status', '=', 'signed')
      .orderBy('created_at')
      .orderBy('unit')
      .execute();
    const funded = await tx
      .selectFrom('textcoins')
      .innerJoin('payouts', 'payouts.id', 'textcoins.payout_id')
      .select(['textcoins.payout_id', 'textcoins.address', 'textcoins.closing_unit', 'payouts.amount'])
      .where('textcoins.network', '=', network)
      .where('textcoins.status', '=', 'funded')
      .orderBy('textcoins.payout_id')
      .execute();
    const pending = await tx
      .selectFrom('textcoins')
      .select((eb) => eb.fn.countAll<bigint>().as('n'))
      .where('network', '=', network)
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    return {
      accounts: new Map(accounts.map((a) => [a.account, BigInt(a.balance)])),
      credits: { count: BigInt(credits.count), sum: BigInt(credits.sum ?? 0) },
      signed: signed.map((u) => ({ unit: u.unit, kind: u.kind, fee: BigInt(u.fee), outputsTotal: BigInt(u.outputs_total) })),
      funded: funded.map((t) => ({ payoutId: t.payout_id, address: t.address, amount: BigInt(t.amount), closingUnit: t.closing_unit })),
      pendingTextcoins: Number(pending.n),
    };
  };
  // One snapshot of several tables: PostgreSQL's default isolation would let each query see a different moment.
  if (db.dialect === 'postgres') return db.kysely.transaction().setIsolationLevel('repeatable read').execute((tx) => read(tx));
  return db.kysely.transaction().execute((tx) => read(tx));
}

function fingerprint(s: DbSnapshot): string {
  return JSON.stringify(
    { a: [...s.accounts], c: s.credits, s: s.signed.map((u) => u.unit), f: s.funded.map((t) => [t.payoutId, t.closingUnit]), p: s.pendingTextcoins },
    (_k, v) => (typeof v === 'bigint' ? v.toString() : v),
  );
}

/** Net balance per account from the entries themselves, to check the balances table against. */
async function entriesNet(db: Db, network: NetworkName): Promise<Map<string, bigint>> {
  const out = await db.kysely
    .selectFrom('ledger_entries')
    .select((eb) => ['from_account', eb.fn.sum<bigint>('amount').as('total')])
    .where('network', '=', network)
    .groupBy('from_account')
    .execute();
  const into = await db.kysely
    .selectFrom('ledger_entries')
    .select((eb) => ['to_account', eb.fn.sum<bigint>('amount').as('total')])
    .where('network', '=', network)
    .groupBy('to_account')
    .execute();
  const net = new Map<string, bigint>();
  for (const r of out) net.set(r.from_account, (net.get(r.from_account) ?? 0n) - BigInt(r.total));
  for (const r of into) net.set(r.to_account, (net.get(r.to_account) ?? 0n) + BigInt(r.total));
  return net;
}

/** Bytes as GB, exactly (9 decimals, trailing zeros dropped). */
export function gb(bytes: bigint): string {
  const sign = bytes < 0n ? '-' : '';
  const abs = bytes < 0n ? -bytes : bytes;
  const frac = (abs % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${sign}${abs / 1_000_000_000n}${frac ? '.' + frac : ''}`;
}

const amounts = (bytes: bigint) => `${bytes} bytes (${gb(bytes)} GB)`;

async function chainBalances(chain: ReconcileChain, addresses: readonly string[]): Promise<Map<string, bigint>> {
  return addresses.length === 0 ? new Map() : chain.balances(addresses);
}

async function onePass(deps: ReconcileDeps): Promise<Omit<NetworkReconciliation, 'passes'>> {
  const { db, network, chain, addresses } = deps;
  let before = await readDb(db, network);
  let moved = false;
  for (let tries = 0; ; tries++) {
    const result = await compare(before);
    const after = await readDb(db, network);
    if (fingerprint(after) === fingerprint(before)) {
      if (moved) result.notes.push('the ledger moved while it was read; this pass saw it at rest');
      return result;
    }
    moved = true;
    if (tries >= 4) {
      result.notes.push('the ledger kept moving during the check: differences may be payments caught half-way');
      return result;
    }
    before = after;
  }

  async function compare(s: DbSnapshot): Promise<Omit<NetworkReconciliation, 'passes'>> {
    const differences: Difference[] = [];
    const inFlight: InFlight[] = [];
    const notes: string[] = [];
    const account = (name: string) => s.accounts.get(name) ?? 0n;

    // Ledger internal: double entry sums to zero, nothing real below zero, balances agree with their entries.
    let sum = 0n;
    for (const [name, value] of s.accounts) {
      sum += value;
      if (!FLOOR_FREE.has(name) && value < 0n) {
        differences.push({ kind: 'ledger_negative', message: `account ${name} is negative: ${amounts(value)}`, actual: value, account: name, addresses: [] });
      }
    }
    if (sum !== 0n) differences.push({ kind: 'ledger_sum', message: `the ledger accounts sum to ${amounts(sum)}, not 0`, actual: sum, expected: 0n, difference: sum, addresses: [] });
    const net = await entriesNet(db, network);
    for (const name of new Set([...s.accounts.keys(), ...net.keys()])) {
      const fromEntries = net.get(name) ?? 0n;
      const stored = account(name);
      if (fromEntries !== stored) {
        differences.push({
          kind: 'ledger_entries',
          message: `account ${name}: balance ${amounts(stored)}, its entries add up to ${amounts(fromEntries)}`,
          actual: stored,
          expected: fromEntries,
          difference: stored - fromEntries,
          account: name,
          addresses: [],
        });
      }
    }

    // Wallet: what our addresses hold against pool + reserved + deposits.
    const watched = [addresses.funding, ...addresses.deposits.map((d) => d.address)];
    const walletAddresses = [addresses.hot, ...watched];
    const walletSet = new Set(walletAddresses);
    const textcoinAddresses = s.funded.map((t) => t.address);
    const [walletBalances, textcoinBalances, payments] = await Promise.all([
      chainBalances(chain, [...walletSet]),
      chainBalances(chain, textcoinAddresses),
      chain.incoming(watched),
    ]);

    // Payments from outside to a watched address that are not credited yet (not stable, or not scanned yet).
    const ownAuthors = new Set([...walletSet, ...textcoinAddresses]);
    const outside = payments.filter((p) => !p.authors.some((a) => ownAuthors.has(a)));
    const credited = new Set<string>();
    const creditUnits = [...new Set(outside.map((p) => p.unit))];
    for (let i = 0; i < creditUnits.length; i += 500) {
      const rows = await db.kysely
        .selectFrom('chain_credits')
        .select(['unit', 'message_index', 'output_index'])
        .where('network', '=', network)
        .where('unit', 'in', creditUnits.slice(i, i + 500))
        .execute();
      for (const r of rows) credited.add(`${r.unit}:${r.message_index}:${r.output_index}`);
    }
    for (const p of outside) {
      if (credited.has(`${p.unit}:${p.messageIndex}:${p.outputIndex}`)) continue;
      inFlight.push({
        kind: 'deposit',
        unit: p.unit,
        address: p.address,
        amount: p.amount,
        walletEffect: p.amount,
        note: p.stable ? 'stable, not credited yet' : 'not stable yet',
      });
    }

    // Units signed and stored before their broadcast: the network may or may not have them already.
    const closing = new Set<string>();
    for (const u of s.signed) {
      const onChain = await chain.exists(u.unit);
      // Their effect on our wallet addresses once the hub has them: a payout leaves with its fee, a sweep
      // of our own address costs its fee, a take-back brings a textcoin's bytes to the hot wallet.
      const effect = u.kind === 'payout' ? -(u.outputsTotal + u.fee) : u.kind === 'sweep' ? -u.fee : u.kind === 'takeback' ? u.outputsTotal : 0n;
      if (u.kind === 'takeback') closing.add(u.unit);
      inFlight.push({
        kind: 'signed_unit',
        unit: u.unit,
        address: null,
        amount: u.kind === 'takeback' ? u.outputsTotal : u.outputsTotal + u.fee,
        walletEffect: onChain ? effect : 0n,
        note: `${u.kind} unit signed, ${onChain ? 'on the network, not yet recorded as sent' : 'not on the network yet'}`,
      });
    }
    if (s.signed.length > 0) {
      notes.push(`${s.signed.length} signed unit(s) not yet recorded as sent: the comparison may be off by them if one is accepted during the check`);
    }

    const chainWallet = walletAddresses.reduce((t, a) => t + (walletBalances.get(a) ?? 0n), 0n);
    const walletInFlight = inFlight.reduce((t, f) => t + f.walletEffect, 0n);
    let deposits = 0n;
    for (const [name, value] of s.accounts) if (name.startsWith('deposit:')) deposits += value;
    const ledgerWallet = account('pool') + account('reserved') + deposits;
    const walletDiff = chainWallet - walletInFlight - ledgerWallet;
    const walletRows: AddressBalance[] = [
      { address: addresses.hot, role: 'hot', balance: walletBalances.get(addresses.hot) ?? 0n },
      { address: addresses.funding, role: 'funding', balance: walletBalances.get(addresses.funding) ?? 0n },
      ...addresses.deposits.map((d) => ({ address: d.address, role: 'deposit' as const, partner: d.partner, balance: walletBalances.get(d.address) ?? 0n })),
    ];
    if (walletDiff !== 0n) {
      differences.push({
        kind: 'wallet',
        message:
          `wallet: the network holds ${amounts(chainWallet)}` +
          (walletInFlight !== 0n ? ` (${amounts(walletInFlight)} of it in flight)` : '') +
          `, the ledger (pool + reserved + deposits) says ${amounts(ledgerWallet)}: ${walletDiff > 0n ? 'more' : 'less'} on the network by ${amounts(walletDiff < 0n ? -walletDiff : walletDiff)}`,
        actual: chainWallet - walletInFlight,
        expected: ledgerWallet,
        difference: walletDiff,
        addresses: walletRows.filter((r) => r.balance !== 0n || r.role !== 'deposit').map((r) => r.address),
      });
    }

    // Textcoins: funded textcoin addresses against the `textcoins` account.
    let chainTextcoins = 0n;
    let ledgerExcluded = 0n;
    let fundedTotal = 0n;
    for (const t of s.funded) {
      fundedTotal += t.amount;
      const held = textcoinBalances.get(t.address) ?? 0n;
      if (t.closingUnit !== null) {
        ledgerExcluded += t.amount;
        inFlight.push({ kind: 'takeback', unit: t.closingUnit, address: t.address, amount: t.amount, walletEffect: 0n, note: `take-back in progress; the address holds ${held}` });
        continue;
      }
      if (held < t.amount) {
        const spentBy = await chain.authored(t.address);
        if (spentBy.length > 0) {
          ledgerExcluded += t.amount;
          inFlight.push({ kind: 'claim', unit: spentBy[0]!, address: t.address, amount: t.amount, walletEffect: 0n, note: 'claimed on the network, not recorded yet' });
          continue;
        }
      }
      chainTextcoins += held;
      if (held !== t.amount) {
        differences.push({
          kind: 'textcoin_address',
          message: `textcoin ${t.address} (payout ${t.payoutId}) holds ${amounts(held)}, it was funded with ${amounts(t.amount)}`,
          actual: held,
          expected: t.amount,
          difference: held - t.amount,
          addresses: [t.address],
        });
      }
    }
    const ledgerTextcoins = account('textcoins') - ledgerExcluded;
    const textcoinDiff = chainTextcoins - ledgerTextcoins;
    if (textcoinDiff !== 0n) {
      differences.push({
        kind: 'textcoins',
        message: `textcoins: the funded textcoin addresses hold ${amounts(chainTextcoins)}, the ledger says ${amounts(ledgerTextcoins)}`,
        actual: chainTextcoins,
        expected: ledgerTextcoins,
        difference: textcoinDiff,
        addresses: s.funded.filter((t) => (textcoinBalances.get(t.address) ?? 0n) !== t.amount).map((t) => t.address),
      });
    }
    if (account('textcoins') !== fundedTotal) {
      differences.push({
        kind: 'textcoins_ledger',
        message: `the textcoins account holds ${amounts(account('textcoins'))}, the funded textcoins add up to ${amounts(fundedTotal)}`,
        actual: account('textcoins'),
        expected: fundedTotal,
        difference: account('textcoins') - fundedTotal,
        addresses: [],
      });
    }

    return {
      network,
      ok: differences.length === 0,
      ledger: { accounts: Object.fromEntries(s.accounts), sum },
      wallet: { chain: chainWallet, inFlight: walletInFlight, ledger: ledgerWallet, difference: walletDiff, addresses: walletRows },
      textcoins: { chain: chainTextcoins, ledger: ledgerTextcoins, difference: textcoinDiff, funded: s.funded.length },
      inFlight,
      differences,
      notes,
    };
  }
}

/**
 * Reconciles one network: the ledger with itself, our wallet addresses with pool + reserved + deposits, and the
 * funded textcoins with the textcoins account. Money in flight (payments not yet credited, units signed but not
 * yet recorded as sent, take-backs and claims under way) is listed and set aside, not called a difference.
 * Hub failures are thrown (the caller reports them as an operational error).
 */
export async function reconcileNetwork(deps: ReconcileDeps): Promise<NetworkReconciliation> {
  const attempts = Math.max(1, deps.attempts ?? 1);
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let pass = 1; ; pass++) {
    const result = await onePass(deps);
    if (result.ok || pass >= attempts) return { ...result, passes: pass };
    await sleep(deps.pauseMs ?? 0);
  }
}
