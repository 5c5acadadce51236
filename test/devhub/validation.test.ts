import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type {
  DagDefinition,
  DagOutput,
  DagUnit,
  DagView,
  JointValidation,
  RejectionKind,
  ValidationContext,
} from '../../src/devhub/dag-view.ts';
import { validateJoint } from '../../src/devhub/validation.ts';
import { addressFromPubkey, definitionFromPubkey } from '../../src/obyte/address.ts';
import { composePayment } from '../../src/obyte/composer.ts';
import { walletKey, type KeyPair } from '../../src/obyte/keys.ts';
import { getHeadersSize, getOversizeFee, getTotalPayloadSize } from '../../src/obyte/length.ts';
import { publicKeyOf, sign } from '../../src/obyte/signature.ts';
import type { Input, Message, Output, PaymentPayload, Unit } from '../../src/obyte/types.ts';
import { getMessagePayloadHash, getUnitHash, getUnitHashToSign } from '../../src/obyte/unit-hash.ts';

// ---- keys and hashes ----

function h(label: string): string {
  return createHash('sha256').update(label).digest('base64');
}

function fixedKey(label: string): KeyPair {
  const privateKey = new Uint8Array(createHash('sha256').update(label).digest());
  const pubkey = publicKeyOf(privateKey);
  return { privateKey, pubkey, definition: definitionFromPubkey(pubkey), address: addressFromPubkey(pubkey) };
}

const MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const alice = walletKey(MNEMONIC, 0);
const bob = fixedKey('bob');
const carol = fixedKey('carol');
const dave = fixedKey('dave');
const KEYS = [alice, bob, carol, dave];

// ---- an in-memory DAG ----

interface UnitSpec {
  unit: string;
  timestamp: number;
  mci: number | null;
  /** present for stable units */
  ball?: string;
  authors?: string[];
  parents?: string[];
  outputs?: Output[];
  reveals?: KeyPair[];
}

const outputKey = (unit: string, m: number, o: number): string => `${unit}:${m}:${o}`;

class MemoryDag implements DagView {
  readonly units = new Map<string, DagUnit>();
  readonly outputs = new Map<string, DagOutput>();
  readonly definitions = new Map<string, DagDefinition>();
  readonly balls = new Map<string, string>();
  /** tps fees balances as of the last ball */
  readonly tpsBalances = new Map<string, number>();

  add(spec: UnitSpec): this {
    const isStable = spec.ball !== undefined;
    this.units.set(spec.unit, {
      unit: spec.unit,
      timestamp: spec.timestamp,
      mci: spec.mci,
      isStable,
      authors: spec.authors ?? [],
      parents: spec.parents ?? [],
    });
    (spec.outputs ?? []).forEach((o, i) => this.outputs.set(outputKey(spec.unit, 0, i), { ...o, spentBy: null, isStable }));
    for (const k of spec.reveals ?? []) this.definitions.set(k.address, { definition: k.definition, unit: spec.unit, isStable });
    if (spec.ball) this.balls.set(spec.unit, spec.ball);
    return this;
  }

  getUnit(unit: string): DagUnit | null {
    return this.units.get(unit) ?? null;
  }
  getOutput(unit: string, m: number, o: number): DagOutput | null {
    return this.outputs.get(outputKey(unit, m, o)) ?? null;
  }
  isAncestorOf(unit: string, descendants: string[]): boolean {
    const queue = descendants.flatMap((d) => this.units.get(d)?.parents ?? []);
    const seen = new Set<string>();
    while (queue.length) {
      const current = queue.pop()!;
      if (current === unit) return true;
      if (seen.has(current)) continue;
      seen.add(current);
      queue.push(...(this.units.get(current)?.parents ?? []));
    }
    return false;
  }
  getDefinition(address: string): DagDefinition | null {
    return this.definitions.get(address) ?? null;
  }
  hasAuthored(address: string): boolean {
    return [...this.units.values()].some((u) => u.authors.includes(address));
  }
  lastStable(): { unit: string; ball: string; mci: number } {
    const stable = [...this.units.values()].filter((u) => u.isStable).sort((a, b) => (b.mci ?? 0) - (a.mci ?? 0))[0]!;
    return { unit: stable.unit, ball: this.balls.get(stable.unit)!, mci: stable.mci! };
  }
  isStableBall(ball: string, unit: string): boolean {
    return this.balls.get(unit) === ball;
  }
  tpsFeesBalance(address: string): number {
    return this.tpsBalances.get(address) ?? 0;
  }
}

// ---- the world every case starts from ----
// G (genesis, mci 0) funds alice and carol; M1 (mci 1, by carol, reveals her definition) is the last stable
// unit and pays alice again; P2 is an unstable unit beside M1 that pays alice too.

const NOW = 1_800_000_000;
const G = h('genesis');
const M1 = h('m1');
const P2 = h('p2');
const BALL_G = h('ball of genesis');
const BALL_M1 = h('ball of m1');
const CTX: ValidationContext = { version: '4.0dev', alt: '3', nowSec: NOW, minTpsFee: 20, minAcceptableTpsFee: 3, opList: [dave.address], thresholdSize: 10_000 };
const PARAMS = { version: CTX.version, alt: CTX.alt };
const PROPS = {
  parent_units: [M1],
  last_stable_mc_ball: BALL_M1,
  last_stable_mc_ball_unit: M1,
  last_stable_mc_ball_mci: 1,
  timestamp: NOW,
  tps_fee: 20,
};

function world(): MemoryDag {
  return new MemoryDag()
    .add({ unit: G, timestamp: NOW - 1000, mci: 0, ball: BALL_G, outputs: [{ address: alice.address, amount: 1_000_000 }, { address: carol.address, amount: 300_000 }] })
    .add({ unit: M1, timestamp: NOW - 500, mci: 1, ball: BALL_M1, authors: [carol.address], parents: [G], reveals: [carol], outputs: [{ address: alice.address, amount: 200_000 }] })
    .add({ unit: P2, timestamp: NOW - 100, mci: null, authors: [dave.address], parents: [G], outputs: [{ address: alice.address, amount: 70_000 }] });
}

