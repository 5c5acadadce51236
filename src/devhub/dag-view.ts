// The contract between unit validation and the hub's storage: validation reads the DAG only through
// this view, and answers with a value the hub acts on (store the unit, or send the error back).
import type { Unit } from '../obyte/types.ts';

export interface DagUnit {
  unit: string;
  timestamp: number;
  mci: number | null;
  isStable: boolean;
  authors: string[];
  parents: string[];
}

export interface DagOutput {
  address: string;
  amount: number;
  /** the accepted unit that spends this output, if any */
  spentBy: string | null;
  isStable: boolean;
}

export interface DagDefinition {
  definition: unknown;
  /** the unit that revealed the definition */
  unit: string;
  isStable: boolean;
}

export interface DagView {
  getUnit(unit: string): DagUnit | null;
  getOutput(unit: string, messageIndex: number, outputIndex: number): DagOutput | null;
  /** "in your genes": `unit` is an ancestor of at least one of `descendants` (validation also treats equality as included) */
  isAncestorOf(unit: string, descendants: string[]): boolean;
  getDefinition(address: string): DagDefinition | null;
  hasAuthored(address: string): boolean;
  lastStable(): { unit: string; ball: string; mci: number };
  /** `ball` is the ball of the stable main-chain unit `unit` */
  isStableBall(ball: string, unit: string): boolean;
  /** the address's tps fees balance as of main chain index `mci` (0 when it has none) */
  tpsFeesBalance(address: string, mci: number): number;
}

export interface ValidationContext {
  /** the network's unit version and alt, e.g. '4.0dev' / '3' */
  version: string;
  alt: string;
  /** the hub's clock, in seconds */
  nowSec: number;
  /** the tps fee the unit must cover with its tps_fee and the payers' balances, or it is refused for good */
  minTpsFee: number;
  /** the current fee × min_acceptable_tps_fee_multiplier: a unit paying less is soft-rejected (it may pass later) */
  minAcceptableTpsFee: number;
  /** the order providers (the hub's witnesses): their units pass despite a fee below minAcceptableTpsFee */
  opList: readonly string[];
  /** the threshold_size system variable: above it a unit pays an oversize fee */
  thresholdSize: number;
}

export interface OutputRef {
  unit: string;
  message_index: number;
  output_index: number;
}

export type DataFeedValue = string | number;

export interface ValidJoint {
  ok: true;
  /** the posted unit without the hub annotations main_chain_index and actual_tps_fee */
  unit: Unit;
  /** the outputs this unit spends */
  spent: OutputRef[];
  /** definitions revealed by this unit's authors */
  definitions: Array<{ address: string; definition: unknown }>;
  /** the unit's data_feed message, posted under each author's address; empty when there is none */
  dataFeeds: Record<string, DataFeedValue>;
}

/**
 * invalid: the unit breaks a rule; unknown_parents: some parents are not in the DAG (yet);
 * known: the DAG already has this unit; double_spend: an output it spends is spent by another unit.
 */
export type RejectionKind = 'invalid' | 'unknown_parents' | 'known' | 'double_spend';

export interface RejectedJoint {
  ok: false;
  /** ocore's error text, sent back to the client as is */
  error: string;
  /** the same unit may be accepted later (ocore's transient errors) */
  transient: boolean;
  kind: RejectionKind;
}

export type JointValidation = ValidJoint | RejectedJoint;
