// ocore validateMessages / validateMessage / validateInlinePayload for the apps this hub accepts:
// payment, data_feed (the hub's oracle), text, data and profile.
import { HASH_LENGTH } from '../../obyte/constants.ts';
import { isValidBase64 } from '../../obyte/checks.ts';
import { getBase64Hash } from '../../obyte/unit-hash.ts';
import type { DataFeedValue, DagView, OutputRef, RejectedJoint } from '../dag-view.ts';
import type { CheckedUnit } from './envelope.ts';
import { invalid } from './outcome.ts';
import { checkPayment, type PaymentState } from './payment.ts';
import { has, hasFieldsExcept, isInteger, isNonemptyObject, isObject, isStringOfLength, type Obj } from './predicates.ts';

const MESSAGE_FIELDS = ['app', 'payload_hash', 'payload_location', 'payload', 'payload_uri', 'payload_uri_hash', 'spend_proofs'];
const INLINE_ONLY_APPS = [
  'address_definition_change', 'data_feed', 'definition_template', 'asset', 'asset_attestors', 'attestation', 'poll',
  'vote', 'definition', 'system_vote', 'system_vote_count', 'temp_data',
];
/** Apps ocore knows whose rules (assets, polls, AAs, governance, ...) this hub does not model. */
const UNSUPPORTED_APPS = INLINE_ONLY_APPS.filter((app) => app !== 'data_feed');
const MAX_PAYLOAD_URI_LENGTH = 500;
const MAX_DATA_FEEDS_PER_MESSAGE = 1024;
const MAX_DATA_FEED_NAME_LENGTH = 64;
const MAX_DATA_FEED_VALUE_LENGTH = 64;

export interface MessagesOutcome {
  spent: OutputRef[];
  dataFeeds: Record<string, DataFeedValue>;
  conflictingUnit: string | null;
}

interface MessagesState extends PaymentState {
  dataFeeds: Record<string, DataFeedValue> | null;
  hasProfile: boolean;
}

export function checkMessages(u: CheckedUnit, dag: DagView, lastBallMci: number): MessagesOutcome | RejectedJoint {
  const s: MessagesState = {
    u, dag, lastBallMci, hasBasePayment: false, inputKeys: new Set(), spent: [], conflictingUnit: null, dataFeeds: null, hasProfile: false,
  };
  // payments first, base payments before asset payments, as ocore orders them
  const ordered = [...u.messages].sort(paymentsFirst);
  for (const message of ordered) {
    const error = checkMessage(message, s);
    if (error) return error;
  }
  if (!s.hasBasePayment) return invalid('no base payment message');
  return { spent: s.spent, dataFeeds: s.dataFeeds ?? {}, conflictingUnit: s.conflictingUnit };
}

function paymentsFirst(a: Obj, b: Obj): number {
  if (a.app === 'payment' && b.app !== 'payment') return -1;
  if (a.app !== 'payment' && b.app === 'payment') return 1;
  if (a.app === 'payment' && b.app === 'payment') {
    if (!a.payload) return 1;
    if (!b.payload) return -1;
    if (!assetOf(a)) return -1;
    if (!assetOf(b)) return 1;
  }
  return 0;
}

function assetOf(message: Obj): unknown {
  return isObject(message.payload) ? message.payload.asset : undefined;
}

