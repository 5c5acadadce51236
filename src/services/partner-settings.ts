// The operator's settings of a partner that guard the program's money: receiving addresses and the daily budget.
import type Big from 'big.js';
import type { Db } from '../storage/db.ts';
import type { NetworkName } from '../storage/schema.ts';
import { anyTextcoinAddress, deleteReceivingAddress, insertReceivingAddress, listReceivingAddresses } from '../storage/receiving-addresses.ts';
import { budgetUsed, hourOf, updatePartnerBudget } from '../storage/budgets.ts';
import { isValidAddress } from '../obyte/address.ts';
import { Dec, microUsdText, parseDecimal, usdToMicroFloor } from '../domain/money.ts';
import { err, ok, type Result } from '../domain/result.ts';
import type { Partner } from './partners.ts';

/**
 * Registers a receiving address of the partner on a network. Refused: a malformed address, an address of the program
 * (hot wallet, funding, deposits, textcoins: its payments are no sales), one another partner registered.
 */
export async function addReceivingAddress(
  db: Db,
  partner: Partner,
  network: NetworkName,
  address: string,
  isProgramAddress: (address: string) => boolean,
  now = Date.now(),
): Promise<Result<{ added: boolean }, string>> {
  if (!isValidAddress(address)) return err(`"${address}" is not an Obyte address`);
  if (isProgramAddress(address) || (await anyTextcoinAddress(db.kysely, network, [address]))) {
    return err(`${address} is an address of the cashback program itself`);
  }
  const outcome = await insertReceivingAddress(db, { network, address, partnerId: partner.id, now });
  return 'takenBy' in outcome ? err(`${address} is already registered to partner "${outcome.takenBy}" on ${network}`) : ok(outcome);
}

export async function removeReceivingAddress(db: Db, partner: Partner, network: NetworkName, address: string): Promise<Result<void, string>> {
  return (await deleteReceivingAddress(db, network, partner.id, address))
    ? ok(undefined)
    : err(`${address} is not a receiving address of "${partner.name}" on ${network}`);
}

export const DEFAULT_BUDGET = 'default';

/** Sets the partner's daily budget: a USD amount, or `default` to follow PARTNER_DAILY_BUDGET_USD. */
export async function setDailyBudget(db: Db, partner: Partner, value: string): Promise<Result<{ budgetUsd: string | null }, string>> {
  const text = value.trim();
  if (text === DEFAULT_BUDGET) {
    await updatePartnerBudget(db, partner.id, null);
    return ok({ budgetUsd: null });
  }
  const usd = parseDecimal(text);
  if (usd === null) return err(`the budget must be a USD amount (e.g. 250 or 99.5) or "${DEFAULT_BUDGET}", got "${value}"`);
  // kept to the micro-dollar the budget is counted in
  const canonical = microUsdText(usdToMicroFloor(usd));
  await updatePartnerBudget(db, partner.id, canonical);
  return ok({ budgetUsd: canonical });
}

export interface PartnerMoneySettings {
  /** USD per rolling 24 h, per network; `budget_is_default` when it follows the configuration. */
  daily_budget_usd: string;
  budget_is_default: boolean;
  networks: Record<NetworkName, { receiving_addresses: string[]; budget_used_usd: string }>;
}

/** What `partner show` adds: receiving addresses, the budget, and what the last 24 h used of it on each network. */
export async function partnerMoneySettings(
  db: Db,
  partner: Partner,
  defaultBudgetUsd: Big,
  networks: readonly NetworkName[],
  now = Date.now(),
): Promise<PartnerMoneySettings> {
  const addresses = await listReceivingAddresses(db, partner.id);
  const out: PartnerMoneySettings['networks'] = { main: { receiving_addresses: [], budget_used_usd: '0' }, test: { receiving_addresses: [], budget_used_usd: '0' } };
  for (const n of networks) {
    out[n] = {
      receiving_addresses: addresses.filter((a) => a.network === n).map((a) => a.address),
      budget_used_usd: microUsdText(await budgetUsed(db.kysely, n, partner.id, hourOf(now))),
    };
  }
  const budget = partner.dailyBudgetUsd ?? Dec(defaultBudgetUsd).toFixed();
  return { daily_budget_usd: budget, budget_is_default: partner.dailyBudgetUsd === null, networks: out };
}
