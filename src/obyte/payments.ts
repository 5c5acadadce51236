// Reading the bytes a unit moves: where each base-currency output sits (what an input refers to) and what it spends.
import type { PaymentPayload, TransferInput, Unit } from './types.ts';

export interface PositionedOutput {
  message_index: number;
  output_index: number;
  address: string;
  amount: number;
}

function basePayments(unit: Unit): Array<{ messageIndex: number; payload: PaymentPayload }> {
  const out: Array<{ messageIndex: number; payload: PaymentPayload }> = [];
  unit.messages.forEach((message, messageIndex) => {
    const payload = message.payload as PaymentPayload | undefined;
    if (message.app === 'payment' && payload && !payload.asset) out.push({ messageIndex, payload });
  });
  return out;
}

/** Every output in bytes, with its message and output index. */
export function baseOutputs(unit: Unit): PositionedOutput[] {
  return basePayments(unit).flatMap(({ messageIndex, payload }) =>
    payload.outputs.map((o, outputIndex) => ({ message_index: messageIndex, output_index: outputIndex, address: o.address, amount: o.amount })),
  );
}

/** Every transfer input (spent output) of the unit's payments in bytes. */
export function baseTransferInputs(unit: Unit): TransferInput[] {
  return basePayments(unit).flatMap(({ payload }) => payload.inputs.filter((i): i is TransferInput => !('type' in i)));
}
