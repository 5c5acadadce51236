import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { getChash160 } from '../../src/obyte/chash.ts';
import { isVersionWithoutTimestamp } from '../../src/obyte/constants.ts';
import { getHeadersSize, getTotalPayloadSize } from '../../src/obyte/length.ts';
import { verify } from '../../src/obyte/signature.ts';
import { getJsonSourceString, getSourceString } from '../../src/obyte/source-string.ts';
import type { Unit } from '../../src/obyte/types.ts';
import {
  getBase64Hash,
  getMessagePayloadHash,
  getNakedUnit,
  getStrippedUnit,
  getUnitContentHash,
  getUnitHash,
  getUnitHashToSign,
  getUnitHashToSignSourceString,
} from '../../src/obyte/unit-hash.ts';

interface UnitVector {
  id: string;
  kind: 'real' | 'synthetic';
  version: string;
  unit: Unit;
  signing_key?: { pubkey: string };
  expected: {
    unit_hash: string;
    content_hash: string;
    stripped_unit: unknown;
    stripped_unit_source_string: string;
    naked_unit_source_string: string;
    hash_to_sign_source_string: string;
    hash_to_sign_b64: string;
    hash_to_sign_hex: string;
    headers_commission: number;
    payload_commission: number;
    messages: Array<{ index: number; payload_hash?: string }>;
    authors: Array<{ address: string; definition_chash?: string; signature_path?: string; signature_verifies: boolean | null }>;
    signature?: { path: string; signature_b64: string; verifies_with_signing_key_pubkey: boolean };
  };
}

const vectors = JSON.parse(readFileSync(new URL('../fixtures/vectors/units.json', import.meta.url), 'utf8')) as {
  units: UnitVector[];
};
const units = vectors.units;

test(`units.json: ${units.length} units (versions ${[...new Set(units.map((u) => u.version))].join(', ')}) reproduce every expected value`, (t) => {
  let checks = 0;
  const expectEqual = (actual: unknown, expected: unknown, what: string): void => {
    assert.deepEqual(actual, expected, what);
    checks++;
  };
  for (const v of units) {
    const { unit, expected: e } = v;
    const legacy = isVersionWithoutTimestamp(unit.version);
    const serialize = legacy ? getSourceString : getJsonSourceString;
    expectEqual(getUnitHash(unit), e.unit_hash, `${v.id} unit hash`);
    expectEqual(unit.unit, e.unit_hash, `${v.id} unit field`);
    expectEqual(getUnitContentHash(unit), e.content_hash, `${v.id} content hash`);
    expectEqual(getStrippedUnit(unit), e.stripped_unit, `${v.id} stripped unit`);
    expectEqual(serialize(getStrippedUnit(unit)), e.stripped_unit_source_string, `${v.id} stripped source string`);
    expectEqual(serialize(getNakedUnit(unit)), e.naked_unit_source_string, `${v.id} naked source string`);
    expectEqual(getUnitHashToSignSourceString(unit), e.hash_to_sign_source_string, `${v.id} hash-to-sign source string`);
    const hashToSign = getUnitHashToSign(unit);
    expectEqual(Buffer.from(hashToSign).toString('base64'), e.hash_to_sign_b64, `${v.id} hash to sign`);
    expectEqual(Buffer.from(hashToSign).toString('hex'), e.hash_to_sign_hex, `${v.id} hash to sign (hex)`);
    expectEqual(getHeadersSize(unit), e.headers_commission, `${v.id} headers commission`);
    expectEqual(getTotalPayloadSize(unit), e.payload_commission, `${v.id} payload commission`);
    for (const m of e.messages) {
      if (m.payload_hash === undefined) continue;
      const message = unit.messages[m.index]!;
      expectEqual(getMessagePayloadHash(message, unit.version), m.payload_hash, `${v.id} payload hash ${m.index}`);
      expectEqual(getBase64Hash(message.payload, !legacy), m.payload_hash, `${v.id} getBase64Hash ${m.index}`);
    }
    e.authors.forEach((a, i) => {
      const author = unit.authors[i]!;
      expectEqual(author.address, a.address, `${v.id} author ${i}`);
      if (a.definition_chash) expectEqual(getChash160(author.definition), a.definition_chash, `${v.id} definition chash ${i}`);
      if (a.signature_verifies !== null) {
        const pubkey = (author.definition![1] as { pubkey: string }).pubkey;
        const signature = author.authentifiers![a.signature_path!]!;
        expectEqual(verify(hashToSign, signature, pubkey), a.signature_verifies, `${v.id} signature ${i}`);
      }
    });
    if (e.signature && v.signing_key) {
      const signature = unit.authors[0]!.authentifiers![e.signature.path]!;
      expectEqual(signature, e.signature.signature_b64, `${v.id} signature value`);
      expectEqual(verify(hashToSign, signature, v.signing_key.pubkey), e.signature.verifies_with_signing_key_pubkey, `${v.id} signature`);
    }
  }
  assert.equal(units.length, 19);
  assert.ok(checks > 250, `only ${checks} checks`);
  t.diagnostic(`${checks} checks`);
});

test('hashing leaves the unit untouched', () => {
  const unit = units[0]!.unit;
  const before = JSON.stringify(unit);
  getUnitHash(unit);
  getUnitHashToSign(unit);
  getNakedUnit(unit);
  assert.equal(JSON.stringify(unit), before);
});

test('the unit hash changes with any hashed field and ignores the excluded ones', () => {
  const unit = units.find((u) => u.id === 's_v4_1_recipient')!.unit;
  const hash = getUnitHash(unit);
  assert.equal(getUnitHash({ ...unit, main_chain_index: 5, actual_tps_fee: 7, headers_commission: 1, oversize_fee: 3 }), hash);
  assert.notEqual(getUnitHash({ ...unit, tps_fee: unit.tps_fee! + 1 }), hash);
  assert.notEqual(getUnitHash({ ...unit, timestamp: unit.timestamp! + 1 }), hash);
  const hashToSign = Buffer.from(getUnitHashToSign(unit)).toString('base64');
  const resigned = { ...unit, authors: [{ ...unit.authors[0]!, authentifiers: { r: 'x'.repeat(88) } }] };
  assert.equal(Buffer.from(getUnitHashToSign(resigned)).toString('base64'), hashToSign, 'signatures are not signed');
  assert.notEqual(getUnitHash(resigned), hash, 'but the unit hash covers them through the content hash');
});

test('a temp_data payload hash leaves out the data', () => {
  const payload = { data_length: 10, data_hash: 'h'.repeat(44), data: { a: 1 } };
  const hash = getMessagePayloadHash({ app: 'temp_data', payload }, '4.0');
  assert.equal(hash, getBase64Hash({ data_length: 10, data_hash: 'h'.repeat(44) }));
  assert.notEqual(getMessagePayloadHash({ app: 'data', payload }, '4.0'), hash);
});
