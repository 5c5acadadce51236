// The checks ocore's validation.validate() makes before it touches the database: unit hash, field set,
// fee fields, payload hashes, commissions, version, alt, timestamp and the shape of the header links.
import { HASH_LENGTH, MAX_MESSAGES_PER_UNIT } from '../../obyte/constants.ts';
import { getHeadersSize, getTotalPayloadSize } from '../../obyte/length.ts';
import type { Unit } from '../../obyte/types.ts';
import { getMessagePayloadHash, getUnitHash } from '../../obyte/unit-hash.ts';
import type { RejectedJoint, ValidationContext } from '../dag-view.ts';
import { exceptionText, invalid, transientError } from './outcome.ts';
import {
  has,
  hasFieldsExcept,
  isAddress,
  isNonemptyArray,
  isNonemptyObject,
  isNonnegativeInteger,
  isObject,
  isPositiveInteger,
  isStringOfLength,
  isWellFormedDeep,
  type Obj,
} from './predicates.ts';

const SERIAL_UNIT_FIELDS = [
  'unit', 'version', 'alt', 'timestamp', 'authors', 'messages', 'witness_list_unit', 'witnesses',
  'earned_headers_commission_recipients', 'last_ball', 'last_ball_unit', 'parent_units', 'headers_commission',
  'payload_commission', 'oversize_fee', 'tps_fee', 'burn_fee', 'max_aa_responses',
];
const NONSERIAL_UNIT_FIELDS = [
  'unit', 'version', 'alt', 'timestamp', 'authors', 'witness_list_unit', 'witnesses', 'content_hash', 'parent_units',
  'last_ball', 'last_ball_unit',
];
const PAYLOAD_LOCATIONS = ['inline', 'none', 'uri'];
const BASE_INPUT_TYPES = ['issue', 'headers_commission', 'witnessing'];
const MAX_RESPONSES_PER_PRIMARY_TRIGGER = 10;
const MAX_UNIT_LENGTH = 5e6;
const MAX_SECONDS_INTO_THE_FUTURE = 5;

/** What the envelope checks establish about the posted unit; later checks rely on it. */
export interface CheckedUnit {
  /** the posted unit, hub annotations removed */
  readonly raw: Obj;
  readonly asUnit: Unit;
  readonly unit: string;
  readonly timestamp: number;
  readonly parentUnits: string[];
  readonly lastBall: string;
  readonly lastBallUnit: string;
  readonly authors: Obj[];
  readonly authorAddresses: string[];
  readonly messages: Obj[];
}

export function checkEnvelope(joint: Obj, raw: Obj, ctx: ValidationContext): CheckedUnit | RejectedJoint {
  // still unchecked JSON: ocore reports a unit it cannot hash or measure as an error, and so do we
  const asUnit = raw as unknown as Unit;
  if (!isStringOfLength(raw.unit, HASH_LENGTH)) return invalid('wrong unit length');
  let hash: string;
  try {
    hash = getUnitHash(asUnit);
  } catch (e) {
    return invalid('failed to calc unit hash: ' + exceptionText(e));
  }
  if (hash !== raw.unit) return invalid(`wrong unit hash: ${hash} != ${raw.unit}`);

  const authors = raw.authors;
  if (Array.isArray(authors) && authors.length === 1 && !isNonemptyObject(fieldOf(authors[0], 'authentifiers')) && !has(raw, 'content_hash'))
    return transientError('possible AA');
  if (!isWellFormedDeep(joint)) return invalid('unit contains invalid string (lone surrogate or null byte)');
  if (hasFieldsExcept(joint, ['unit'])) return invalid('unknown fields in unit-joint');

  if (has(raw, 'content_hash')) {
    if (!isStringOfLength(raw.content_hash, HASH_LENGTH)) return invalid('wrong content_hash length');
    if (hasFieldsExcept(raw, NONSERIAL_UNIT_FIELDS)) return invalid('unknown fields in nonserial unit');
    return invalid('content_hash allowed only in finished ball');
  }
  if (hasFieldsExcept(raw, SERIAL_UNIT_FIELDS)) return invalid('unknown fields in unit');
  const { headers_commission: headersCommission, payload_commission: payloadCommission } = raw;
  if (typeof headersCommission !== 'number') return invalid('no headers_commission');
  if (typeof payloadCommission !== 'number') return invalid('no payload_commission');
  const optionalFees = checkOptionalFeeFields(raw);
  if (optionalFees) return optionalFees;
  const messages = checkMessages(raw);
  if (!Array.isArray(messages)) return messages;
  const commissions = checkCommissions(asUnit, raw.unit, headersCommission, payloadCommission);
  if (commissions) return commissions;

  if (!isNonemptyArray(authors)) return invalid('missing or empty authors array');
  if (raw.version !== ctx.version) return invalid('wrong version');
  if (raw.alt !== ctx.alt) return invalid('wrong alt');
  if (!isPositiveInteger(raw.timestamp)) return invalid('timestamp required in version ' + ctx.version);
  if (raw.timestamp > ctx.nowSec + MAX_SECONDS_INTO_THE_FUTURE) return transientError('timestamp is too far into the future');

  const { parent_units: parentUnits, last_ball: lastBall, last_ball_unit: lastBallUnit } = raw;
  if (!isNonemptyArray(parentUnits)) return invalid('missing or empty parent units array');
  if (!parentUnits.every((p) => isStringOfLength(p, HASH_LENGTH))) return invalid('wrong length of parent unit');
  if (!isStringOfLength(lastBall, HASH_LENGTH)) return invalid('wrong length of last ball');
  if (!isStringOfLength(lastBallUnit, HASH_LENGTH)) return invalid('wrong length of last ball unit');
  if (has(raw, 'witness_list_unit') && has(raw, 'witnesses')) return invalid('ambiguous witnesses');

  const authorAddresses = authors.map((author) => fieldOf(author, 'address'));
  if (!authorAddresses.every(isAddress)) return invalid('invalid author address');
  return {
    raw,
    asUnit,
    unit: raw.unit,
    timestamp: raw.timestamp,
    parentUnits: parentUnits as string[],
    lastBall,
    lastBallUnit,
    // an author with a valid address is an object
    authors: authors as Obj[],
    authorAddresses,
    messages,
  };
}

