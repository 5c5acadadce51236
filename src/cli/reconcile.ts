// `cashback reconcile`: the ledger against the network, per network. Exit 0 when clean, 1 on a difference,
// 2 when it cannot check (hub unreachable, store or wallet missing).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import type { Config, NetworkConfig } from '../config.ts';
import type { Db } from '../storage/db.ts';
import { openExistingStore, SetupError } from './common.ts';
import type { NetworkName } from '../storage/schema.ts';
import { HubClient } from '../obyte/hub-client.ts';
import { walletKey } from '../obyte/keys.ts';
import { assertWalletFitsStore, KEY_INDEX, walletMnemonic } from '../wallet.ts';
import { listPartners } from '../services/partners.ts';
import { gb, reconcileNetwork, type NetworkReconciliation, type WalletAddresses } from '../services/reconcile.ts';
import { HubDepositChain } from '../chain/hub-deposit-chain.ts';
import { startDevHub, type DevHub } from '../devhub/index.ts';

/** A failure to check at all (not a difference): exit code 2. */
export class OperationalError extends Error {}

export const EXIT = { clean: 0, difference: 1, operational: 2 } as const;

/** Passes over a network when a difference shows, in case it was a payment caught half-way, and the pause between. */
const ATTEMPTS = 3;
const PAUSE_MS = 1000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** A hub on another network than `network` (by its version and alt) is refused: its chain is not the ledger's. */
async function connect(url: string, timeoutMs: number, network: { version: string; alt: string }): Promise<HubClient> {
  const hub = new HubClient({ url, requestTimeoutMs: timeoutMs, reconnectMaxMs: 1000, network });
  try {
    await withTimeout(hub.connect(), timeoutMs, `connecting to ${url}`);
    return hub;
  } catch (e) {
    await hub.close();
    throw e;
  }
}

interface HubAccess {
  hub: HubClient;
  /** Where the answers come from, for the report. */
  source: string;
  close(): Promise<void>;
}

/**
 * The network's hub. An embedded devnet lives inside the server process: when the server runs, its hub answers
 * and we ask it. When it does not, we read the devhub's store as it is, but never run a second devhub on that
 * file: the store is copied with SQLite's online backup (a read-only, consistent snapshot, safe even if the
 * server starts meanwhile) and a devhub is started on the copy, on a free port, just for this check.
 */
