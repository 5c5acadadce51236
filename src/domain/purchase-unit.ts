// What a GBYTE purchase's unit pays the merchant (contract §7): a pure reading of the unit the hub returned.

/** The parts of a unit that decide whether it pays a partner: who signed it and its outputs in bytes. */
export interface UnitPayment {
  readonly authors: readonly string[];
  readonly outputs: ReadonlyArray<{ readonly address: string; readonly amount: bigint }>;
}

/**
 * Bytes the unit pays to `receiving` (the partner's addresses on the unit's network). Outputs to one of the unit's
 * own authors are change, not a payment, even to a receiving address: a merchant moving its own coins is no sale.
 */
export function bytesPaidTo(unit: UnitPayment, receiving: ReadonlySet<string>): bigint {
  const authors = new Set(unit.authors);
  let paid = 0n;
  for (const o of unit.outputs) if (receiving.has(o.address) && !authors.has(o.address)) paid += o.amount;
  return paid;
}