function fieldOf(value: unknown, key: string): unknown {
  return isObject(value) ? value[key] : undefined;
}

function checkOptionalFeeFields(raw: Obj): RejectedJoint | null {
  if (has(raw, 'oversize_fee') && !isPositiveInteger(raw.oversize_fee)) return invalid('bad oversize_fee');
  if (has(raw, 'tps_fee') && !isNonnegativeInteger(raw.tps_fee)) return invalid('bad tps_fee');
  if (has(raw, 'burn_fee') && !isPositiveInteger(raw.burn_fee)) return invalid('bad burn_fee');
  if (has(raw, 'max_aa_responses')) {
    if (!isNonnegativeInteger(raw.max_aa_responses)) return invalid('bad max_aa_responses');
    if (raw.max_aa_responses > MAX_RESPONSES_PER_PRIMARY_TRIGGER) return transientError('max_aa_responses too large');
    if (raw.max_aa_responses === 0) return transientError('max_aa_responses=0 not allowed in new units');
  }
  return null;
}

/** The message list, each payload checked against its payload_hash before anything reads it. */
function checkMessages(raw: Obj): Obj[] | RejectedJoint {
  const messages = raw.messages;
  if (!isNonemptyArray(messages)) return invalid('missing or empty messages array');
  if (messages.length > MAX_MESSAGES_PER_UNIT) return invalid('too many messages');
  if (!messages.every(isNonemptyObject)) return invalid('all messages must be non-empty objects');
  for (const m of messages) {
    if (typeof m.payload_location !== 'string') return invalid('bad payload_location');
    if (!PAYLOAD_LOCATIONS.includes(m.payload_location)) return invalid('invalid payload_location: ' + m.payload_location);
    if (!isStringOfLength(m.payload_hash, HASH_LENGTH)) return invalid('wrong payload hash size');
    if (m.payload_location !== 'inline') {
      if (has(m, 'payload')) return invalid('payload must be absent when payload_location is not inline');
      continue;
    }
    if (!has(m, 'payload') || m.payload === null) return invalid('missing payload');
    let expected: string;
    try {
      expected = getMessagePayloadHash({ app: typeof m.app === 'string' ? m.app : '', payload: m.payload }, String(raw.version));
    } catch (e) {
      return invalid('failed to calc payload hash: ' + exceptionText(e));
    }
    if (expected !== m.payload_hash) return invalid(`wrong payload hash: expected ${expected}, got ${m.payload_hash}`);
  }
  if (!messages.every(isWellShapedIfPayment)) return invalid('invalid payment message');
  return messages;
}

// ocore's early screen of payment payloads: later checks may then read outputs and inputs freely.
function isWellShapedIfPayment(m: Obj): boolean {
  if (m.app !== 'payment' || !m.payload) return true;
  const p = m.payload;
  if (!isObject(p)) return false;
  return (
    isNonemptyArray(p.outputs) &&
    (!has(p, 'asset') || isStringOfLength(p.asset, HASH_LENGTH)) &&
    p.outputs.every((o) => isNonemptyObject(o) && isAddress(o.address) && isPositiveInteger(o.amount)) &&
    isNonemptyArray(p.inputs) &&
    p.inputs.every((i) => isNonemptyObject(i) && (!has(i, 'type') || (typeof i.type === 'string' && BASE_INPUT_TYPES.includes(i.type))))
  );
}

function checkCommissions(unit: Unit, unitHash: string, headersCommission: number, payloadCommission: number): RejectedJoint | null {
  const headersSize = getHeadersSize(unit);
  if (headersSize !== headersCommission) return invalid('wrong headers commission, expected ' + headersSize);
  let payloadSize: number;
  try {
    payloadSize = getTotalPayloadSize(unit);
  } catch (e) {
    return invalid('failed to calculate payload commission: ' + exceptionText(e));
  }
  if (payloadSize !== payloadCommission) return invalid(`wrong payload commission, unit ${unitHash}, expected ${payloadSize}`);
  if (headersCommission + payloadCommission > MAX_UNIT_LENGTH) return invalid('unit too large');
  return null;
}
