import { getChash160, isChashValid } from './chash.ts';
import type { Definition } from './types.ts';

const ADDRESS_PATTERN = /^[A-Z2-7]{32}$/;

/** What outputs must carry since the timestamp upgrade: upper-case base32, 32 characters, valid checksum. */
export function isValidAddress(v: unknown): boolean {
  return typeof v === 'string' && ADDRESS_PATTERN.test(v) && isChashValid(v);
}

/** The pre-upgrade rule: any letter case, 32 characters, valid checksum. */
export function isValidAddressAnyCase(v: unknown): boolean {
  return typeof v === 'string' && v.length === 32 && isChashValid(v);
}

export function definitionFromPubkey(pubkeyB64: string): Definition {
  return ['sig', { pubkey: pubkeyB64 }];
}

export function addressFromPubkey(pubkeyB64: string): string {
  return getChash160(definitionFromPubkey(pubkeyB64));
}

export function addressOfDefinition(definition: Definition): string {
  return getChash160(definition);
}
