// The devhub's own keys, kept in its database so a restarted hub is the same hub (same witnesses, same faucet).
import { randomBytes } from 'node:crypto';
import { addressFromPubkey, definitionFromPubkey } from '../obyte/address.ts';
import type { KeyPair } from '../obyte/keys.ts';
import { publicKeyOf } from '../obyte/signature.ts';
import type { DagStore } from './store.ts';

const COUNT_WITNESSES = 12;
const KEYS_META = 'private_keys';

export interface HubIdentity {
  /** authors the genesis unit */
  hub: KeyPair;
  /** posts data feeds */
  oracle: KeyPair;
  /** pays out `faucet()` requests */
  faucet: KeyPair;
  /** the 12 addresses `get_witnesses` answers (hub, oracle, faucet and nine more), sorted */
  witnesses: string[];
}

export function keyPairOf(privateKey: Uint8Array): KeyPair {
  const pubkey = publicKeyOf(privateKey);
  return { privateKey, pubkey, definition: definitionFromPubkey(pubkey), address: addressFromPubkey(pubkey) };
}

/** Reads the hub's keys from the database, creating them on first start. */
export function loadIdentity(store: DagStore): HubIdentity {
  let hex = store.getMeta(KEYS_META);
  if (!hex) {
    hex = JSON.stringify(Array.from({ length: COUNT_WITNESSES }, () => randomBytes(32).toString('hex')));
    store.setMeta(KEYS_META, hex);
  }
  const keys = (JSON.parse(hex) as string[]).map((k) => keyPairOf(Uint8Array.from(Buffer.from(k, 'hex'))));
  const [hub, oracle, faucet] = keys as [KeyPair, KeyPair, KeyPair];
  return { hub, oracle, faucet, witnesses: keys.map((k) => k.address).sort() };
}
