import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config.ts';
import { startRuntime, type Runtime, type RuntimeOptions } from '../../src/runtime.ts';
import { addPartner } from '../../src/services/partners.ts';
import { addReceivingAddress } from '../../src/services/partner-settings.ts';
import { openTestStore, type StoreKind, type TestStore } from './stores.ts';

export interface TestApp {
  runtime: Runtime;
  config: Config;
  store: TestStore;
  /** A funded partner: its pool and deposit are credited on both networks; it is paid at `receivingAddress` on both. */
  partner: { name: string; key: string; id: string; depositIndex: number; receivingAddress: string };
  /** POST a purchase through the real HTTP stack. */
  post(path: string, body: string | Record<string, unknown>, headers?: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; json: Record<string, unknown> }>;
  /** Makes every devhub unit stable and credits deposits on both networks. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** The test partner's receiving address (GBYTE purchase units pay it) on both networks. */
export const MERCHANT_ADDRESS = 'DJMMI5JYA5BWQYSXDPRZJVLW3UGL3GJS';

/**
 * The whole server on a real store (SQLite file or a PostgreSQL schema) with two in-process devhubs on free ports,
 * served through Fastify's inject. The pool is funded from the devnet genesis; a partner's deposit from the faucet.
 */
export async function startTestApp(
  kind: StoreKind,
  env: Record<string, string> = {},
  opts: Pick<RuntimeOptions, 'log' | 'logStream'> & { dataDir?: string } = {},
): Promise<TestApp> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'cashback-app-'));
  const store = await openTestStore(kind);
  await store.db.close();
  const base = loadConfig({
    DATA_DIR: dataDir,
    MAIN_DEVHUB_PORT: '0',
    TEST_DEVHUB_PORT: '0',
    DEVHUB_STABILITY_MS: '200',
    LOG_LEVEL: 'silent',
    PAYOUT_WAIT_MS: '5000',
    ...env,
  });
  const config: Config = { ...base, store: store.location };
  const runtime = await startRuntime(config, { listen: false, log: opts.log, logStream: opts.logStream });
  const added = await addPartner(runtime.db, 'shop-one');
  if (!added.ok) throw new Error(added.error);
  const depositAddress = runtime.depositKey(added.value.partner.depositIndex).address;
  for (const n of Object.values(runtime.networks)) await n.devhub!.faucet(depositAddress, 50_000e9);
  for (const network of ['main', 'test'] as const) {
    const registered = await addReceivingAddress(runtime.db, added.value.partner, network, MERCHANT_ADDRESS, () => false);
    if (!registered.ok) throw new Error(registered.error);
  }

  const settle = async () => {
    for (const n of Object.values(runtime.networks)) await n.devhub!.stabilize();
    for (const name of ['main', 'test'] as const) await runtime.scanDeposits(name);
  };
  await settle();
  // the sweeps reveal the funding and deposit definitions; let them become stable
  await settle();

  return {
    runtime,
    config,
    store,
    partner: {
      name: 'shop-one',
      key: added.value.key,
      id: added.value.partner.id,
      depositIndex: added.value.partner.depositIndex,
      receivingAddress: MERCHANT_ADDRESS,
    },
    async post(path, body, headers = {}) {
      const isForm = typeof body === 'string';
      const res = await runtime.http!.inject({
        method: 'POST',
        url: path,
        payload: isForm ? body : JSON.stringify(body),
        headers: { 'content-type': isForm ? 'application/x-www-form-urlencoded' : 'application/json', ...headers },
      });
      return { status: res.statusCode, headers: res.headers, json: JSON.parse(res.body) as Record<string, unknown> };
    },
    settle,
    async close() {
      await runtime.close();
      await store.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** URL-encodes fields the way a browser form or PHP's http_build_query does. */
export function form(fields: Record<string, string | number>): string {
  return new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)])).toString();
}
