// ocore validatePayment / validatePaymentInputsAndOutputs for the base asset: outputs sorted and capped,
// inputs existing, owned, in the unit's genes and unspent, and the fee balance equation.
import { HASH_LENGTH, MAX_CAP, MAX_INPUTS_PER_PAYMENT_MESSAGE, MAX_OUTPUTS_PER_PAYMENT_MESSAGE } from '../../obyte/constants.ts';
import type { DagView, OutputRef, RejectedJoint } from '../dag-view.ts';
import type { CheckedUnit } from './envelope.ts';
import { doubleSpend, invalid } from './outcome.ts';
import { isIncludedOrEqual } from './parents.ts';
import {
  has,
  hasFieldsExcept,
  isNonemptyArray,
  isNonemptyObject,
  isNonnegativeInteger,
  isPositiveInteger,
  isStringOfLength,
  type Obj,
} from './predicates.ts';

export interface PaymentState {
  readonly u: CheckedUnit;
  readonly dag: DagView;
  readonly lastBallMci: number;
  hasBasePayment: boolean;
  readonly inputKeys: Set<string>;
  readonly spent: OutputRef[];
  /** a unit outside this unit's genes that already spends one of its inputs: this unit would be nonserial */
  conflictingUnit: string | null;
}

export function checkPayment(payload: unknown, s: PaymentState): RejectedJoint | null {
  if (!isNonemptyObject(payload)) return invalid('payment must be a non-empty object');
  if (!isNonemptyArray(payload.inputs)) return invalid('no inputs');
  if (!isNonemptyArray(payload.outputs)) return invalid('no outputs');
  if (has(payload, 'asset')) {
    if (!isStringOfLength(payload.asset, HASH_LENGTH)) return invalid('invalid asset');
    // this hub defines no assets
    return invalid(`asset ${payload.asset} not found`);
  }
  if (hasFieldsExcept(payload, ['inputs', 'outputs'])) return invalid('unknown fields in payment message');
  if (s.hasBasePayment) return invalid('can have only one base payment');
  s.hasBasePayment = true;
  // the envelope's payment screen made every input and output a non-empty object
  const inputs = payload.inputs as Obj[];
  const outputs = payload.outputs as Obj[];
  if (inputs.length > MAX_INPUTS_PER_PAYMENT_MESSAGE) return invalid('too many inputs');
  if (outputs.length > MAX_OUTPUTS_PER_PAYMENT_MESSAGE) return invalid('too many outputs');
  const totalOutput = sumOutputs(outputs);
  if (typeof totalOutput !== 'number') return totalOutput;
  const totalInput = sumInputs(inputs, s);
  if (typeof totalInput !== 'number') return totalInput;
  if (totalInput > MAX_CAP) return invalid('total input too large: ' + totalInput);
  return checkBalance(s.u.raw, totalInput, totalOutput);
}

// Amounts and addresses were screened by the envelope ("invalid payment message").
function sumOutputs(outputs: Obj[]): number | RejectedJoint {
  let total = 0;
  let prevAddress = '';
  let prevAmount = 0;
  for (const output of outputs) {
    if (hasFieldsExcept(output, ['address', 'amount', 'blinding', 'output_hash'])) return invalid('unknown fields in payment output');
    const { address, amount } = output as { address: string; amount: number };
    if (amount > MAX_CAP) return invalid('output too large: ' + amount);
    if (has(output, 'blinding')) return invalid('public output must not have blinding');
    if (has(output, 'output_hash')) return invalid('public output must not have output_hash');
    if (prevAddress > address) return invalid('output addresses not sorted');
    // equal outputs to the same address are allowed
    if (prevAddress === address && prevAmount > amount) return invalid('output amounts for same address not sorted');
    prevAddress = address;
    prevAmount = amount;
    total += amount;
    if (total > MAX_CAP) return invalid('total output too large: ' + total);
  }
  return total;
}

// A commission, witnessing or issue input always ends validation with an error, so ocore's rules about the
// order of input types never get a say.
function sumInputs(inputs: Obj[], s: PaymentState): number | RejectedJoint {
  let total = 0;
  for (const [inputIndex, input] of inputs.entries()) {
    const type = input.type ?? 'transfer';
    if (type === 'issue') return issueError(input, inputIndex, s.u.authorAddresses);
    if (type === 'headers_commission' || type === 'witnessing') return commissionInputError(input, type, s);
    const amount = transferAmount(input, s);
    if (typeof amount !== 'number') return amount;
    total += amount;
  }
  return total;
}

