// A v4 base-currency payment built, measured and signed the way ocore composer.js builds one in light mode:
// the fees are measured with 88 dashes standing in for the signature and 44 for the payload hash (the real ones
// have the same lengths, and every number counts 8 whatever its value), the change absorbs them, then the outputs
// are sorted, hashed and signed.
import { isValidAddress } from './address.ts';
import {
  MAX_CAP,
  MAX_INPUTS_PER_PAYMENT_MESSAGE,
  MAX_OUTPUTS_PER_PAYMENT_MESSAGE,
  SIG_LENGTH,
  HASH_LENGTH,
  isVersionWithoutTimestamp,
} from './constants.ts';
import { getHeadersSize, getOversizeFee, getTotalPayloadSize } from './length.ts';
import { sign } from './signature.ts';
import type { Author, Definition, Message, Output, ParentsProps, PaymentMessage, TransferInput, Unit } from './types.ts';
import { getBase64Hash, getMessagePayloadHash, getUnitHash, getUnitHashToSign } from './unit-hash.ts';

const SIGNING_PATH = 'r';
const SIGNATURE_PLACEHOLDER = '-'.repeat(SIG_LENGTH);
const PAYLOAD_HASH_PLACEHOLDER = '-'.repeat(HASH_LENGTH);

export interface ComposePaymentOptions {
  params: { version: string; alt: string };
  /** `definition` only while the address has no stable unit yet (its first unit reveals it). */
  author: { address: string; privateKey: Uint8Array; definition?: Definition };
  /** All of them are spent; `amount` is what each holds (it is not written into the unit). */
  inputs: Array<TransferInput & { amount: number }>;
  /** Payees without the change, up to 127. With sendAll, outputs[0].amount is ignored. */
  outputs: Output[];
  changeAddress: string;
  /** Everything minus fees (and minus the other outputs) goes to outputs[0].address; no change output. */
  sendAll?: boolean;
  props: ParentsProps;
  /** Messages that go before the payment (an oracle's data_feed); their payload hashes are filled in here. */
  messages?: readonly Message[];
  /** The network's `threshold_size` system variable as of the last ball; DEFAULT_THRESHOLD_SIZE when absent. */
  thresholdSize?: number;
}

export interface PaymentFees {
  headers: number;
  payload: number;
  tps: number;
  /** Only when the unit is above the oversize threshold (never for a handful of outputs). */
  oversize?: number;
}

export type ComposePaymentResult =
  | { ok: true; unit: Unit; fees: PaymentFees; change: number }
  /** `required` is the least total input for which these inputs and outputs would compose. */
  | { ok: false; error: 'not enough funds'; required: number; available: number };

function assertAmount(amount: number, what: string, allowZero = false): void {
  if (!Number.isSafeInteger(amount) || amount < (allowZero ? 0 : 1) || amount > MAX_CAP)
    throw new Error(`${what} must be an integer in [${allowZero ? 0 : 1}, ${MAX_CAP}], got ${amount}`);
}

function checkOptions(opts: ComposePaymentOptions): void {
  const { author, inputs, outputs, props } = opts;
  if (!isValidAddress(author.address)) throw new Error(`invalid author address ${author.address}`);
  if (inputs.length === 0) throw new Error('no inputs');
  if (inputs.length > MAX_INPUTS_PER_PAYMENT_MESSAGE) throw new Error(`more than ${MAX_INPUTS_PER_PAYMENT_MESSAGE} inputs`);
  const seen = new Set<string>();
  for (const input of inputs) {
    const id = `${input.unit}:${input.message_index}:${input.output_index}`;
    if (seen.has(id)) throw new Error(`input ${id} given twice`);
    seen.add(id);
    assertAmount(input.amount, `input ${id} amount`);
  }
  if (outputs.length === 0) throw new Error('no outputs');
  // the change (or, with sendAll, outputs[0] itself) takes one of the 128 output slots
  const maxPayees = opts.sendAll ? MAX_OUTPUTS_PER_PAYMENT_MESSAGE : MAX_OUTPUTS_PER_PAYMENT_MESSAGE - 1;
  if (outputs.length > maxPayees) throw new Error(`more than ${maxPayees} outputs`);
  outputs.forEach((output, i) => {
    if (!isValidAddress(output.address)) throw new Error(`invalid output address ${output.address}`);
    if (!(opts.sendAll && i === 0)) assertAmount(output.amount, `output ${i} amount`);
  });
  if (!opts.sendAll && !isValidAddress(opts.changeAddress)) throw new Error(`invalid change address ${opts.changeAddress}`);
  assertAmount(props.tps_fee, 'tps_fee', true);
  if (!Number.isSafeInteger(props.timestamp) || props.timestamp <= 0) throw new Error(`invalid timestamp ${props.timestamp}`);
  if (props.parent_units.length === 0) throw new Error('no parent units');
}

