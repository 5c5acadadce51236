// The requests a hub serves to light clients, with ocore's parameter checks and error texts (network.js,
// light.js, data_feeds.js, inputs.js). Each handler returns the response, `{error}`, or NO_ANSWER when a
// real hub would stay silent.
import { isValidAddress } from '../obyte/address.ts';
import { isValidBase64, isValidUnitHash } from '../obyte/checks.ts';
import { HASH_LENGTH, MAX_AUTHORS_PER_UNIT, MAX_CAP } from '../obyte/constants.ts';
import type { Joint } from '../obyte/types.ts';
import { pickDivisibleCoins, type SpendUnconfirmed } from './coins.ts';
import type { HubNode } from './node.ts';
import type { ProofBall } from './store.ts';

export const NO_ANSWER = Symbol('no answer');

const COUNT_WITNESSES = 12;
const MAJORITY_OF_WITNESSES = COUNT_WITNESSES / 2 + 1;
const WITNESS_LIST_OFF = 'your witness list might be too much off, too few witness authored units';
const MAX_RESPONSES_PER_PRIMARY_TRIGGER = 10;
const MAX_HISTORY_ITEMS = 2000;
const HISTORY_TOO_LARGE = 'your history is too large, consider switching to a full client';
/** pick_divisible_coins_for_amount reserves this much for the fees of the unit being composed */
const PICK_COINS_SIZE_MARGIN = 2000;

export interface Peer {
  /** `light/get_history` makes the hub report changes to these addresses with `light/have_updates` */
  watch(addresses: readonly string[]): void;
  /** ocore sends `system_vars` before the first history answer */
  sendSystemVarsOnce(): void;
}

export interface CommandContext {
  node: HubNode;
  witnesses: readonly string[];
  exchangeRates(): Record<string, number>;
  /** ocore storage.systemVars, as `get_system_vars` answers and the `system_vars` justsaying carries */
  systemVars(): unknown;
  faucet(address: string, amount: number): { ok: true; unit: string } | { ok: false; error: string };
}

const error = (text: string) => ({ error: text });

function isNonemptyArray(v: unknown): v is unknown[] {
  return Array.isArray(v) && v.length > 0;
}

function isNonemptyObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length > 0;
}

// ocore validation_utils: any finite whole number, not only safe integers
function isInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && Math.floor(v) === v;
}

function isNonnegativeInteger(v: unknown): v is number {
  return isInteger(v) && v >= 0;
}

function isPositiveInteger(v: unknown): v is number {
  return isInteger(v) && v > 0;
}

function allValidAddresses(v: unknown[]): v is string[] {
  return v.every(isValidAddress);
}

export function handleCommand(ctx: CommandContext, peer: Peer, command: string, params: unknown): unknown {
  const p = params as Record<string, unknown> | null | undefined;
  switch (command) {
    case 'get_witnesses':
      return [...ctx.witnesses];
    case 'get_system_vars':
      return ctx.systemVars();
    case 'get_last_stable_unit_props': {
      const last = ctx.node.store.lastStable();
      const props = ctx.node.store.unitProps(last.unit)!;
      return { unit: last.unit, main_chain_index: last.mci, timestamp: props.timestamp };
    }
    case 'light/get_parents_and_last_ball_and_witness_list_unit':
      return parents(ctx, p);
    case 'light/pick_divisible_coins_for_amount':
      return pickCoins(ctx, p);
    case 'light/get_definition_for_address':
      return definitionForAddress(ctx, p);
    case 'post_joint':
      return postJoint(ctx, params);
    case 'get_joint': {
      if (typeof params !== 'string' || params === '') return error('unit must be a string');
      const joint = ctx.node.store.getJoint(params);
      return joint ? { joint } : { joint_not_found: params };
    }
    case 'light/get_history':
      return history(ctx, peer, p);
    case 'light/get_balances':
      return balances(ctx, params);
    case 'light/get_data_feed':
      return dataFeed(ctx, params);
    case 'hub/get_exchange_rates':
      return ctx.exchangeRates();
    case 'devhub/faucet': {
      if (!p || !isValidAddress(p.address)) return error('address not valid');
      if (!isPositiveInteger(p.amount) || p.amount > MAX_CAP) return error('amount is not valid');
      const sent = ctx.faucet(p.address as string, p.amount);
      return sent.ok ? sent.unit : error(sent.error);
    }
    default:
      return NO_ANSWER;
  }
}