function transferAmount(input: Obj, s: PaymentState): number | RejectedJoint {
  if (hasFieldsExcept(input, ['type', 'unit', 'message_index', 'output_index'])) return invalid('unknown fields in payment input');
  const { unit, message_index, output_index } = input;
  if (!isStringOfLength(unit, HASH_LENGTH)) return invalid('wrong unit length in payment input');
  if (!isNonnegativeInteger(message_index)) return invalid('no message_index in payment input');
  if (!isNonnegativeInteger(output_index)) return invalid('no output_index in payment input');
  const key = `base-${unit}-${message_index}-${output_index}`;
  if (s.inputKeys.has(key)) return invalid(`input ${key} already used`);
  s.inputKeys.add(key);

  const source = s.dag.getUnit(unit);
  if (!source) return invalid(`input unit ${unit} not found`);
  const output = s.dag.getOutput(unit, message_index, output_index);
  if (!output) return invalid(`output being spent ${unit} not found`);
  if (!s.u.authorAddresses.includes(output.address)) return invalid('output owner is not among authors');
  const stableInParents = source.mci !== null && source.mci <= s.lastBallMci;
  // spending unconfirmed outputs is allowed when the unit builds on them
  if (!stableInParents && !isIncludedOrEqual(s.dag, unit, s.u.parentUnits)) return invalid(`input ${unit} is not in your genes`);
  if (output.spentBy !== null) {
    if (isIncludedOrEqual(s.dag, output.spentBy, s.u.parentUnits))
      return doubleSpend(`${s.u.unit}: conflicting divisible input in inner unit ${output.spentBy}`);
    s.conflictingUnit ??= output.spentBy;
  }
  s.spent.push({ unit, message_index, output_index });
  return output.amount;
}

// Only the genesis unit issues bytes.
function issueError(input: Obj, inputIndex: number, authorAddresses: string[]): RejectedJoint {
  if (inputIndex !== 0) return invalid('issue must come first');
  if (hasFieldsExcept(input, ['type', 'address', 'amount', 'serial_number'])) return invalid('unknown fields in issue input');
  if (!isPositiveInteger(input.amount)) return invalid('amount must be positive');
  if (input.amount > MAX_CAP) return invalid('issue amount too large: ' + input.amount);
  if (!isPositiveInteger(input.serial_number)) return invalid('serial_number must be positive');
  if (input.serial_number !== 1) return invalid('for capped asset serial_number must be 1');
  const addressError = inputAddressError(input, 'issue', authorAddresses);
  return invalid(addressError ?? 'only genesis can issue base asset');
}

// This hub pays no headers commissions or witnessing rewards, so there are never any to spend.
function commissionInputError(input: Obj, type: 'headers_commission' | 'witnessing', s: PaymentState): RejectedJoint {
  if (hasFieldsExcept(input, ['type', 'from_main_chain_index', 'to_main_chain_index', 'address'])) return invalid('unknown fields in witnessing input');
  const { from_main_chain_index: from, to_main_chain_index: to } = input;
  if (!isNonnegativeInteger(from)) return invalid('from_main_chain_index must be nonnegative int');
  if (!isNonnegativeInteger(to)) return invalid('to_main_chain_index must be nonnegative int');
  if (from > to) return invalid('from_main_chain_index > input.to_main_chain_index');
  if (to > s.lastBallMci) return invalid('to_main_chain_index > last_ball_mci');
  if (from > s.lastBallMci) return invalid('from_main_chain_index > last_ball_mci');
  return invalid(inputAddressError(input, type, s.u.authorAddresses) ?? `zero ${type} commission`);
}

function inputAddressError(input: Obj, type: string, authorAddresses: string[]): string | null {
  if (authorAddresses.length === 1) return has(input, 'address') ? `when single-authored, must not put address in ${type} input` : null;
  if (typeof input.address !== 'string') return `when multi-authored, must put address in ${type} input`;
  if (!authorAddresses.includes(input.address)) return `${type} input address ${input.address} is not an author`;
  return null;
}

function checkBalance(raw: Obj, totalInput: number, totalOutput: number): RejectedJoint | null {
  const fee = (v: unknown): number => (typeof v === 'number' ? v : 0);
  const headers = fee(raw.headers_commission);
  const payload = fee(raw.payload_commission);
  const oversize = fee(raw.oversize_fee);
  const tps = fee(raw.tps_fee);
  const burn = fee(raw.burn_fee);
  // the 1e9 fee of a system_vote_count message never applies: this hub accepts no such message
  const voteCount = 0;
  if (totalInput === totalOutput + headers + payload + oversize + tps + burn + voteCount) return null;
  return invalid(
    `inputs and outputs do not balance: ${totalInput} !== ${totalOutput} + ${headers} + ${payload} + ${oversize} + ${tps} + ${burn} + ${voteCount}`,
  );
}
