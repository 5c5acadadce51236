// The genesis unit: no parents, an issue input, several authors, so not a payment the composer can build. It is
// measured with placeholder signatures and payload hashes of the real lengths, as ocore's composer does, then
// hashed and signed with the protocol library. Every later unit of the hub is composed by composePayment.
import type { KeyPair } from '../obyte/keys.ts';
import { getHeadersSize, getTotalPayloadSize } from '../obyte/length.ts';
import { sign } from '../obyte/signature.ts';
import type { Message, Output, PaymentMessage, Unit } from '../obyte/types.ts';
import { getMessagePayloadHash, getUnitHash, getUnitHashToSign } from '../obyte/unit-hash.ts';

const PLACEHOLDER_SIG = '-'.repeat(88);
const PLACEHOLDER_HASH = '-'.repeat(44);

type SealedUnit = Unit & { unit: string };

function byAddress<T extends { address: string }>(a: T, b: T): number {
  return a.address < b.address ? -1 : a.address > b.address ? 1 : 0;
}

function draft(params: { version: string; alt: string }, signers: readonly KeyPair[], messages: Message[]): Unit {
  return {
    version: params.version,
    alt: params.alt,
    messages,
    authors: signers.map((k) => ({
      address: k.address,
      authentifiers: { r: PLACEHOLDER_SIG },
      definition: k.definition,
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
  const unit = draft(opts.params, signers, [paymentMessage([issue], outputs)]);
  unit.timestamp = opts.timestamp;
  if (signers.length > 1) unit.earned_headers_commission_recipients = [{ address: signers[0]!.address, earned_headers_commission_share: 100 }];
  // the issue also pays for the genesis unit's own commissions; amounts do not change sizes
  issue.amount = outputs.reduce((sum, o) => sum + o.amount, 0) + measure(unit);
  return seal(unit, signers);
}