async function hubFor(config: Config, nc: NetworkConfig, fundingAddress: string): Promise<HubAccess> {
  const timeoutMs = config.hubTimeoutMs;
  let firstError: unknown = null;
  // Port 0 means the server picked a free port we cannot know: only its store can tell.
  if (nc.embeddedDevhubPort !== 0) {
    try {
      const hub = await connect(nc.hubUrl, timeoutMs, nc.protocol);
      return { hub, source: nc.hubUrl, close: () => hub.close() };
    } catch (e) {
      if (nc.embeddedDevhubPort === null) throw new OperationalError(`${nc.name}: hub ${nc.hubUrl} unreachable: ${(e as Error).message}`);
      firstError = e;
    }
  }
  const file = join(config.dataDir, `devhub-${nc.name}.sqlite`);
  const why = firstError ? `no hub at ${nc.hubUrl}: ${(firstError as Error).message}` : 'the devhub port is chosen at start';
  if (!existsSync(file)) throw new OperationalError(`${nc.name}: ${why}, and no devhub store at ${file}`);
  const dir = mkdtempSync(join(tmpdir(), 'cashback-reconcile-'));
  let devhub: DevHub | null = null;
  let hub: HubClient | null = null;
  try {
    const copy = join(dir, 'devhub.sqlite');
    const source = new SQLite(file, { readonly: true, fileMustExist: true });
    try {
      await source.backup(copy);
    } finally {
      source.close();
    }
    devhub = await startDevHub({
      host: '127.0.0.1',
      port: 0,
      dbFile: copy,
      params: nc.protocol,
      // as the server starts it; the genesis only matters to a store that was never started
      genesis: [{ address: fundingAddress, amount: 100_000e9 }],
      stabilityDelayMs: nc.devhubStabilityMs,
    });
    hub = await connect(devhub.url, timeoutMs, nc.protocol);
    const started = devhub;
    const client = hub;
    return {
      hub,
      source: `snapshot of ${file}; ${why}`,
      async close() {
        await client.close();
        await started.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await hub?.close();
    await devhub?.close();
    rmSync(dir, { recursive: true, force: true });
    throw new OperationalError(`${nc.name}: ${why}; reading the devhub store failed: ${(e as Error).message}`);
  }
}

export interface ReconcileOutcome {
  ok: boolean;
  networks: Partial<Record<NetworkName, NetworkReconciliation & { hub: string }>>;
}

export async function runReconcile(config: Config, networks: readonly NetworkName[]): Promise<ReconcileOutcome> {
  let db: Db;
  try {
    db = await openExistingStore(config);
  } catch (e) {
    throw new OperationalError(e instanceof SetupError ? e.message : `cannot open the store: ${(e as Error).message}`);
  }
  try {
    let mnemonic: string;
    try {
      mnemonic = walletMnemonic(config, false);
      await assertWalletFitsStore(db, mnemonic);
    } catch (e) {
      throw new OperationalError((e as Error).message);
    }
    const addresses: WalletAddresses = {
      hot: walletKey(mnemonic, KEY_INDEX.hot).address,
      funding: walletKey(mnemonic, KEY_INDEX.funding).address,
      deposits: (await listPartners(db)).map((p) => ({
        partnerId: p.id,
        partner: p.name,
        address: walletKey(mnemonic, KEY_INDEX.depositBase + p.depositIndex).address,
      })),
    };
    const outcome: ReconcileOutcome = { ok: true, networks: {} };
    for (const name of networks) {
      const nc = config.networks[name];
      const access = await hubFor(config, nc, addresses.funding);
      try {
        const result = await reconcileNetwork({
          db,
          network: name,
          chain: new HubDepositChain(access.hub, nc.protocol, () => undefined, addresses.hot),
          addresses,
          attempts: ATTEMPTS,
          pauseMs: PAUSE_MS,
        }).catch((e: unknown) => {
          throw new OperationalError(`${name}: ${(e as Error).message}`);
        });
        outcome.networks[name] = { ...result, hub: access.source };
        outcome.ok &&= result.ok;
      } finally {
        await access.close();
      }
    }
    return outcome;
  } finally {
    await db.close();
  }
}

const amount = (bytes: bigint) => `${bytes} (${gb(bytes)} GB)`;

export function reconcileText(outcome: ReconcileOutcome): string {
  const lines: string[] = [];
  for (const [name, r] of Object.entries(outcome.networks)) {
    lines.push(`${name}: ${r.ok ? 'clean' : `${r.differences.length} DIFFERENCE(S)`}   (hub: ${r.hub})`);
    const accounts = Object.entries(r.ledger.accounts).map(([a, v]) => `${a} ${v}`);
    lines.push(`  ledger: ${accounts.length ? accounts.join(', ') : 'empty'}; sum ${r.ledger.sum}`);
    lines.push(
      `  wallet: network ${amount(r.wallet.chain)}, in flight ${amount(r.wallet.inFlight)}, ledger ${amount(r.wallet.ledger)}, difference ${amount(r.wallet.difference)}`,
    );
    for (const a of r.wallet.addresses) {
      if (a.role !== 'deposit' || a.balance !== 0n) lines.push(`    ${a.role}${a.partner ? ` ${a.partner}` : ''} ${a.address}: ${amount(a.balance)}`);
    }
    lines.push(
      `  textcoins (${r.textcoins.funded} funded): network ${amount(r.textcoins.chain)}, ledger ${amount(r.textcoins.ledger)}, difference ${amount(r.textcoins.difference)}`,
    );
    for (const f of r.inFlight) {
      lines.push(`  in flight: ${[f.kind, f.unit, f.address, amount(f.amount)].filter((x) => x !== null).join(' ')}: ${f.note}`);
    }
    for (const d of r.differences) lines.push(`  DIFFERENCE ${d.kind}: ${d.message}${d.addresses.length ? `; addresses: ${d.addresses.join(', ')}` : ''}`);
    for (const n of r.notes) lines.push(`  note: ${n}`);
  }
  return lines.join('\n');
}