function checkMessage(m: Obj, s: MessagesState): RejectedJoint | null {
  const { app, payload_location: location } = m;
  if (typeof app !== 'string') return invalid('no app');
  if (hasFieldsExcept(m, MESSAGE_FIELDS)) return invalid('unknown fields in message');
  if (has(m, 'spend_proofs')) {
    if (app !== 'payment') return invalid('spend proofs in non-payment message');
    if (location !== 'none') return invalid('spend proofs in message with payload');
    // spend proofs belong to private asset payments, and this hub defines no assets
    return invalid('private payments are not supported by this hub');
  }
  const locationError = payloadLocationError(m);
  if (locationError) return invalid(locationError);
  if (app === 'payment') {
    if (location !== 'inline' && location !== 'none') return invalid('payment location must be inline or none');
    if (location === 'none') return invalid('private payment must come with spend proof(s)');
  }
  if (INLINE_ONLY_APPS.includes(app) && location !== 'inline') return invalid(app + ' must be inline');
  if (location !== 'inline') return isValidBase64(m.payload_hash, HASH_LENGTH) ? null : invalid('wrong payload hash');
  return checkInlinePayload(app, m.payload, s);
}

function payloadLocationError(m: Obj): string | null {
  if (m.payload_location === 'none' && (has(m, 'payload') || has(m, 'payload_uri') || has(m, 'payload_uri_hash'))) return 'must be no payload';
  if (m.payload_location !== 'uri') {
    if (has(m, 'payload_uri_hash')) return 'must not contain payload_uri_hash';
    if (has(m, 'payload_uri')) return 'must not contain payload_uri';
    return null;
  }
  const uri = m.payload_uri;
  if (has(m, 'payload')) return 'must not contain payload';
  if (typeof uri !== 'string') return 'no payload uri';
  if (uri !== uri.trim()) return 'payload uri must be trimmed';
  if (!isStringOfLength(m.payload_uri_hash, HASH_LENGTH)) return 'wrong length of payload uri hash';
  if (uri.length > MAX_PAYLOAD_URI_LENGTH) return 'payload_uri too long';
  if (uri.includes('\0')) return 'payload_uri contains null byte';
  // ocore hashes the uri with the legacy source string
  if (getBase64Hash(uri, false) !== m.payload_uri_hash) return 'wrong payload_uri hash';
  return null;
}

function checkInlinePayload(app: string, payload: unknown, s: MessagesState): RejectedJoint | null {
  switch (app) {
    case 'payment':
      return checkPayment(payload, s);
    case 'data_feed':
      return checkDataFeed(payload, s);
    case 'text':
      return typeof payload === 'string' ? null : invalid('payload must be string');
    case 'profile':
      if (s.u.authors.length !== 1) return invalid('profile must be single-authored');
      if (s.hasProfile) return invalid('can be only one profile');
      s.hasProfile = true;
      return typeof payload === 'object' && payload !== null ? null : invalid('profile payload must be object');
    case 'data':
      return typeof payload === 'object' && payload !== null ? null : invalid('data payload must be object');
    default:
      return invalid(UNSUPPORTED_APPS.includes(app) ? `app ${app} is not supported by this hub` : 'unknown app: ' + app);
  }
}

function checkDataFeed(payload: unknown, s: MessagesState): RejectedJoint | null {
  if (s.dataFeeds) return invalid('can be only one data feed');
  if (!isNonemptyObject(payload)) return invalid('data feed payload must be non-empty object');
  const feeds: Record<string, DataFeedValue> = {};
  s.dataFeeds = feeds;
  if (Object.keys(payload).length * s.u.authors.length > MAX_DATA_FEEDS_PER_MESSAGE) return invalid('too many data feeds in message');
  for (const [name, value] of Object.entries(payload)) {
    if (name.length > MAX_DATA_FEED_NAME_LENGTH) return invalid(`feed name ${name} too long`);
    if (name.includes('\n')) return invalid(`feed name ${name} contains \\n`);
    if (typeof value === 'string') {
      if (value.length > MAX_DATA_FEED_VALUE_LENGTH) return invalid('data feed value too long: ' + value);
      if (value.includes('\n')) return invalid(`value ${value} of feed name ${name} contains \\n`);
    } else if (typeof value === 'number') {
      if (!isInteger(value)) return invalid('fractional numbers not allowed in data feeds');
    } else return invalid(`data feed ${name} must be string or number`);
    feeds[name] = value;
  }
  return null;
}
