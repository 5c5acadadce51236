// Coin selection as ocore inputs.js pickDivisibleCoinsForAmount does it for bytes.
import { MAX_INPUTS_PER_PAYMENT_MESSAGE } from '../obyte/constants.ts';
import type { HubNode } from './node.ts';

// a transfer input costs its values (44 + 8 + 8) plus its keys
const TRANSFER_INPUT_SIZE = 44 + 8 + 8 + 'unit'.length + 'message_index'.length + 'output_index'.length;

export type SpendUnconfirmed = 'own' | 'none' | 'all';

export interface PickedInput {
  unit: string;
  message_index: number;
  output_index: number;
  address: string;
  amount: number;
}

/**
 * ocore's coin selection for bytes: one coin just bigger than the target if there is one (stable first, then
 * the smallest), else the biggest coins until they exceed the target, each added input raising the target by
 * its own size. Headers-commission and witnessing inputs do not exist on the devhub. Null when funds are short.
 */
export function pickDivisibleCoins(
  node: HubNode,
  addresses: readonly string[],
  lastBallMci: number,
  amount: number,
  spend: SpendUnconfirmed,
): { inputs: PickedInput[]; total: number } | null {
  const authoredBy = new Set(addresses);
  const coins = addresses
    .flatMap((a) => node.store.unspentOutputs(a))
    .filter((o) => {
      if (spend === 'all' || o.mci <= lastBallMci) return true;
      return spend === 'own' && node.store.getUnit(o.unit)!.authors.some((a) => authoredBy.has(a));
    });
  const toInput = (o: (typeof coins)[number]): PickedInput => ({
    unit: o.unit,
    message_index: o.message_index,
    output_index: o.output_index,
    address: o.address,
    amount: o.amount,
  });
  const single = coins
    .filter((o) => o.amount > amount + TRANSFER_INPUT_SIZE)
    .sort((a, b) => Number(b.isStable) - Number(a.isStable) || a.amount - b.amount)[0];
  if (single) return { inputs: [toInput(single)], total: single.amount };
  const inputs: PickedInput[] = [];
  let total = 0;
  let required = amount;
  for (const coin of [...coins].sort((a, b) => b.amount - a.amount).slice(0, MAX_INPUTS_PER_PAYMENT_MESSAGE - 2)) {
    inputs.push(toInput(coin));
    total += coin.amount;
    required += TRANSFER_INPUT_SIZE;
    if (total > required) return { inputs, total };
  }
  return null;
}
