// Wire shapes of Obyte units. Amounts are JS numbers: safe integers below MAX_CAP (9e15 < 2^53).

/** An address definition, e.g. ['sig', {pubkey}] or ['r of set', {...}]; its chash160 is the address. */
export type Definition = [operator: string, args: unknown];
export type SigDefinition = ['sig', { pubkey: string }];

export interface TransferInput {
  unit: string;
  message_index: number;
  output_index: number;
}

export interface CommissionInput {
  type: 'headers_commission' | 'witnessing';
  from_main_chain_index: number;
  to_main_chain_index: number;
  address?: string;
}

export interface IssueInput {
  type: 'issue';
  serial_number: number;
  amount: number;
  address?: string;
}

export type Input = TransferInput | CommissionInput | IssueInput;

export interface Output {
  address: string;
  amount: number;
}

export interface PaymentPayload {
  asset?: string;
  denomination?: number;
  inputs: Input[];
  outputs: Output[];
}

export type PayloadLocation = 'inline' | 'uri' | 'none';

export interface Message {
  app: string;
  payload_location: PayloadLocation;
  payload_hash: string;
  payload?: unknown;
  payload_uri?: string;
  payload_uri_hash?: string;
  spend_proofs?: Array<{ spend_proof: string; address?: string }>;
}

export interface PaymentMessage extends Message {
  app: 'payment';
  payload_location: 'inline';
  payload: PaymentPayload;
}

export interface Author {
  address: string;
  /** signing path → signature; absent on units authored by an autonomous agent */
  authentifiers?: Record<string, string>;
  definition?: Definition;
}

export interface Unit {
  unit?: string;
  version: string;
  alt: string;
  messages: Message[];
  authors: Author[];
  earned_headers_commission_recipients?: Array<{ address: string; earned_headers_commission_share: number }>;
  witness_list_unit?: string;
  witnesses?: string[];
  parent_units?: string[];
  last_ball?: string;
  last_ball_unit?: string;
  timestamp?: number;
  tps_fee?: number;
  burn_fee?: number;
  max_aa_responses?: number;
  headers_commission?: number;
  payload_commission?: number;
  oversize_fee?: number;
  /** set by hubs on units they serve; outside the hash */
  main_chain_index?: number;
  actual_tps_fee?: number | null;
  /** present only on stripped (voided) units */
  content_hash?: string;
}

export interface Joint {
  unit: Unit;
  ball?: string;
  skiplist_units?: string[];
  unsigned?: boolean;
}

/** What a hub's light/get_parents_and_last_ball_and_witness_list_unit returns for a v4 unit. */
export interface ParentsProps {
  parent_units: string[];
  last_stable_mc_ball: string;
  last_stable_mc_ball_unit: string;
  last_stable_mc_ball_mci: number;
  timestamp: number;
  tps_fee: number;
}