function parents(ctx: CommandContext, p: Record<string, unknown> | null | undefined): unknown {
  if (!p) return error('no params in get_parents_and_last_ball_and_witness_list_unit');
  const witnesses = p.witnesses ?? ctx.witnesses;
  const maxAaResponses = p.max_aa_responses || 0;
  const from = p.from_addresses;
  const outputs = p.output_addresses;
  if (!Array.isArray(witnesses) || witnesses.length !== COUNT_WITNESSES) return error('wrong number of witnesses');
  if (!allValidAddresses(witnesses)) return error('bad witness addresses');
  if (!isNonnegativeInteger(maxAaResponses) || maxAaResponses > MAX_RESPONSES_PER_PRIMARY_TRIGGER) return error('bad max_aa_responses');
  if (!isNonemptyArray(from) || from.length > MAX_AUTHORS_PER_UNIT || !allValidAddresses(from)) return error('bad from addresses');
  if (outputs !== undefined && outputs !== null && (!isNonemptyArray(outputs) || outputs.length > 200 || !allValidAddresses(outputs)))
    return error('bad output addresses');
  if (!outputs) return error('no output addresses');
  // light.js: in this implementation, tps fees are paid by the first address only
  return ctx.node.parents(from[0] as string);
}

function pickCoins(ctx: CommandContext, p: Record<string, unknown> | null | undefined): unknown {
  if (!p) return error('no params in light/pick_divisible_coins_for_amount');
  if (!p.addresses || !p.last_ball_mci || !p.amount) return error('missing params in light/pick_divisible_coins_for_amount');
  if (p.asset && !isValidBase64(p.asset, HASH_LENGTH)) return error('asset is not valid');
  if (!isNonemptyArray(p.addresses)) return error('addresses must be non-empty array');
  if (p.addresses.length > MAX_AUTHORS_PER_UNIT) return error('too many addresses');
  if (!allValidAddresses(p.addresses)) return error('some addresses are not valid');
  if (!isPositiveInteger(p.last_ball_mci)) return error('last_ball_mci is not valid');
  if (!isPositiveInteger(p.amount)) return error('amount is not valid');
  if (p.amount > MAX_CAP) return error('amount is too large');
  const spend = p.spend_unconfirmed || 'own';
  if (p.spend_unconfirmed && spend !== 'own' && spend !== 'none' && spend !== 'all') return error('spend_unconfirmed is not valid');
  // the devhub issues no assets
  if (p.asset) return error(`asset ${String(p.asset)} not found`);
  const picked = pickDivisibleCoins(ctx.node, p.addresses, p.last_ball_mci, p.amount + PICK_COINS_SIZE_MARGIN, spend as SpendUnconfirmed);
  if (!picked) return { inputs_with_proofs: [], total_amount: 0 };
  const multiAuthored = p.addresses.length > 1;
  return {
    inputs_with_proofs: picked.inputs.map(({ unit, message_index, output_index, address }) => ({
      input: multiAuthored ? { unit, message_index, output_index, address } : { unit, message_index, output_index },
    })),
    total_amount: picked.total,
  };
}

function definitionForAddress(ctx: CommandContext, p: Record<string, unknown> | null | undefined): unknown {
  if (!p) return error('no params in light/get_definition_for_address');
  if (!isValidAddress(p.address)) return error('address not valid');
  const address = p.address as string;
  // the devhub has no definition changes, so the definition chash is the address itself
  const known = ctx.node.store.getDefinition(address);
  if (!known) return { definition_chash: address, is_stable: true };
  return { definition_chash: address, definition: known.definition, is_stable: known.isStable };
}

/** ocore string_utils.isTooDeeplyNestedOrHasTooManyNodes: the joint itself is at depth 1. */
function isTooDeeplyNestedOrHasTooManyNodes(value: unknown, depthLimit = 100, nodesLimit = 10_000): boolean {
  let nodes = 0;
  const check = (v: unknown, depth: number): boolean => {
    if (depth > depthLimit || nodes > nodesLimit) return true;
    if (v === null || typeof v !== 'object') return false;
    const children = Array.isArray(v) ? v : Object.values(v);
    nodes += children.length;
    return children.some((child) => check(child, depth + 1));
  };
  return check(value, 1);
}

function postJoint(ctx: CommandContext, params: unknown): unknown {
  const joint = params as { unit?: { unit?: unknown; main_chain_index?: unknown; actual_tps_fee?: unknown }; ball?: unknown } | null;
  if (!joint || typeof joint !== 'object' || !joint.unit || typeof joint.unit !== 'object' || !joint.unit.unit) return error('no unit');
  if (joint.ball) return error('no ball via post_joint');
  if (isTooDeeplyNestedOrHasTooManyNodes(joint)) return error('joint is too deeply nested or has too many nodes');
  if (typeof joint.unit.unit !== 'string') return error('no unit');
  if ('unsigned' in joint) return error('unsigned unit');
  // hubs annotate the joints they serve; a client may post one back as it got it
  const { main_chain_index: _mci, actual_tps_fee: _fee, ...unit } = joint.unit;
  const outcome = ctx.node.post({ ...(joint as object), unit } as Joint);
  return outcome.ok ? 'accepted' : error(outcome.error);
}