/** ocore sortOutputs: by address (code unit order), then by amount; equal outputs keep their order. */
function compareOutputs(a: Output, b: Output): number {
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  return a.amount - b.amount;
}

/**
 * Two payees at the same address with the same amount stay two outputs: validation.js only refuses an amount
 * smaller than the previous one at the same address, so equal neighbours are valid, and each payout keeps its own
 * output in the unit.
 */
export function composePayment(opts: ComposePaymentOptions): ComposePaymentResult {
  checkOptions(opts);
  const { params, author, inputs, props } = opts;
  const sendAll = opts.sendAll === true;

  // The remainder receiver is built with amount 0, measured (a number counts 8 whatever its value), then filled in.
  const [first, ...rest] = opts.outputs as [Output, ...Output[]];
  const remainder: Output = sendAll ? { address: first.address, amount: 0 } : { address: opts.changeAddress, amount: 0 };
  const fixedOutputs = (sendAll ? rest : opts.outputs).map((o) => ({ address: o.address, amount: o.amount }));
  const totalFixed = fixedOutputs.reduce((sum, o) => sum + o.amount, 0);
  const totalInput = inputs.reduce((sum, i) => sum + i.amount, 0);
  if (totalInput > MAX_CAP || totalFixed > MAX_CAP) throw new Error('total input or output above MAX_CAP');

  const message: PaymentMessage = {
    app: 'payment',
    payload_location: 'inline',
    payload_hash: PAYLOAD_HASH_PLACEHOLDER,
    payload: {
      inputs: inputs.map((i) => ({ unit: i.unit, message_index: i.message_index, output_index: i.output_index })),
      outputs: [remainder, ...fixedOutputs],
    },
  };
  const others: Message[] = (opts.messages ?? []).map((m) => ({ ...m, payload_hash: PAYLOAD_HASH_PLACEHOLDER }));
  const unitAuthor: Author = { address: author.address, authentifiers: { [SIGNING_PATH]: SIGNATURE_PLACEHOLDER } };
  if (author.definition) unitAuthor.definition = author.definition;
  // key order as ocore writes it, so the JSON we post reads like an ocore unit
  const unit: Unit = {
    version: params.version,
    alt: params.alt,
    messages: [...others, message],
    authors: [unitAuthor],
    parent_units: [...props.parent_units],
    last_ball: props.last_stable_mc_ball,
    last_ball_unit: props.last_stable_mc_ball_unit,
    timestamp: props.timestamp,
    tps_fee: props.tps_fee,
  };
  unit.headers_commission = getHeadersSize(unit);
  unit.payload_commission = getTotalPayloadSize(unit);
  const oversize = getOversizeFee(unit, opts.thresholdSize);
  if (oversize > 0) unit.oversize_fee = oversize;

  const fees = unit.headers_commission + unit.payload_commission + oversize + props.tps_fee;
  const remainderAmount = totalInput - totalFixed - fees;
  if (remainderAmount <= 0) {
    return { ok: false, error: 'not enough funds', required: totalFixed + fees + 1, available: totalInput };
  }
  remainder.amount = remainderAmount;
  message.payload.outputs.sort(compareOutputs);
  message.payload_hash = getBase64Hash(message.payload, !isVersionWithoutTimestamp(unit.version));
  for (const m of others) m.payload_hash = getMessagePayloadHash(m, unit.version);
  unitAuthor.authentifiers = { [SIGNING_PATH]: sign(getUnitHashToSign(unit), author.privateKey) };
  unit.unit = getUnitHash(unit);

  const feeParts: PaymentFees = { headers: unit.headers_commission, payload: unit.payload_commission, tps: props.tps_fee };
  if (oversize > 0) feeParts.oversize = oversize;
  return { ok: true, unit, fees: feeParts, change: sendAll ? 0 : remainderAmount };
}
