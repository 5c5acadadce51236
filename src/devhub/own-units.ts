// Units the devhub composes for its own addresses: the genesis unit, and the oracle's data feed units (the
// product's composer builds payments only). Both are measured with placeholder signatures and payload hashes of
// the real lengths, as ocore's composer does, then hashed and signed with the protocol library.
import type { KeyPair } from '../obyte/keys.ts';
import { getHeadersSize, getTotalPayloadSize } from '../obyte/length.ts';
import { sign } from '../obyte/signature.ts';
import type { Message, Output, ParentsProps, PaymentMessage, TransferInput, Unit } from '../obyte/types.ts';
import { getMessagePayloadHash, getUnitHash, getUnitHashToSign } from '../obyte/unit-hash.ts';

const PLACEHOLDER_SIG = '-'.repeat(88);
const PLACEHOLDER_HASH = '-'.repeat(44);

type SealedUnit = Unit & { unit: string };

function byAddress<T extends { address: string }>(a: T, b: T): number {
  return a.address < b.address ? -1 : a.address > b.address ? 1 : 0;
}

function draft(params: { version: string; alt: string }, signers: readonly KeyPair[], messages: Message[], withDefinitions: boolean): Unit {
  return {
    version: params.version,
    alt: params.alt,
    messages,
    authors: signers.map((k) => ({
      address: k.address,
      authentifiers: { r: PLACEHOLDER_SIG },
      ...(withDefinitions ? { definition: k.definition } : {}),
    })),
  };
}

function measure(unit: Unit): number {
  unit.headers_commission = getHeadersSize(unit);
  unit.payload_commission = getTotalPayloadSize(unit);
  return unit.headers_commission + unit.payload_commission;
}

/** Fills in the payload hashes, the signatures of `signers` (in author order) and the unit hash. */
function seal(unit: Unit, signers: readonly KeyPair[]): SealedUnit {
  for (const message of unit.messages) message.payload_hash = getMessagePayloadHash(message, unit.version);
  const hashToSign = getUnitHashToSign(unit);
  unit.authors.forEach((author, i) => {
    author.authentifiers = { r: sign(hashToSign, signers[i]!.privateKey) };
  });
  return { ...unit, unit: getUnitHash(unit) };
}

function paymentMessage(inputs: PaymentMessage['payload']['inputs'], outputs: Output[]): PaymentMessage {
  return { app: 'payment', payload_location: 'inline', payload_hash: PLACEHOLDER_HASH, payload: { inputs, outputs } };
}

/** Sorted by address, repeated addresses merged. */
function mergedOutputs(outputs: readonly Output[]): Output[] {
  const sums = new Map<string, number>();
  for (const o of outputs) sums.set(o.address, (sums.get(o.address) ?? 0) + o.amount);
  return [...sums].map(([address, amount]) => ({ address, amount })).sort(byAddress);
}

/**
 * The unit without parents that issues every byte. All the hub's keys author it, so their definitions are
 * revealed and stable from the start and none of them has to wait before its second unit.
 */
export function composeGenesis(opts: {
  params: { version: string; alt: string };
  authors: readonly KeyPair[];
  outputs: readonly Output[];
  timestamp: number;
}): SealedUnit {
  const signers = [...opts.authors].sort(byAddress);
  const outputs = mergedOutputs(opts.outputs);
  const issue = { type: 'issue' as const, serial_number: 1, amount: 0 };
  const unit = draft(opts.params, signers, [paymentMessage([issue], outputs)], true);
  unit.timestamp = opts.timestamp;
  if (signers.length > 1) unit.earned_headers_commission_recipients = [{ address: signers[0]!.address, earned_headers_commission_share: 100 }];
  // the issue also pays for the genesis unit's own commissions; amounts do not change sizes
  issue.amount = outputs.reduce((sum, o) => sum + o.amount, 0) + measure(unit);
  return seal(unit, signers);
}

/** A data_feed message plus the payment of the fees, change back to the oracle (ocore's message order). */
export function composeDataFeed(opts: {
  params: { version: string; alt: string };
  oracle: KeyPair;
  inputs: Array<TransferInput & { amount: number }>;
  feeds: Record<string, string | number>;
  props: ParentsProps;
}): { ok: true; unit: SealedUnit } | { ok: false; error: 'not enough funds' } {
  const change: Output = { address: opts.oracle.address, amount: 0 };
  const feed: Message = { app: 'data_feed', payload_location: 'inline', payload_hash: PLACEHOLDER_HASH, payload: { ...opts.feeds } };
  const inputs = opts.inputs.map(({ unit, message_index, output_index }) => ({ unit, message_index, output_index }));
  const unit = draft(opts.params, [opts.oracle], [feed, paymentMessage(inputs, [change])], false);
  Object.assign(unit, {
    parent_units: [...opts.props.parent_units],
    last_ball: opts.props.last_stable_mc_ball,
    last_ball_unit: opts.props.last_stable_mc_ball_unit,
    timestamp: opts.props.timestamp,
    tps_fee: opts.props.tps_fee,
  });
  const fees = measure(unit) + opts.props.tps_fee;
  change.amount = opts.inputs.reduce((sum, i) => sum + i.amount, 0) - fees;
  if (change.amount <= 0) return { ok: false, error: 'not enough funds' };
  return { ok: true, unit: seal(unit, [opts.oracle]) };
}