function history(ctx: CommandContext, peer: Peer, p: Record<string, unknown> | null | undefined): unknown {
  if (!p) return error('no history request');
  const { addresses, requested_joints: requested, witnesses, known_stable_units: knownStable } = p;
  const minMci = p.min_mci || 0;
  if (!addresses && !requested) return error('neither addresses nor joints requested');
  if (addresses) {
    if (!isNonemptyArray(addresses)) return error('no addresses');
    if (addresses.length > 2000) return error('too many addresses');
    if (!allValidAddresses(addresses)) return error('some addresses are not valid');
  }
  if (requested) {
    if (!isNonemptyArray(requested)) return error('no requested joints');
    if (requested.length > 2000) return error('too many requested joints');
    if (!requested.every(isValidUnitHash)) return error('invalid requested joints');
  }
  if (!Array.isArray(witnesses) || witnesses.length !== COUNT_WITNESSES) return error('wrong number of witnesses');
  if (minMci && !isNonnegativeInteger(minMci)) return error('min_mci should be non negative integer');
  if (knownStable !== undefined) {
    if (!isNonemptyArray(knownStable)) return error('known_stable_units must be non-empty array');
    if (knownStable.length > 2000) return error('too many known stable units');
    if (!knownStable.every(isValidUnitHash)) return error('invalid known stable units');
  }
  const hubWitnesses = (witnesses as unknown[]).filter((w): w is string => typeof w === 'string' && ctx.witnesses.includes(w));
  peer.sendSystemVarsOnce();
  const store = ctx.node.store;
  const known = new Set((knownStable as string[] | undefined) ?? []);
  const units = new Set(addresses ? store.unitsTouching(addresses as string[]) : []);
  for (const unit of (requested as string[] | undefined) ?? []) if (store.unitProps(unit)) units.add(unit);
  const rows = [...units]
    .map((unit) => store.unitProps(unit)!)
    .filter((u) => !known.has(u.unit) && u.mci >= (minMci as number))
    .sort((a, b) => b.mci - a.mci);
  if (addresses) peer.watch(addresses as string[]);
  if (rows.length === 0) return {};
  if (rows.length > MAX_HISTORY_ITEMS) return error(HISTORY_TOO_LARGE);
  // ocore witness_proof.js: the witness proof needs a majority of the requested witnesses among the ones that post
  if (hubWitnesses.length < MAJORITY_OF_WITNESSES) return error(WITNESS_LIST_OFF);
  const proof = witnessProof(ctx, hubWitnesses);
  if (!proof) return error(WITNESS_LIST_OFF);
  const definitions = witnessDefinitionJoints(ctx, hubWitnesses);
  const proofchainBalls = proofChainBalls(ctx, rows, proof.lastBallMci);
  return {
    unstable_mc_joints: proof.joints,
    ...(definitions.length > 0 ? { witness_change_and_definition_joints: definitions } : {}),
    joints: rows.map((u) => store.getJoint(u.unit)!),
    ...(proofchainBalls.length > 0 ? { proofchain_balls: proofchainBalls } : {}),
  };
}

/**
 * ocore prepareWitnessProof: the main chain units from the newest down, served without their balls, far enough
 * to include the witnesses' units (every devhub unit is on the main chain: the unstable ones, then down to the
 * newest one a requested witness authored), and the newest last ball those witnessed units reference.
 */
function witnessProof(ctx: CommandContext, witnesses: readonly string[]): { joints: Joint[]; lastBallMci: number } | null {
  const store = ctx.node.store;
  const lastStable = store.lastStable().mci;
  const joints: Joint[] = [];
  let lastBallMci = -1;
  for (let mci = store.lastMci(); mci > 0 && (mci > lastStable || lastBallMci < 0); mci--) {
    const joint = store.getJointAt(mci);
    if (!joint) continue;
    delete joint.ball;
    delete joint.skiplist_units;
    joints.push(joint);
    if (!joint.unit.authors.some((a) => witnesses.includes(a.address))) continue;
    const lastBall = joint.unit.last_ball_unit ? store.unitProps(joint.unit.last_ball_unit) : null;
    if (lastBall) lastBallMci = Math.max(lastBallMci, lastBall.mci);
  }
  return lastBallMci < 0 ? null : { joints, lastBallMci };
}

/**
 * ocore light.js prepareHistory with proof_chain.buildProofChain: for each stable unit of the history, newest
 * first, the main chain balls from just below the previous one down to it, jumping along skiplists, so that a
 * client can link it to the last ball of the witness proof (every devhub unit is on the main chain: no last mile).
 */
