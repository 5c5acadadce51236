// The devhub's genesis unit: the one unit without parents, issuing all the bytes. It is signed by the hub's
// own addresses so their definitions are revealed (and stable) from the start.
import type { KeyPair } from '../obyte/keys.ts';
import { getHeadersSize, getTotalPayloadSize } from '../obyte/length.ts';
import { sign } from '../obyte/signature.ts';
import type { Output, PaymentMessage, Unit } from '../obyte/types.ts';
import { getMessagePayloadHash, getUnitHash, getUnitHashToSign } from '../obyte/unit-hash.ts';

const PLACEHOLDER_SIG = '-'.repeat(88);
const PLACEHOLDER_HASH = '-'.repeat(44);

/** Sorted by address then amount (ocore's rule), with repeated addresses merged. */
function sortedOutputs(outputs: readonly Output[]): Output[] {
  const byAddress = new Map<string, number>();
  for (const o of outputs) byAddress.set(o.address, (byAddress.get(o.address) ?? 0) + o.amount);
  return [...byAddress].map(([address, amount]) => ({ address, amount })).sort((a, b) => (a.address < b.address ? -1 : 1));
}

export function composeGenesis(opts: {
  params: { version: string; alt: string };
  authors: readonly KeyPair[];
  outputs: readonly Output[];
  timestamp: number;
}): Unit & { unit: string } {
  const authors = [...opts.authors].sort((a, b) => (a.address < b.address ? -1 : 1));
  const outputs = sortedOutputs(opts.outputs);
  const payload = { inputs: [{ type: 'issue' as const, serial_number: 1, amount: 0 }], outputs };
  const message: PaymentMessage = { app: 'payment', payload_location: 'inline', payload_hash: PLACEHOLDER_HASH, payload };
  const unit: Unit = {
    version: opts.params.version,
    alt: opts.params.alt,
    authors: authors.map((k) => ({ address: k.address, authentifiers: { r: PLACEHOLDER_SIG }, definition: k.definition })),
    messages: [message],
    timestamp: opts.timestamp,
  };
  if (authors.length > 1) {
    unit.earned_headers_commission_recipients = [{ address: authors[0]!.address, earned_headers_commission_share: 100 }];
  }
  unit.headers_commission = getHeadersSize(unit);
  unit.payload_commission = getTotalPayloadSize(unit);
  // the issue pays for the outputs and the genesis unit's own commissions; amounts do not change sizes
  payload.inputs[0]!.amount = outputs.reduce((sum, o) => sum + o.amount, 0) + unit.headers_commission + unit.payload_commission;
  message.payload_hash = getMessagePayloadHash(message, unit.version);
  const hashToSign = getUnitHashToSign(unit);
  unit.authors.forEach((author, i) => {
    author.authentifiers = { r: sign(hashToSign, authors[i]!.privateKey) };
  });
  return { ...unit, unit: getUnitHash(unit) };
}