/** alice's first unit: it reveals her definition and pays bob 10,000 from the genesis output. */
function aliceUnit(): Unit {
  const result = composePayment({
    params: PARAMS,
    author: { address: alice.address, privateKey: alice.privateKey, definition: alice.definition },
    inputs: [{ unit: G, message_index: 0, output_index: 0, amount: 1_000_000 }],
    outputs: [{ address: bob.address, amount: 10_000 }],
    changeAddress: alice.address,
    props: PROPS,
  });
  assert.ok(result.ok);
  return result.unit;
}

/** carol's definition is already stable in M1, so her unit carries none. */
function carolUnit(): Unit {
  const result = composePayment({
    params: PARAMS,
    author: { address: carol.address, privateKey: carol.privateKey },
    inputs: [{ unit: G, message_index: 0, output_index: 1, amount: 300_000 }],
    outputs: [{ address: bob.address, amount: 1_000 }],
    changeAddress: carol.address,
    props: PROPS,
  });
  assert.ok(result.ok);
  return result.unit;
}

// ---- breaking a unit in exactly one way ----

function payment(unit: Unit, index = 0): PaymentPayload {
  const payload = unit.messages[index]?.payload as PaymentPayload | undefined;
  assert.ok(payload);
  return payload;
}

function sortOutputs(outputs: Output[]): Output[] {
  return outputs.sort((a, b) => (a.address !== b.address ? (a.address < b.address ? -1 : 1) : a.amount - b.amount));
}

function textMessage(text: unknown, app = 'text'): Message {
  return { app, payload_location: 'inline', payload_hash: h('placeholder'), payload: text };
}

interface Reseal {
  keepCommissions?: boolean;
  keepBalance?: boolean;
  keepPayloadHashes?: boolean;
  keepSignatures?: boolean;
  keepHash?: boolean;
  /** who signs each author slot, by author address (default: the author's own key) */
  signers?: Record<string, KeyPair>;
}

/** In each payment, the first author's output absorbs any change of size, so only the rule under test breaks. */
function rebalance(unit: Unit, dag: MemoryDag): void {
  const fees = (unit.headers_commission ?? 0) + (unit.payload_commission ?? 0) + (unit.oversize_fee ?? 0) + (unit.tps_fee ?? 0) + (unit.burn_fee ?? 0);
  for (const message of unit.messages) {
    const payload = message.app === 'payment' ? (message.payload as Partial<PaymentPayload> | undefined) : undefined;
    if (!Array.isArray(payload?.inputs) || !Array.isArray(payload.outputs)) continue;
    let totalInput = 0;
    for (const input of payload.inputs) {
      const source = 'type' in input ? null : dag.getOutput(input.unit, input.message_index, input.output_index);
      if (!source) return;
      totalInput += source.amount;
    }
    const change = payload.outputs.find((o) => o.address === unit.authors?.[0]?.address);
    if (!change) continue;
    const others = payload.outputs.reduce((sum, o) => (o === change ? sum : sum + o.amount), 0);
    change.amount = totalInput - others - fees;
  }
}

function thrownOr<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

/** What an exception thrown by `f` reads like in an ocore error text. */
function thrown(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return String(e);
  }
  throw new Error('expected an exception');
}

function reseal(unit: Unit, dag: MemoryDag, opts: Reseal = {}): Unit {
  if (!opts.keepCommissions) {
    unit.headers_commission = getHeadersSize(unit);
    unit.payload_commission = getTotalPayloadSize(unit);
    const oversize = getOversizeFee(unit);
    if (oversize) unit.oversize_fee = oversize;
    else delete unit.oversize_fee;
  }
  if (!opts.keepBalance) rebalance(unit, dag);
  if (!opts.keepPayloadHashes)
    for (const m of unit.messages) {
      // a payload that cannot be hashed keeps its old hash
      if (m.payload_location === 'inline' && m.payload !== undefined) m.payload_hash = thrownOr(() => getMessagePayloadHash(m, unit.version), m.payload_hash);
    }
  if (!opts.keepSignatures) {
    const hashToSign = getUnitHashToSign(unit);
    for (const author of unit.authors) {
      const signer = opts.signers?.[author.address] ?? KEYS.find((k) => k.address === author.address);
      if (signer && author.authentifiers?.r !== undefined) author.authentifiers.r = sign(hashToSign, signer.privateKey);
    }
  }
  if (!opts.keepHash) unit.unit = getUnitHash(unit);
  return unit;
}

function validate(joint: unknown, dag: DagView, ctx: Partial<ValidationContext> = {}): JointValidation {
  // the hub receives JSON
  return validateJoint(JSON.parse(JSON.stringify(joint)), dag, { ...CTX, ...ctx });
}

// ---- the table ----

/** How a unit is built, broken and posted: the world, then base → mutate → reseal → joint. */
interface Setup {
  name: string;
  base?: () => Unit;
  dag?: (dag: MemoryDag) => void;
  mutate?: (unit: Unit, dag: MemoryDag) => void;
  /** false: post the unit exactly as mutated */
  reseal?: Reseal | false;
  joint?: (unit: Unit) => unknown;
  ctx?: Partial<ValidationContext>;
}

interface Case extends Setup {
  error: string | ((unit: Unit) => string);
  kind?: RejectionKind;
  transient?: boolean;
}

function run(c: Setup): { result: JointValidation; unit: Unit } {
  const dag = world();
  c.dag?.(dag);
  const unit = (c.base ?? aliceUnit)();
  c.mutate?.(unit, dag);
  if (c.reseal !== false) reseal(unit, dag, c.reseal);
  const joint = c.joint ? c.joint(unit) : { unit };
  return { result: validate(joint, dag, c.ctx), unit };
}

function byAddress(...keys: KeyPair[]): KeyPair[] {
  return [...keys].sort((a, b) => (a.address < b.address ? -1 : 1));
}

/** alice plus `others` as authors, sorted, each signing with its own key. */
function coAuthored(unit: Unit, others: KeyPair[]): void {
  const signed = unit.authors[0]!;
  unit.authors = byAddress(alice, ...others).map((k) => (k === alice ? signed : { address: k.address, authentifiers: { r: '-'.repeat(88) } }));
}

const TOO_LONG = 'x'.repeat(65);

