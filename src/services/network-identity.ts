// Which network and wallet a store's ledger belongs to: recorded on the first start, checked on every start, and
// checked against the hub once it answers. A ledger run against other money (another network, another wallet, or a
// wallet another store has been spending from) would credit deposits twice and pay from coins it does not track.
import { err, ok, type Result } from '../domain/result.ts';
import type { Db } from '../storage/db.ts';
import {
  hasOwnUnits,
  readNetworkIdentity,
  recordDevnetWitnesses,
  recordNetworkIdentity,
  type NetworkIdentity,
} from '../storage/network-identity.ts';

export type { NetworkIdentity };

/** What the running configuration says about one network. */
export type ExpectedIdentity = NetworkIdentity;

/** What the identity checks need from the network's hub. */
export interface IdentityChain {
  /** Whether the hub knows this unit (the network's genesis). */
  knowsUnit(unit: string): Promise<boolean>;
  /** Units the wallet's own addresses (hot, funding) authored, as far as the hub tells. */
  unitsAuthoredByWallet(): Promise<string[]>;
  /** The hub's witness list. */
  witnesses(): Promise<string[]>;
}

const WHAT_TO_DO = 'set DATA_DIR / DATABASE_URL to the store of this network and wallet, or use a new store';

/**
 * Records the identity on the store's first start on the network, else compares it with the recorded one. The
 * error is one line for the operator, naming what differs and what to do.
 */
export async function checkStoreIdentity(db: Db, expected: ExpectedIdentity): Promise<Result<NetworkIdentity, string>> {
  const stored = (await readNetworkIdentity(db, expected.network)) ?? (await recordNetworkIdentity(db, expected));
  const prefix = `the store's ${expected.network} network`;
  if (stored.kind !== expected.kind || stored.alt !== expected.alt) {
    return err(`${prefix} is ${stored.kind} (alt ${stored.alt}), but the configuration says ${expected.kind} (alt ${expected.alt}): ${WHAT_TO_DO}`);
  }
  if (stored.genesisUnit !== null && expected.genesisUnit !== null && stored.genesisUnit !== expected.genesisUnit) {
    return err(`${prefix} has genesis unit ${stored.genesisUnit}, not ${expected.genesisUnit}: ${WHAT_TO_DO}`);
  }
  if (stored.hotAddress !== expected.hotAddress) {
    return err(
      `${prefix} belongs to the wallet whose hot address is ${stored.hotAddress}, not ${expected.hotAddress} ` +
        `(WALLET_MNEMONIC / WALLET_FILE): use that wallet, or ${WHAT_TO_DO}`,
    );
  }
  return ok(stored);
}

/**
 * Checks the hub against the store once it answers: it must know the network's genesis unit (where that is known),
 * and on a store that has never signed a unit there, the wallet must not have authored any unit on the network:
 * such units were made by another store, whose deposits and payouts this one would count a second time.
 */
export async function checkHubIdentity(db: Db, expected: ExpectedIdentity, chain: IdentityChain): Promise<Result<void, string>> {
  const name = `${expected.network} network (${expected.kind})`;
  if (expected.genesisUnit !== null && !(await chain.knowsUnit(expected.genesisUnit))) {
    return err(`the hub of the ${name} does not know the ${expected.kind} genesis unit ${expected.genesisUnit}: it is on another network`);
  }
  if (expected.kind === 'devnet') {
    // a devnet's genesis is its own; its witnesses tell it apart (a devhub whose DAG was removed has new ones)
    const witnesses = [...(await chain.witnesses())].sort();
    const recorded = await recordDevnetWitnesses(db, expected.network, witnesses);
    if (recorded !== null && recorded.join(',') !== witnesses.join(',')) {
      return err(`the hub of the ${name} is another devnet than this store's (its witnesses differ from those recorded): ${WHAT_TO_DO}`);
    }
  }
  if (!(await hasOwnUnits(db, expected.network))) {
    const foreign = await chain.unitsAuthoredByWallet();
    if (foreign.length > 0) {
      return err(
        `the wallet (hot address ${expected.hotAddress}) already has ${foreign.length} unit(s) on the ${name} that this store did not make ` +
          `(e.g. ${foreign[0]}): another store has used this wallet; ${WHAT_TO_DO} (restore that store's backup), or use a new wallet`,
      );
    }
  }
  return ok(undefined);
}
