import type { ColumnType } from 'kysely';

/** Integer columns come back as bigint on both dialects (see db.ts); numbers are accepted on write. */
type Int = ColumnType<bigint, bigint | number, bigint | number>;
type NullableInt = ColumnType<bigint | null, bigint | number | null, bigint | number | null>;

export type NetworkName = 'main' | 'test';

export interface PartnersTable {
  id: string;
  name: string;
  key_hash: string;
  enabled: Int;
  deposit_index: Int;
  created_at: Int;
  key_rotated_at: NullableInt;
  /** Decimal USD; NULL: the configured default (PARTNER_DAILY_BUDGET_USD). */
  daily_budget_usd: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface PartnerReceivingAddressesTable {
  network: NetworkName;
  address: string;
  partner_id: string;
  created_at: Int;
}

export interface PartnerBudgetHoursTable {
  network: NetworkName;
  partner_id: string;
  /** floor(ms / 3,600,000) */
  hour: Int;
  used_micro_usd: Int;
}

export interface AuthFailuresTable {
  client_key: string;
  failures: Int;
  since: Int;
}

export interface PurchasesTable {
  id: string;
  network: NetworkName;
  partner_id: string;
  order_id: string;
  /** Equal to order_id while the order is taken; NULL once a failed payout freed it (unique per network+partner). */
  active_order_id: string | null;
  fingerprint: string;
  customer: string;
  merchant: string | null;
  description: string | null;
  recipient_kind: 'address' | 'email';
  recipient: string;
  currency: string;
  currency_amount: string;
  partner_pct: string;
  purchase_unit: string | null;
  /** Equal to purchase_unit while the order is taken (unique per network), NULL otherwise. */
  active_purchase_unit: string | null;
  purchase_unit_verified: Int;
  rates: string;
  /** How each pair was priced (JSON: value, source, the source's own time, the sources it was checked against); NULL before migration 0007. */
  rate_sources: ColumnType<string | null, string | null | undefined, string | null>;
  usd_value: string;
  purchase_bytes: string;
  program_share: Int;
  program_usd: string;
  partner_share: Int;
  cashback_amount: Int;
  status: 'accepted' | 'paid' | 'failed';
  unit: string | null;
  created_at: Int;
  paid_at: NullableInt;
  /** 1 when the purchase counts toward the cashback caps (it was taken while caps were on): indexed for them. */
  caps_counted: ColumnType<bigint, bigint | number | undefined, bigint | number>;
}

export type PayoutStatus = 'queued' | 'signed' | 'sent' | 'stable' | 'failed';

export interface PayoutsTable {
  id: string;
  network: NetworkName;
  purchase_id: string;
  kind: 'address' | 'textcoin';
  /** The output address: the customer's wallet, or the textcoin's own address. */
  address: string;
  /** Bytes in the output: the cashback, plus the claim fee allowance for a textcoin. */
  amount: Int;
  cashback: Int;
  status: PayoutStatus;
  unit: string | null;
  attempts: Int;
  last_error: string | null;
  created_at: Int;
  updated_at: Int;
}

export interface UnitsTable {
  unit: string;
  network: NetworkName;
  kind: 'payout' | 'sweep' | 'takeback';
  joint: string;
  status: 'signed' | 'sent' | 'stable' | 'failed';
  fee: Int;
  outputs_total: Int;
  attempts: Int;
  last_error: string | null;
  created_at: Int;
  sent_at: NullableInt;
}

/**
 * How a key was derived from its mnemonic: `bitcore` as ocore and the Obyte wallets do (every key since migration
 * 0004), `bip32` by standard BIP32 as this project did before (textcoins funded then; see src/obyte/bip32.ts).
 */
export type KeyDerivation = 'bitcore' | 'bip32';

export interface TextcoinsTable {
  payout_id: string;
  network: NetworkName;
  email: string;
  address: string;
  mnemonic_enc: string;
  status: 'pending' | 'funded' | 'claimed' | 'taken_back';
  emailed_at: NullableInt;
  created_at: Int;
  closed_at: NullableInt;
  closing_unit: string | null;
  /** The rule `address` came from: a textcoin is taken back with the key of that rule. */
  key_derivation: KeyDerivation;
}

export interface LedgerEntriesTable {
  id: string;
  network: NetworkName;
  /** Money moves from one account to the other: both sides of the double entry in one row. */
  from_account: string;
  to_account: string;
  amount: Int;
  kind: string;
  ref: string | null;
  created_at: Int;
}

export interface LedgerBalancesTable {
  network: NetworkName;
  account: string;
  balance: Int;
}

export interface RatesTable {
  id: string;
  network: NetworkName;
  pair: string;
  value: string;
  source: string;
  fetched_at: Int;
}

export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: Int;
}

export interface ChainCreditsTable {
  network: NetworkName;
  unit: string;
  message_index: Int;
  output_index: Int;
  address: string;
  amount: Int;
  account: string;
  credited_at: Int;
}

export interface NetworkIdentityTable {
  network: NetworkName;
  kind: 'livenet' | 'testnet' | 'devnet';
  alt: string;
  genesis_unit: string | null;
  hot_address: string;
  /** devnet only: the hub's witness addresses, sorted, comma-separated; null until the first hub check */
  devnet_witnesses: string | null;
  created_at: Int;
}

export interface KvTable {
  key: string;
  value: string;
}

export interface Database {
  partners: PartnersTable;
  purchases: PurchasesTable;
  payouts: PayoutsTable;
  units: UnitsTable;
  textcoins: TextcoinsTable;
  ledger_entries: LedgerEntriesTable;
  ledger_balances: LedgerBalancesTable;
  rates: RatesTable;
  leases: LeasesTable;
  chain_credits: ChainCreditsTable;
  kv: KvTable;
  partner_receiving_addresses: PartnerReceivingAddressesTable;
  partner_budget_hours: PartnerBudgetHoursTable;
  auth_failures: AuthFailuresTable;
  network_identity: NetworkIdentityTable;
}