const cases: Case[] = [
  // joint shape, as network.js checks a posted joint
  { name: 'a joint without a unit', joint: () => ({}), error: 'no unit' },
  { name: 'a ball via post_joint', joint: (u) => ({ unit: u, ball: h('ball') }), error: 'no ball via post_joint' },
  { name: 'an unsigned joint', joint: (u) => ({ unit: u, unsigned: true }), error: 'unsigned unit' },
  { name: 'an unknown joint field', joint: (u) => ({ unit: u, skiplist_units: [] }), error: 'unknown fields in unit-joint' },
  { name: 'a unit the DAG already has', dag: (d) => d.add({ unit: h('known'), timestamp: NOW, mci: null }), joint: (u) => ({ unit: { ...u, unit: h('known') } }), error: 'known', kind: 'known' },

  // unit fields, version, alt, hash
  { name: 'an unknown unit field', mutate: (u) => Object.assign(u, { foo: 'bar' }), error: 'unknown fields in unit' },
  { name: 'an old version', mutate: (u) => void (u.version = '3.0dev'), error: 'version is too old', transient: true },
  { name: 'another network version', mutate: (u) => void (u.version = '4.0t'), error: 'wrong version' },
  { name: 'a non-string version', mutate: (u) => Object.assign(u, { version: 4 }), reseal: false, error: 'invalid version' },
  { name: 'a wrong alt', mutate: (u) => void (u.alt = '1'), error: 'wrong alt' },
  { name: 'a unit hash of the wrong length', joint: (u) => ({ unit: { ...u, unit: 'abc' } }), error: 'wrong unit length' },
  { name: 'a unit hash that does not match', joint: (u) => ({ unit: { ...u, unit: h('other') } }), error: (u) => `wrong unit hash: ${u.unit} != ${h('other')}` },
  { name: 'content changed after hashing', mutate: (u) => void (u.timestamp = NOW - 1), reseal: { keepHash: true }, error: (u) => `wrong unit hash: ${getUnitHash(u)} != ${u.unit}` },
  { name: 'a lone surrogate in a string', mutate: (u) => void u.messages.push(textMessage('\ud800')), error: 'unit contains invalid string (lone surrogate or null byte)' },

  // version 4 header rules
  { name: 'per-unit witnesses', mutate: (u) => void (u.witnesses = [bob.address]), error: 'should have no per-unit witnesses since version 4.0' },
  { name: 'a witness list unit', mutate: (u) => void (u.witness_list_unit = G), error: 'should have no witness_list_unit since version 4.0' },
  { name: 'both witness fields', mutate: (u) => Object.assign(u, { witnesses: [bob.address], witness_list_unit: G }), error: 'ambiguous witnesses' },
  { name: 'no tps_fee', mutate: (u) => void delete u.tps_fee, error: 'no tps_fee field' },
  { name: 'a negative tps_fee', mutate: (u) => void (u.tps_fee = -1), error: 'bad tps_fee' },
  { name: 'a fractional tps_fee', mutate: (u) => void (u.tps_fee = 1.5), error: 'bad tps_fee' },
  { name: 'a zero oversize_fee', mutate: (u) => void (u.oversize_fee = 0), reseal: { keepCommissions: true }, error: 'bad oversize_fee' },
  { name: 'an oversize_fee on a small unit', mutate: (u) => void (u.oversize_fee = 10), reseal: { keepCommissions: true }, error: 'zero oversize fee should be omitted' },
  { name: 'a zero burn_fee', mutate: (u) => void (u.burn_fee = 0), error: 'bad burn_fee' },
  { name: 'max_aa_responses without AA outputs', mutate: (u) => void (u.max_aa_responses = 5), error: 'no outputs to AAs, max_aa_responses should not be there' },
  { name: 'max_aa_responses of 0', mutate: (u) => void (u.max_aa_responses = 0), error: 'max_aa_responses=0 not allowed in new units', transient: true },
  { name: 'max_aa_responses above 10', mutate: (u) => void (u.max_aa_responses = 11), error: 'max_aa_responses too large', transient: true },

  // commissions and payload hashes
  { name: 'no headers_commission', joint: (u) => ({ unit: { ...u, headers_commission: undefined } }), error: 'no headers_commission' },
  { name: 'a wrong headers_commission', joint: (u) => ({ unit: { ...u, headers_commission: u.headers_commission! + 1 } }), error: (u) => `wrong headers commission, expected ${u.headers_commission}` },
  { name: 'a wrong payload_commission', joint: (u) => ({ unit: { ...u, payload_commission: u.payload_commission! - 1 } }), error: (u) => `wrong payload commission, unit ${u.unit}, expected ${u.payload_commission}` },
  {
    name: 'a payload that does not match its hash',
    mutate: (u) => void (payment(u).outputs.find((o) => o.address === bob.address)!.amount += 1),
    reseal: { keepPayloadHashes: true, keepBalance: true },
    error: (u) => `wrong payload hash: expected ${getMessagePayloadHash(u.messages[0]!, u.version)}, got ${u.messages[0]!.payload_hash}`,
  },

  // authors
  // ocore's source string refuses empty arrays and objects, so the unit hash fails before the rule that names them
  { name: 'an empty authors array', mutate: (u) => void (u.authors = []), reseal: { keepSignatures: true, keepHash: true }, error: (u) => 'failed to calc unit hash: ' + thrown(() => getUnitHash(u)) },
  { name: 'no authors', mutate: (u) => void delete (u as Partial<Unit>).authors, reseal: { keepSignatures: true, keepHash: true }, error: (u) => 'failed to calc unit hash: ' + thrown(() => getUnitHash(u)) },
  {
    name: 'more than 16 authors',
    mutate: (u) => {
      coAuthored(u, Array.from({ length: 16 }, (_, i) => fixedKey('author ' + i)));
      u.earned_headers_commission_recipients = [{ address: alice.address, earned_headers_commission_share: 100 }];
    },
    error: 'too many authors',
  },
  { name: 'several authors without commission recipients', mutate: (u) => coAuthored(u, [carol]), error: 'must specify earned_headers_commission_recipients when more than 1 author' },
  {
    name: 'commission shares not summing to 100',
    mutate: (u) => {
      coAuthored(u, [carol]);
      u.earned_headers_commission_recipients = [{ address: alice.address, earned_headers_commission_share: 99 }];
    },
    error: 'sum of earned_headers_commission_share is not 100',
  },
  {
    name: 'authors not sorted',
    mutate: (u) => {
      coAuthored(u, [carol]);
      u.authors.reverse();
      u.earned_headers_commission_recipients = [{ address: alice.address, earned_headers_commission_share: 100 }];
    },
    error: 'author addresses not sorted',
  },
  { name: 'an invalid author address', mutate: (u) => void (u.authors[0]!.address = alice.address.toLowerCase()), error: 'invalid author address' },
  { name: 'an unknown author field', mutate: (u) => Object.assign(u.authors[0]!, { foo: 1 }), error: 'unknown fields in author' },
  { name: 'no authentifiers (a single author looks like an AA)', mutate: (u) => void delete u.authors[0]!.authentifiers, error: 'possible AA', transient: true },
  {
    name: 'no authentifiers of one author among two',
    mutate: (u) => {
      coAuthored(u, [carol]);
      u.earned_headers_commission_recipients = [{ address: alice.address, earned_headers_commission_share: 100 }];
      delete u.authors.find((a) => a.address === carol.address)!.authentifiers;
    },
    error: 'no authentifiers',
  },
  { name: 'an empty authentifier', mutate: (u) => void (u.authors[0]!.authentifiers = { r: '' }), reseal: { keepSignatures: true }, error: 'authentifiers must be nonempty strings' },
  { name: 'an authentifier above 4096 characters', mutate: (u) => void (u.authors[0]!.authentifiers = { r: 'a'.repeat(4097) }), reseal: { keepSignatures: true }, error: 'authentifier too long' },

  // definitions
  { name: 'a first unit without the definition', mutate: (u) => void delete u.authors[0]!.definition, error: `definition ${alice.address} bound to address ${alice.address} not found before last ball` },
  { name: 'a definition that is not an array', mutate: (u) => Object.assign(u.authors[0]!, { definition: 'sig' }), error: 'bad type of definition' },
  { name: 'an explicit default algo', mutate: (u) => Object.assign(u.authors[0]!, { definition: ['sig', { algo: 'secp256k1', pubkey: alice.pubkey }] }), error: 'default algo must not be explicitly specified' },
  { name: 'a pubkey of the wrong length', mutate: (u) => Object.assign(u.authors[0]!, { definition: ['sig', { pubkey: 'abc' }] }), error: 'wrong pubkey length' },
  {
    name: "another address's definition",
    mutate: (u) => void (u.authors[0]!.definition = bob.definition),
    reseal: { signers: { [alice.address]: bob } },
    error: `wrong definition: ${bob.address}!==${alice.address}`,
  },
  { name: 'a definition already known', base: carolUnit, mutate: (u) => void (u.authors[0]!.definition = carol.definition), error: `duplicate definition of address ${carol.address}, bNonserial=false` },
  {
    name: 'a definition revealed in a unit not yet stable',
    dag: (d) => d.add({ unit: h('u4'), timestamp: NOW - 50, mci: null, authors: [alice.address], parents: [M1], reveals: [alice] }),
    mutate: (u) => void delete u.authors[0]!.definition,
    error: `definition ${alice.address} bound to address ${alice.address} not found before last ball`,
  },
  {
    name: 'a definition stable only after the last ball',
    dag: (d) => d.add({ unit: h('u4'), timestamp: NOW - 50, mci: 2, ball: h('ball of u4'), authors: [alice.address], parents: [M1], reveals: [alice] }),
    mutate: (u) => void delete u.authors[0]!.definition,
    error: `definition ${alice.address} bound to address ${alice.address} not found before last ball`,
  },
  {
    name: 'the initial definition again, double-spending the unstable unit that revealed it',
    dag: (d) => {
      d.add({ unit: h('u4'), timestamp: NOW - 50, mci: null, authors: [alice.address], parents: [M1], reveals: [alice] });
      d.outputs.get(outputKey(G, 0, 0))!.spentBy = h('u4');
    },
    error: 'The transaction would be non-serial (a double spend)',
    kind: 'double_spend',
  },

  // signatures
  { name: 'a signature by another key', reseal: { signers: { [alice.address]: carol } }, error: 'bad signature at path r' },
  { name: 'a signature of another unit', base: carolUnit, mutate: (u) => void (u.authors[0]!.authentifiers = { r: aliceUnit().authors[0]!.authentifiers!.r! }), reseal: { keepSignatures: true }, error: 'bad signature at path r' },
  {
    name: 'an authentifier the definition does not use',
    mutate: (u) => void (u.authors[0]!.authentifiers!['r.0'] = 'x'),
    error: (u) => `some authentifiers are not used, res=true, used=r, passed=${JSON.stringify(u.authors[0]!.authentifiers)}`,
  },
  { name: 'no authentifier at the signing path', mutate: (u) => void (u.authors[0]!.authentifiers = { s: 'x' }), error: 'some authentifiers are not used, res=false, used=, passed={"s":"x"}' },

  // parents and last ball
  { name: 'no parents', mutate: (u) => void delete u.parent_units, error: 'missing or empty parent units array' },
  { name: 'a parent hash of the wrong length', mutate: (u) => void (u.parent_units = ['abc']), error: 'wrong length of parent unit' },
  { name: 'more than 16 parents', mutate: (u) => void (u.parent_units = Array.from({ length: 17 }, (_, i) => h('parent ' + i)).sort()), error: 'too many parents: 17' },
  { name: 'parents not sorted', mutate: (u) => void (u.parent_units = [M1, P2].sort().reverse()), error: 'parent units not ordered' },
  { name: 'an unknown parent', mutate: (u) => void (u.parent_units = [M1, h('unknown')].sort()), error: 'unknown parents', kind: 'unknown_parents', transient: true },
  { name: 'related parents', mutate: (u) => void (u.parent_units = [G, M1].sort()), error: `parent unit ${[G, M1].sort()[1]} is related to one of the other parent units` },
  {
    name: 'two parents by the same author',
    dag: (d) => d.add({ unit: h('p3'), timestamp: NOW - 100, mci: null, authors: [carol.address], parents: [G] }),
    mutate: (u) => void (u.parent_units = [M1, h('p3')].sort()),
    error: `some addresses found more than once in parents, e.g. ${carol.address}`,
  },
  { name: 'a last ball of the wrong length', mutate: (u) => void (u.last_ball = 'abc'), error: 'wrong length of last ball' },
  { name: 'a last ball unit of the wrong length', mutate: (u) => void (u.last_ball_unit = 'abc'), error: 'wrong length of last ball unit' },
  { name: 'an unknown last ball unit', mutate: (u) => void (u.last_ball_unit = h('nowhere')), error: `last ball unit ${h('nowhere')} not found` },
  { name: 'a last ball that is not the last ball unit\'s ball', mutate: (u) => void (u.last_ball = BALL_G), error: `last_ball ${BALL_G} and last_ball_unit ${M1} do not match` },
  { name: 'a last ball outside the parents', mutate: (u) => void (u.parent_units = [P2]), error: (u) => `last ball unit ${M1} is not included in parents, unit ${u.unit}` },
  {
    name: 'an unstable last ball',
    mutate: (u) => Object.assign(u, { parent_units: [P2], last_ball_unit: P2, last_ball: h('no ball yet') }),
    error: (u) => `${u.unit}: last ball unit ${P2} is not stable in view of your parents ${P2}`,
  },

  // timestamp
  { name: 'a zero timestamp', mutate: (u) => void (u.timestamp = 0), error: 'timestamp required in version 4.0dev' },
  { name: 'a fractional timestamp', mutate: (u) => void (u.timestamp = NOW - 0.5), error: 'timestamp required in version 4.0dev' },
  { name: 'a timestamp over 5 s in the future', mutate: (u) => void (u.timestamp = NOW + 6), error: 'timestamp is too far into the future', transient: true },
  { name: 'a timestamp below a parent', mutate: (u) => void (u.timestamp = NOW - 501), error: `timestamp decreased from parent ${M1}` },

  // messages
  { name: 'more than 128 messages', mutate: (u) => void u.messages.push(...Array.from({ length: 128 }, (_, i) => textMessage('m' + i))), error: 'too many messages' },
  {
    name: 'a message without app',
    mutate: (u) => {
      const { app: _app, ...appless } = textMessage('hi');
      u.messages.push(appless as Message);
    },
    error: 'no app',
  },
  { name: 'an unknown message field', mutate: (u) => void u.messages.push({ ...textMessage('hi'), foo: 1 } as Message), error: 'unknown fields in message' },
  { name: 'an unknown payload location', mutate: (u) => void (u.messages[0]!.payload_location = 'ipfs' as 'uri'), error: 'invalid payload_location: ipfs' },
  { name: 'a payload hash of the wrong length', mutate: (u) => void (u.messages[0]!.payload_hash = 'abc'), reseal: { keepPayloadHashes: true }, error: 'wrong payload hash size' },
  { name: 'a payload in a message without inline payload', mutate: (u) => void u.messages.push({ ...textMessage('hi'), payload_location: 'none' }), error: 'payload must be absent when payload_location is not inline' },
  { name: 'a payload that cannot be hashed', mutate: (u) => void u.messages.push(textMessage({}, 'data_feed')), error: 'failed to calc payload hash: ' + thrown(() => getMessagePayloadHash(textMessage({}, 'data_feed'), CTX.version)) },
  {
    // both balance, so whichever ocore's message sort puts second is the one refused
    name: 'two base payments',
    mutate: (u) =>
      void u.messages.push({
        app: 'payment',
        payload_location: 'inline',
        payload_hash: h('placeholder'),
        payload: { inputs: [{ unit: M1, message_index: 0, output_index: 0 }], outputs: [{ address: alice.address, amount: 1 }] },
      }),
    error: 'can have only one base payment',
  },
  { name: 'no base payment', mutate: (u) => void (u.messages = [textMessage('hi')]), error: 'no output addresses found in payment messages' },
  { name: 'a text payload that is not a string', mutate: (u) => void u.messages.push(textMessage({ a: 1 })), error: 'payload must be string' },
  { name: 'an unknown app', mutate: (u) => void u.messages.push(textMessage('hi', 'foo')), error: 'unknown app: foo' },

  // data feeds
  { name: 'a fractional data feed value', mutate: (u) => void u.messages.push(textMessage({ GBYTE_USD: 25.5 }, 'data_feed')), error: 'fractional numbers not allowed in data feeds' },
  { name: 'a data feed value that is not a string or number', mutate: (u) => void u.messages.push(textMessage({ UP: true }, 'data_feed')), error: 'data feed UP must be string or number' },
  { name: 'a data feed name above 64 characters', mutate: (u) => void u.messages.push(textMessage({ [TOO_LONG]: 1 }, 'data_feed')), error: `feed name ${TOO_LONG} too long` },
  { name: 'a data feed value above 64 characters', mutate: (u) => void u.messages.push(textMessage({ X: TOO_LONG }, 'data_feed')), error: 'data feed value too long: ' + TOO_LONG },
  { name: 'a newline in a data feed value', mutate: (u) => void u.messages.push(textMessage({ X: 'a\nb' }, 'data_feed')), error: 'value a\nb of feed name X contains \\n' },
  { name: 'a data feed that is not an object', mutate: (u) => void u.messages.push(textMessage('GBYTE_USD', 'data_feed')), error: 'data feed payload must be non-empty object' },
  { name: 'two data feeds', mutate: (u) => void u.messages.push(textMessage({ A: 1 }, 'data_feed'), textMessage({ B: 2 }, 'data_feed')), error: 'can be only one data feed' },

  // payment shape (ocore screens these before the commissions)
  { name: 'a zero output amount', mutate: (u) => void (payment(u).outputs[0]!.amount = 0), reseal: { keepBalance: true }, error: 'invalid payment message' },
  { name: 'a fractional output amount', mutate: (u) => void (payment(u).outputs[0]!.amount += 0.5), reseal: { keepBalance: true }, error: 'invalid payment message' },
  { name: 'a lower-case output address', mutate: (u) => void (payment(u).outputs.find((o) => o.address === bob.address)!.address = bob.address.toLowerCase()), error: 'invalid payment message' },
  { name: 'an output address with a bad checksum', mutate: (u) => void (payment(u).outputs.find((o) => o.address === bob.address)!.address = 'A'.repeat(32)), error: 'invalid payment message' },
  { name: 'no inputs', mutate: (u) => void delete (payment(u) as Partial<PaymentPayload>).inputs, error: 'invalid payment message' },
  { name: 'an unknown input type', mutate: (u) => void (payment(u).inputs = [{ type: 'gift' } as unknown as Input]), error: 'invalid payment message' },
  { name: 'more than 128 outputs', mutate: (u) => void payment(u).outputs.push(...Array.from({ length: 128 }, () => ({ address: bob.address, amount: 1 }))), error: 'too many outputs' },
  {
    name: 'more than 128 inputs',
    mutate: (u) => void (payment(u).inputs = Array.from({ length: 129 }, (_, i) => ({ unit: G, message_index: 1, output_index: i }))),
    error: 'too many inputs',
  },
  { name: 'outputs not sorted by address', mutate: (u) => void payment(u).outputs.reverse(), error: 'output addresses not sorted' },
  {
    name: 'outputs to one address not sorted by amount',
    mutate: (u) => {
      const p = payment(u);
      p.outputs = sortOutputs([...p.outputs.filter((o) => o.address !== bob.address), { address: bob.address, amount: 4_000 }, { address: bob.address, amount: 6_000 }]);
      const i = p.outputs.findIndex((o) => o.address === bob.address);
      [p.outputs[i], p.outputs[i + 1]] = [p.outputs[i + 1]!, p.outputs[i]!];
    },
    error: 'output amounts for same address not sorted',
  },
  { name: 'an unknown output field', mutate: (u) => Object.assign(payment(u).outputs[0]!, { memo: 'x' }), error: 'unknown fields in payment output' },
  { name: 'a blinded public output', mutate: (u) => Object.assign(payment(u).outputs[0]!, { blinding: 'x'.repeat(16) }), error: 'public output must not have blinding' },
  { name: 'an asset payment', mutate: (u) => Object.assign(payment(u), { asset: h('asset') }), error: `asset ${h('asset')} not found` },
  { name: 'an unknown payment field', mutate: (u) => Object.assign(payment(u), { memo: 'x' }), error: 'unknown fields in payment message' },

  // inputs
  { name: 'an issue input', mutate: (u) => void (payment(u).inputs = [{ type: 'issue', amount: 1_000_000, serial_number: 1 }]), error: 'only genesis can issue base asset' },
  { name: 'an issue input after a transfer', mutate: (u) => void payment(u).inputs.push({ type: 'issue', amount: 1, serial_number: 1 }), error: 'issue must come first' },
  {
    name: 'a headers commission input',
    mutate: (u) => void payment(u).inputs.push({ type: 'headers_commission', from_main_chain_index: 0, to_main_chain_index: 1 }),
    error: 'zero headers_commission commission',
  },
  { name: 'a witnessing input', mutate: (u) => void payment(u).inputs.push({ type: 'witnessing', from_main_chain_index: 0, to_main_chain_index: 1 }), error: 'zero witnessing commission' },
  { name: 'an unknown input field', mutate: (u) => Object.assign(payment(u).inputs[0]!, { amount: 1 }), error: 'unknown fields in payment input' },
  { name: 'an input from an unknown unit', mutate: (u) => void (payment(u).inputs = [{ unit: h('nowhere'), message_index: 0, output_index: 0 }]), error: `input unit ${h('nowhere')} not found` },
  { name: 'an input from an unknown output', mutate: (u) => void (payment(u).inputs = [{ unit: G, message_index: 0, output_index: 7 }]), error: `output being spent ${G} not found` },
  { name: "an input from someone else's output", mutate: (u) => void (payment(u).inputs = [{ unit: G, message_index: 0, output_index: 1 }]), error: 'output owner is not among authors' },
  { name: 'the same input twice', mutate: (u) => void payment(u).inputs.push({ unit: G, message_index: 0, output_index: 0 }), error: `input base-${G}-0-0 already used` },
  { name: 'an unstable input outside the parents', mutate: (u) => void payment(u).inputs.push({ unit: P2, message_index: 0, output_index: 0 }), error: `input ${P2} is not in your genes` },
  {
    name: 'an output already spent by a unit in the genes',
    dag: (d) => void (d.outputs.get(outputKey(G, 0, 0))!.spentBy = M1),
    error: (u) => `${u.unit}: conflicting divisible input in inner unit ${M1}`,
    kind: 'double_spend',
  },
  { name: 'an output already spent by another unit', dag: (d) => void (d.outputs.get(outputKey(G, 0, 0))!.spentBy = P2), error: 'The transaction would be non-serial (a double spend)', kind: 'double_spend' },

  // totals and balance
  { name: 'an output above MAX_CAP', mutate: (u) => void (payment(u).outputs.find((o) => o.address === bob.address)!.amount = 9e15 + 1), reseal: { keepBalance: true }, error: 'output too large: 9000000000000001' },
  {
    name: 'outputs above MAX_CAP in total',
    mutate: (u) => void (payment(u).outputs = sortOutputs([...payment(u).outputs, { address: bob.address, amount: 5e15 }, { address: bob.address, amount: 5e15 }])),
    reseal: { keepBalance: true },
    error: (u) => {
      let total = 0;
      const over = payment(u).outputs.find((o) => (total += o.amount) > 9e15);
      assert.ok(over);
      return 'total output too large: ' + total;
    },
  },
  {
    name: 'inputs above MAX_CAP in total',
    dag: (d) => d.add({ unit: h('whale'), timestamp: NOW - 1000, mci: 0, ball: h('ball of whale'), outputs: [{ address: alice.address, amount: 5e15 }, { address: alice.address, amount: 5e15 }] }),
    mutate: (u) => void (payment(u).inputs = [0, 1].map((i) => ({ unit: h('whale'), message_index: 0, output_index: i }))),
    reseal: { keepBalance: true },
    error: 'total input too large: 10000000000000000',
  },
  {
    name: 'inputs and outputs that do not balance',
    mutate: (u) => void (payment(u).outputs.find((o) => o.address === bob.address)!.amount += 1),
    reseal: { keepBalance: true },
    error: (u) => `inputs and outputs do not balance: 1000000 !== ${1_000_000 - u.headers_commission! - u.payload_commission! - 20 + 1} + ${u.headers_commission} + ${u.payload_commission} + 0 + 20 + 0 + 0`,
  },

  // tps fee (ocore validateTpsFee): the fee and the balance must cover the local fee, or the unit is refused for good
  { name: 'a tps fee below the local fee, no balance', ctx: { minTpsFee: 21 }, error: `tps_fee 20 + tps fees balance 0 less than required 21 for address ${alice.address} whose share is 1` },
  {
    name: 'a tps fee of 0 with a balance short of the local fee',
    dag: (d) => void d.tpsBalances.set(alice.address, 19),
    mutate: (u) => void (u.tps_fee = 0),
    error: `tps_fee 0 + tps fees balance 19 less than required 20 for address ${alice.address} whose share is 1`,
  },
  {
    name: 'a tps fee below the local fee after a negative balance',
    dag: (d) => void d.tpsBalances.set(alice.address, -5),
    error: `tps_fee 20 + tps fees balance -5 less than required 20 for address ${alice.address} whose share is 1`,
  },
  {
    name: "a co-author's half of the tps fee not covered",
    dag: (d) => void d.tpsBalances.set(carol.address, -11),
    mutate: (u) => {
      coAuthored(u, [carol]);
      u.earned_headers_commission_recipients = byAddress(alice, carol).map((k) => ({ address: k.address, earned_headers_commission_share: 50 }));
      payment(u).inputs.push({ unit: G, message_index: 0, output_index: 1 });
      payment(u).outputs.push({ address: carol.address, amount: 300_000 });
      sortOutputs(payment(u).outputs);
    },
    error: `tps_fee 20 + tps fees balance -11 less than required 20 for address ${carol.address} whose share is 0.5`,
  },
  // and what it pays, balance included, must reach the current fee × 1.5, or it is refused for now
  { name: 'a tps fee below the acceptable current fee', ctx: { minAcceptableTpsFee: 31.5 }, error: `tps fee on address ${alice.address} must be at least 31.5, found 20`, transient: true },
  {
    name: 'a tps fee and balance below the acceptable current fee',
    dag: (d) => void d.tpsBalances.set(alice.address, 25),
    mutate: (u) => void (u.tps_fee = 0),
    ctx: { minAcceptableTpsFee: 30 },
    error: `tps fee on address ${alice.address} must be at least 30, found 25`,
    transient: true,
  },
];

