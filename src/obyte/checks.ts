import { HASH_LENGTH } from './constants.ts';

// ocore validation_utils.isValidEmail, rebuilt from its parts: a dot-atom or quoted local part,
// and an IPv4 literal or a dotted hostname ending in 2+ letters. No `m` flag: `$` must not match before "\n".
const LOCAL_ATOM = String.raw`[^<>()[\]\\.,;:\s@"]+`;
const LOCAL_PART = `(?:${LOCAL_ATOM}(?:\\.${LOCAL_ATOM})*|".+")`;
const IP_LITERAL = String.raw`\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\]`;
const HOSTNAME = String.raw`(?:[a-zA-Z\-0-9]+\.)+[a-zA-Z]{2,}`;
const EMAIL_PATTERN = new RegExp(`^${LOCAL_PART}@(?:${IP_LITERAL}|${HOSTNAME})$`);

export function isValidEmail(v: unknown): boolean {
  return typeof v === 'string' && EMAIL_PATTERN.test(v);
}

/** Canonical base64 only: decoding then re-encoding must give the same text. A length of 0 means any length. */
export function isValidBase64(v: unknown, length?: number): boolean {
  if (typeof v !== 'string') return false;
  if (length && v.length !== length) return false;
  return Buffer.from(v, 'base64').toString('base64') === v;
}

/** A unit, ball or asset id: canonical base64 of 32 bytes. */
export function isValidUnitHash(v: unknown): boolean {
  return isValidBase64(v, HASH_LENGTH);
}
