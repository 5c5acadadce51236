// Unit hashing as ocore object_hash.js does it. Version 1.0 units use the legacy source string throughout.
import { createHash } from 'node:crypto';
import { isVersionWithoutTimestamp } from './constants.ts';
import { getJsonSourceString, getSourceString } from './source-string.ts';
import type { Message, Unit } from './types.ts';

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export function getBase64Hash(value: unknown, useJsonSourceString = true): string {
  return sha256(useJsonSourceString ? getJsonSourceString(value) : getSourceString(value)).toString('base64');
}

/** The payload that payload_hash covers: a temp_data message's data is left out (it is purged later). */
export function getPayloadForHash(message: Pick<Message, 'app' | 'payload'>): unknown {
  if (message.app !== 'temp_data') return message.payload;
  const { data: _data, ...rest } = message.payload as Record<string, unknown>;
  return rest;
}

export function getMessagePayloadHash(message: Pick<Message, 'app' | 'payload'>, version: string): string {
  return getBase64Hash(getPayloadForHash(message), !isVersionWithoutTimestamp(version));
}

/** The unit without its hash, fee fields, hub annotations and message payloads (a deep copy). */
export function getNakedUnit(unit: Unit): Unit {
  const naked = structuredClone(unit);
  delete naked.unit;
  delete naked.headers_commission;
  delete naked.payload_commission;
  delete naked.oversize_fee;
  delete naked.actual_tps_fee;
  delete naked.main_chain_index;
  if (isVersionWithoutTimestamp(unit.version)) delete naked.timestamp;
  for (const message of naked.messages ?? []) {
    delete message.payload;
    delete message.payload_uri;
  }
  return naked;
}

export function getUnitContentHash(unit: Unit): string {
  return getBase64Hash(getNakedUnit(unit), !isVersionWithoutTimestamp(unit.version));
}

export type StrippedUnit = { content_hash: string; authors: Array<{ address: string }> } & Pick<
  Unit,
  'version' | 'alt' | 'witness_list_unit' | 'witnesses' | 'parent_units' | 'last_ball' | 'last_ball_unit' | 'timestamp'
>;

/** What the unit hash covers: the content hash plus the header fields that place the unit in the DAG. */
export function getStrippedUnit(unit: Unit): StrippedUnit {
  const stripped: StrippedUnit = {
    content_hash: getUnitContentHash(unit),
    version: unit.version,
    alt: unit.alt,
    authors: unit.authors.map((author) => ({ address: author.address })),
  };
  if (unit.witness_list_unit) stripped.witness_list_unit = unit.witness_list_unit;
  else if (unit.witnesses) stripped.witnesses = unit.witnesses;
  if (unit.parent_units) {
    stripped.parent_units = unit.parent_units;
    stripped.last_ball = unit.last_ball;
    stripped.last_ball_unit = unit.last_ball_unit;
  }
  if (!isVersionWithoutTimestamp(unit.version)) stripped.timestamp = unit.timestamp;
  return stripped;
}

export function getUnitHash(unit: Unit): string {
  const useJson = !isVersionWithoutTimestamp(unit.version);
  // a unit carrying content_hash is already stripped (its messages were voided)
  if (unit.content_hash) return getBase64Hash(getNakedUnit(unit), useJson);
  return getBase64Hash(getStrippedUnit(unit), useJson);
}

export function getUnitHashToSignSourceString(unit: Unit): string {
  const naked = getNakedUnit(unit);
  for (const author of naked.authors) delete author.authentifiers;
  const legacy = unit.version === undefined || isVersionWithoutTimestamp(unit.version);
  return legacy ? getSourceString(naked) : getJsonSourceString(naked);
}

/** The 32 bytes every author signs: sha256 of the naked unit without authentifiers. */
export function getUnitHashToSign(unit: Unit): Uint8Array {
  return new Uint8Array(sha256(getUnitHashToSignSourceString(unit)));
}