function expectRefusal(c: Case): void {
  const { result, unit } = run(c);
  const error = typeof c.error === 'function' ? c.error(unit) : c.error;
  assert.deepEqual(result, { ok: false, error, kind: c.kind ?? 'invalid', transient: c.transient ?? false });
}

/**
 * Units ocore accepts but the devhub does not model (polls, assets, other definitions): it refuses them with a
 * text of its own, which says so. Every refusal in `cases` above is ocore's, word for word.
 */
const narrowerThanOcore: Case[] = [
  { name: 'a poll (an app this hub does not model)', mutate: (u) => void u.messages.push(textMessage({ question: 'q', choices: ['a'] }, 'poll')), error: 'app poll is not supported by this hub' },
  {
    name: 'a multi-signature definition',
    mutate: (u) => void (u.authors[0]!.definition = ['r of set', { required: 1, set: [alice.definition] }]),
    error: 'definition op r of set is not supported by this hub',
  },
];

describe('validateJoint refuses, with a text of its own, what it does not model', () => {
  for (const c of narrowerThanOcore) {
    test(c.name, () => expectRefusal(c));
  }
});

describe('validateJoint refuses a unit broken in one way, with ocore\'s text', () => {
  for (const c of cases) {
    test(c.name, () => expectRefusal(c));
  }
});

