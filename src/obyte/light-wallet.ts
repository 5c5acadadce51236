// Composing a signed payment the way a light wallet does: everything the composer needs (witnesses, parents,
// last ball, tps fee, coins, whether the definition must be revealed) comes from the hub.
import { composePayment } from './composer.ts';
import { DEFAULT_THRESHOLD_SIZE, THRESHOLD_SIZE, networkOfVersion } from './constants.ts';
import { HubError, isTransientHubError, systemVarAt, type HubClient, type SystemVars } from './hub-client.ts';
import type { KeyPair } from './keys.ts';
import { baseOutputs, baseTransferInputs } from './payments.ts';
import type { Output, TransferInput, Unit } from './types.ts';

export interface ComposedPayment {
  ok: true;
  unit: Unit;
  /** headers + payload commission + tps fee (+ oversize fee): what the network keeps. */
  fee: number;
  tpsFee: number;
}

export interface ComposeFailure {
  ok: false;
  error: string;
  /** Worth trying again later (hub unreachable, definition not yet stable, funds still arriving…). */
  transient: boolean;
}

export interface PaymentRequest {
  params: { version: string; alt: string };
  key: KeyPair;
  /** Payees; the change goes back to the paying address. */
  outputs: Output[];
  /** Send everything the address holds to outputs[0].address (its amount is ignored). */
  sendAll?: boolean;
  /** With sendAll: only coins from stable units (a payment not yet final may still turn out a double spend). */
  stableInputsOnly?: boolean;
  /** Coins known unspent (the change of our own last unit): used without asking the hub when they suffice. */
  coins?: ReadonlyArray<TransferInput & { amount: number }>;
}

const witnessCache = new WeakMap<HubClient, string[]>();
/** Addresses whose definition the hub has as stable: a stable definition stays so, and need not be asked again. */
const stableDefinitions = new WeakMap<HubClient, Set<string>>();

/** The hub's witness list, asked once per connection object: light requests must name it. */
export async function witnesses(hub: HubClient): Promise<string[]> {
  const cached = witnessCache.get(hub);
  if (cached) return cached;
  const list = await hub.getWitnesses();
  witnessCache.set(hub, list);
  return list;
}

/** System variables change only by a vote of the order providers: asked again after this long. */
const SYSTEM_VARS_TTL_MS = 10 * 60_000;
const systemVarsCache = new WeakMap<HubClient, { vars: SystemVars | null; at: number }>();

/**
 * The network's `threshold_size` as of `mci`: the hub's system variables when it serves them (ocore does), else
 * the value voted on the network the unit version belongs to (constants.ts THRESHOLD_SIZE).
 */
export async function thresholdSize(hub: HubClient, version: string, mci: number): Promise<number> {
  let cached = systemVarsCache.get(hub);
  if (!cached || Date.now() - cached.at > SYSTEM_VARS_TTL_MS) {
    let vars: SystemVars | null = null;
    try {
      vars = await hub.getSystemVars();
    } catch (e) {
      // a hub refusing the request has no system variables to give; anything else (timeout, lost connection) is a failure
      if (!(e instanceof HubError && e.kind === 'response')) throw e;
    }
    cached = { vars, at: Date.now() };
    systemVarsCache.set(hub, cached);
  }
  const voted = cached.vars ? systemVarAt(cached.vars, 'threshold_size', mci) : null;
  if (typeof voted === 'number' && Number.isSafeInteger(voted) && voted > 0) return voted;
  const network = networkOfVersion(version);
  return network ? THRESHOLD_SIZE[network] : DEFAULT_THRESHOLD_SIZE;
}

/** Rough upper bound of headers + payload commission before the real size is known; the composer computes it exactly. */
function feeAllowance(outputs: number, inputs: number): number {
  return 1200 + 60 * outputs + 100 * inputs;
}

/** A hub error as an expected failure; anything else is a bug and is thrown on. */
export function hubFailure(e: unknown): ComposeFailure {
  if (e instanceof HubError) return { ok: false, error: e.message, transient: e.kind !== 'response' || isTransientHubError(e.message) };
  throw e;
}

/**
 * The tps fee a unit from `address` would be asked now, net of that address's tps fees balance (ocore
 * composer.estimateTpsFee). For an address that never paid, such as a new textcoin's, that is the full fee.
 */
export async function estimateTpsFee(hub: HubClient, address: string): Promise<number> {
  const props = await hub.getParentsAndLastBall({ witnesses: await witnesses(hub), from_addresses: [address], output_addresses: [address] });
  return props.tps_fee;
}

export interface HistoryUnit {
  hash: string;
  unit: Unit;
  /** At or before the last stable main chain index the hub reports. */
  stable: boolean;
}