function proofChainBalls(ctx: CommandContext, rows: ReadonlyArray<{ mci: number }>, lastBallMci: number): ProofBall[] {
  const store = ctx.node.store;
  const balls: ProofBall[] = [];
  let later = lastBallMci + 1;
  for (const row of rows) {
    if (row.mci > lastBallMci) continue;
    for (let mci = later - 1; mci >= row.mci && later !== row.mci; ) {
      const { proof, skiplistMcis } = store.proofBallAt(mci);
      balls.push(proof);
      if (mci === row.mci) break;
      mci = Math.min(mci - 1, ...skiplistMcis.filter((m) => m >= row.mci));
    }
    later = row.mci;
  }
  return balls;
}

/** The stable units that reveal the requested witnesses' definitions, oldest first, with their balls. */
function witnessDefinitionJoints(ctx: CommandContext, witnesses: readonly string[]): Joint[] {
  const store = ctx.node.store;
  const units = new Set<string>();
  for (const w of witnesses) {
    const d = store.getDefinition(w);
    if (d?.isStable) units.add(d.unit);
  }
  return [...units]
    .map((unit) => store.getJoint(unit)!)
    .sort((a, b) => (a.unit.main_chain_index ?? 0) - (b.unit.main_chain_index ?? 0));
}

function balances(ctx: CommandContext, params: unknown): unknown {
  if (!params) return error('no params in light/get_balances');
  if (!isNonemptyArray(params)) return error('addresses must be non-empty array');
  if (!allValidAddresses(params)) return error('some addresses are not valid');
  if (params.length > 100) return error('too many addresses');
  const result: Record<string, { base: Record<string, number> }> = {};
  for (const address of params) {
    const b = ctx.node.store.balance(address);
    if (b.stableCount + b.pendingCount === 0) continue;
    result[address] = {
      base: {
        stable: b.stable,
        pending: b.pending,
        stable_outputs_count: b.stableCount,
        pending_outputs_count: b.pendingCount,
        total: b.stable + b.pending,
      },
    };
  }
  return result;
}

const NUMERIC_FEED_VALUE = /^[+-]?(\d+(\.\d+)?)([eE][+-]?(\d+))?$/;

/** ocore string_utils.getFeedValue: a string that reads as a finite number is served as that number. */
function feedValue(value: string | number): string | number {
  if (typeof value === 'number') return value;
  const m = NUMERIC_FEED_VALUE.exec(value);
  if (!m) return value;
  const f = parseFloat(value);
  if (!Number.isFinite(f)) return value;
  if (f === 0 && Number(m[1]) > 0 && Number(m[4]) > 0) return value; // underflow such as 1e-700
  return f === 0 ? 0 : f;
}

const isFeedValue = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

function dataFeed(ctx: CommandContext, params: unknown): unknown {
  if (!isNonemptyObject(params)) return error('no params in light/get_data_feed');
  const p = params;
  if ('max_mci' in p && !isPositiveInteger(p.max_mci)) return error('max_mci must be positive integer');
  const oracles = p.oracles;
  if (!oracles) return error('no oracles in readDataFeedValueByParams');
  if (!isNonemptyArray(oracles)) return error('oracles must be non-empty array');
  if (!allValidAddresses(oracles)) return error('some oracle addresses are not valid');
  if (oracles.length > 10) return error('too many oracles');
  const name = p.feed_name;
  if (!name || typeof name !== 'string') return error('empty feed_name or not a string');
  if ('feed_value' in p && !isFeedValue(p.feed_value)) return error(`bad feed_value: ${String(p.feed_value)}`);
  if ('min_mci' in p && !isNonnegativeInteger(p.min_mci)) return error(`bad min_mci: ${String(p.min_mci)}`);
  const ifseveral = p.ifseveral ?? 'last';
  if (ifseveral !== 'abort' && ifseveral !== 'last') return error(`bad ifseveral: ${String(ifseveral)}`);
  const what = p.what ?? 'value';
  if (what !== 'unit' && what !== 'value') return error(`bad what: ${String(what)}`);
  const type = p.type ?? 'auto';
  if (type !== 'string' && type !== 'auto') return error(`bad df type: ${String(type)}`);
  if ('ifnone' in p && !isFeedValue(p.ifnone)) return error(`bad ifnone: ${String(p.ifnone)}`);
  const minMci = (p.min_mci as number | undefined) ?? 0;
  const maxMci = (p.max_mci as number | undefined) ?? 1e15;
  const matches = ctx.node.store
    .feedValues(oracles, name)
    .filter((f) => f.mci >= minMci && f.mci <= maxMci)
    .filter((f) => !('feed_value' in p) || String(f.value) === String(p.feed_value));
  if (ifseveral === 'abort' && matches.length > 1) return error('several values found');
  const found = matches[0];
  if (found) {
    if (what === 'unit') return found.unit;
    return type === 'string' ? String(found.value) : feedValue(found.value);
  }
  if ('ifnone' in p && p.ifnone !== 'abort') return p.ifnone;
  return error(`data feed ${name} not found`);
}