describe('validateJoint accepts', () => {
  test("alice's first payment, revealing her definition", () => {
    const dag = world();
    const unit = aliceUnit();
    const result = validate({ unit }, dag);
    assert.deepEqual(result, {
      ok: true,
      unit,
      spent: [{ unit: G, message_index: 0, output_index: 0 }],
      definitions: [{ address: alice.address, definition: alice.definition }],
      dataFeeds: {},
    });
  });

  test('a payment from an address whose definition is stable', () => {
    const result = validate({ unit: carolUnit() }, world());
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.definitions, []);
  });

  test('a joint carrying the hub annotations main_chain_index and actual_tps_fee, without them', () => {
    const unit = aliceUnit();
    const result = validate({ unit: { ...unit, main_chain_index: 7, actual_tps_fee: 20 } }, world());
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.unit, unit);
  });

  const accepted: Setup[] = [
    { name: 'a timestamp exactly 5 s in the future', mutate: (u) => void (u.timestamp = NOW + 5) },
    {
      name: 'two equal outputs to the same address',
      mutate: (u) => void (payment(u).outputs = sortOutputs([...payment(u).outputs.filter((o) => o.address !== bob.address), { address: bob.address, amount: 5_000 }, { address: bob.address, amount: 5_000 }])),
    },
    { name: 'an unconfirmed output from a parent', mutate: (u) => Object.assign(u, { parent_units: [M1, P2].sort() }) && void payment(u).inputs.push({ unit: P2, message_index: 0, output_index: 0 }) },
    { name: 'a burn fee counted in the balance', mutate: (u) => void (u.burn_fee = 100) },
    { name: 'a tps fee of 0 covered by the tps fees balance', dag: (d) => void d.tpsBalances.set(alice.address, 20), mutate: (u) => void (u.tps_fee = 0) },
    {
      name: 'the initial definition again while the unit that revealed it is unstable, spending another output',
      dag: (d) => d.add({ unit: h('u4'), timestamp: NOW - 50, mci: null, authors: [alice.address], parents: [M1], reveals: [alice] }),
      mutate: (u) => void (payment(u).inputs = [{ unit: M1, message_index: 0, output_index: 0 }]),
    },
    { name: "an order provider's unit paying less than the acceptable current fee", ctx: { minAcceptableTpsFee: 100, opList: [alice.address] } },
    { name: 'a tps fee partly covered by the tps fees balance', dag: (d) => void d.tpsBalances.set(alice.address, 15), mutate: (u) => void (u.tps_fee = 5) },
    { name: 'any tps fee when the last ball is the genesis unit (ocore skips the check there)', mutate: (u) => Object.assign(u, { last_ball: BALL_G, last_ball_unit: G }), ctx: { minTpsFee: 1_000 } },
    {
      name: 'two authors signing, with commission recipients',
      mutate: (u) => {
        coAuthored(u, [carol]);
        u.earned_headers_commission_recipients = [{ address: alice.address, earned_headers_commission_share: 100 }];
        payment(u).inputs.push({ unit: G, message_index: 0, output_index: 1 });
        payment(u).outputs.push({ address: carol.address, amount: 300_000 });
        sortOutputs(payment(u).outputs);
      },
    },
    { name: 'an emoji (a valid surrogate pair) in a text message', mutate: (u) => void u.messages.push(textMessage('thanks \u{1F600}')) },
    { name: 'text, data and profile messages', mutate: (u) => void u.messages.push(textMessage('hi'), textMessage({ a: [1] }, 'data'), textMessage({ name: 'alice' }, 'profile')) },
  ];
  for (const c of accepted) {
    test(c.name, () => {
      const { result } = run(c);
      assert.ok(result.ok, JSON.stringify(result));
    });
  }

  test('a data feed, returned with the unit', () => {
    const { result } = run({
      name: 'oracle',
      base: carolUnit,
      mutate: (u) => void u.messages.push(textMessage({ GBYTE_USD: '25.5', COUNT: 7 }, 'data_feed')),
    });
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.dataFeeds, { GBYTE_USD: '25.5', COUNT: 7 });
  });

  test('a unit that spends an output, and then refuses a second unit spending it', () => {
    const dag = world();
    const first = validate({ unit: aliceUnit() }, dag);
    assert.ok(first.ok);
    dag.add({ unit: first.unit.unit!, timestamp: NOW, mci: null, authors: [alice.address], parents: [M1], reveals: [alice] });
    for (const ref of first.spent) dag.outputs.get(outputKey(ref.unit, ref.message_index, ref.output_index))!.spentBy = first.unit.unit!;
    const second = aliceUnit();
    second.timestamp = NOW + 1;
    reseal(second, dag);
    const result = validate({ unit: second }, dag, { nowSec: NOW + 1 });
    // both carry the initial definition: ocore skips the pending-definition check and finds the double spend
    assert.deepEqual(result, { ok: false, error: 'The transaction would be non-serial (a double spend)', kind: 'double_spend', transient: false });
  });
});