/** The units the hub's history gives for these addresses, each once, marked stable or not. */
export async function addressHistory(hub: HubClient, addresses: readonly string[]): Promise<HistoryUnit[]> {
  const [history, lastStable] = await Promise.all([
    hub.getHistory({ witnesses: await witnesses(hub), addresses: [...addresses] }),
    hub.request<{ main_chain_index: number }>('get_last_stable_unit_props'),
  ]);
  const units = new Map<string, HistoryUnit>();
  // only `joints` holds the addresses' units; unstable_mc_joints is the witness proof (any main chain units)
  for (const { unit } of history.joints ?? []) {
    if (!unit.unit) continue;
    const mci = (unit as { main_chain_index?: number }).main_chain_index;
    units.set(unit.unit, { hash: unit.unit, unit, stable: typeof mci === 'number' && mci <= lastStable.main_chain_index });
  }
  return [...units.values()];
}

/** Outputs of `address` that no unit in its history spends: the coins a send-all needs. */
export async function unspentOutputs(
  hub: HubClient,
  address: string,
  opts: { stableOnly?: boolean } = {},
): Promise<Array<TransferInput & { amount: number }>> {
  const history = await addressHistory(hub, [address]);
  const key = (i: TransferInput) => `${i.unit}:${i.message_index}:${i.output_index}`;
  const spent = new Set(history.flatMap((h) => baseTransferInputs(h.unit).map(key)));
  const coins: Array<TransferInput & { amount: number }> = [];
  for (const h of history) {
    if (opts.stableOnly && !h.stable) continue;
    for (const o of baseOutputs(h.unit)) {
      const coin = { unit: h.hash, message_index: o.message_index, output_index: o.output_index, amount: o.amount };
      if (o.address === address && !spent.has(key(coin))) coins.push(coin);
    }
  }
  return coins;
}

/** Coins the hub picks for `wanted` bytes (own unconfirmed change included); none when they do not reach it. */
async function pickCoins(hub: HubClient, address: string, lastBallMci: number, wanted: number): Promise<Array<TransferInput & { amount: number }>> {
  const picked = await hub.pickDivisibleCoinsForAmount({ addresses: [address], last_ball_mci: lastBallMci, amount: wanted, spend_unconfirmed: 'own' });
  if (picked.inputs_with_proofs.length === 0 || picked.total_amount < wanted) return [];
  // The hub tells only the total, and the composer uses nothing but the total: spread it over the inputs.
  const count = picked.inputs_with_proofs.length;
  return picked.inputs_with_proofs.map(({ input }, i) => ({
    unit: input.unit,
    message_index: input.message_index,
    output_index: input.output_index,
    amount: i === 0 ? picked.total_amount - (count - 1) : 1,
  }));
}

export async function composeWithHub(hub: HubClient, req: PaymentRequest): Promise<ComposedPayment | ComposeFailure> {
  try {
    const { address } = req.key;
    let stable = stableDefinitions.get(hub);
    if (!stable) stableDefinitions.set(hub, (stable = new Set()));
    let revealDefinition = false;
    if (!stable.has(address)) {
      const known = await hub.getDefinitionForAddress(address);
      if (known.definition !== undefined && !known.is_stable) {
        return { ok: false, error: 'definition not stable yet', transient: true };
      }
      if (known.definition !== undefined) stable.add(address);
      revealDefinition = known.definition === undefined;
    }
    const props = await hub.getParentsAndLastBall({
      witnesses: await witnesses(hub),
      from_addresses: [address],
      output_addresses: [...new Set([...req.outputs.map((o) => o.address), address])],
    });

    let inputs: Array<TransferInput & { amount: number }>;
    if (req.sendAll) {
      inputs = await unspentOutputs(hub, address, { stableOnly: req.stableInputsOnly });
      if (inputs.length === 0) return { ok: false, error: 'nothing to send', transient: false };
    } else {
      const wanted = req.outputs.reduce((s, o) => s + o.amount, 0) + props.tps_fee + feeAllowance(req.outputs.length, 4);
      const own = req.coins ?? [];
      if (own.length > 0 && own.reduce((s, c) => s + c.amount, 0) >= wanted) inputs = [...own];
      else inputs = await pickCoins(hub, address, props.last_stable_mc_ball_mci, wanted);
      if (inputs.length === 0) return { ok: false, error: 'not enough spendable funds', transient: true };
    }

    const composed = composePayment({
      params: req.params,
      author: { address, privateKey: req.key.privateKey, ...(revealDefinition ? { definition: req.key.definition } : {}) },
      inputs,
      outputs: req.sendAll ? [{ address: req.outputs[0]!.address, amount: 0 }] : req.outputs,
      changeAddress: address,
      sendAll: req.sendAll === true,
      props,
      thresholdSize: await thresholdSize(hub, req.params.version, props.last_stable_mc_ball_mci),
    });
    if (!composed.ok) return { ok: false, error: `${composed.error}: need ${composed.required}, have ${composed.available}`, transient: true };
    const { headers, payload, tps } = composed.fees;
    return { ok: true, unit: composed.unit, fee: headers + payload + tps + (composed.unit.oversize_fee ?? 0), tpsFee: tps };
  } catch (e) {
    return hubFailure(e);
  }
}