// ---- the synthetic v4 units composed and signed by ocore ----

interface VectorUnit {
  id: string;
  kind: string;
  signing_key?: { definition: unknown; address: string };
  compose_params?: {
    address_already_known_to_network: boolean;
    inputs: Array<{ unit: string; message_index: number; output_index: number }>;
    input_amount: number;
    light_vendor_response: { parent_units: string[]; last_stable_mc_ball: string; last_stable_mc_ball_unit: string; last_stable_mc_ball_mci: number };
  };
  unit: Unit & { unit: string; timestamp: number };
}

const vectors = (JSON.parse(readFileSync(new URL('../fixtures/vectors/units.json', import.meta.url), 'utf8')) as { units: VectorUnit[] }).units.filter(
  (v) => v.kind === 'synthetic',
);

/** A DAG that knows what the vector unit refers to: its parents, its stable last ball and the outputs it spends. */
function dagFor(v: VectorUnit): MemoryDag {
  const params = v.compose_params!;
  const key = v.signing_key!;
  const lv = params.light_vendor_response;
  const dag = new MemoryDag();
  const lbMci = lv.last_stable_mc_ball_mci;
  dag.add({ unit: lv.last_stable_mc_ball_unit, timestamp: v.unit.timestamp - 100, mci: lbMci, ball: lv.last_stable_mc_ball });
  for (const parent of lv.parent_units)
    if (parent !== lv.last_stable_mc_ball_unit) dag.add({ unit: parent, timestamp: v.unit.timestamp - 10, mci: null, parents: [lv.last_stable_mc_ball_unit] });
  // the vector records only the inputs' total; any split of it balances
  params.inputs.forEach((input, i) => {
    const amount = i === 0 ? params.input_amount - (params.inputs.length - 1) : 1;
    dag.add({ unit: input.unit, timestamp: v.unit.timestamp - 200, mci: lbMci - 1 - i, ball: h('ball ' + input.unit) });
    dag.outputs.set(outputKey(input.unit, input.message_index, input.output_index), { address: key.address, amount, spentBy: null, isStable: true });
  });
  if (params.address_already_known_to_network) {
    dag.add({ unit: h('definition of ' + key.address), timestamp: v.unit.timestamp - 300, mci: lbMci - 100, ball: h('ball of definition ' + key.address), authors: [key.address] });
    dag.definitions.set(key.address, { definition: key.definition, unit: h('definition of ' + key.address), isStable: true });
  }
  return dag;
}

describe('the synthetic v4 units of the ocore vectors pass', () => {
  assert.ok(vectors.length >= 6);
  for (const v of vectors) {
    test(v.id, () => {
      const result = validate({ unit: v.unit }, dagFor(v), { version: v.unit.version, alt: v.unit.alt, nowSec: v.unit.timestamp, minTpsFee: 0, minAcceptableTpsFee: 0 });
      assert.ok(result.ok, JSON.stringify(result));
      assert.deepEqual(
        result.spent,
        v.compose_params!.inputs.map(({ unit, message_index, output_index }) => ({ unit, message_index, output_index })),
      );
    });
  }

  test('and fail once a byte of their signature changes', () => {
    const v = vectors[0]!;
    const unit = structuredClone(v.unit);
    const r = unit.authors[0]!.authentifiers!.r!;
    unit.authors[0]!.authentifiers!.r = (r[0] === 'A' ? 'B' : 'A') + r.slice(1);
    // authentifiers are part of the unit's content, so the unit hash follows them
    unit.unit = getUnitHash(unit);
    const result = validate({ unit }, dagFor(v), { version: unit.version, alt: unit.alt, nowSec: unit.timestamp, minTpsFee: 0, minAcceptableTpsFee: 0 });
    assert.deepEqual(result, { ok: false, error: 'bad signature at path r', kind: 'invalid', transient: false });
  });
});
