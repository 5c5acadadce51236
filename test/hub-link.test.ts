// The server's view of a network's hub against real devhubs: the first verdict, what may pay, what /health shows.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { STORE_KINDS, openTestStore, type TestStore } from './helpers/stores.ts';
import { startDevHub, type DevHub } from '../src/devhub/index.ts';
import { GENESIS_UNIT, NETWORK_PARAMS } from '../src/obyte/constants.ts';
import { generateMnemonic, walletKey } from '../src/obyte/keys.ts';
import { composeWithHub } from '../src/obyte/light-wallet.ts';
import { loadConfig, type NetworkConfig } from '../src/config.ts';
import { startHubLink, type HubLink } from '../src/hub-link.ts';

const networkConfig = (env: Record<string, string>): NetworkConfig => loadConfig({ DATA_DIR: '/tmp/cashback-link-test', ...env }, '/').networks.main;

for (const kind of STORE_KINDS) {
  describe(`hub link on ${kind}`, () => {
    let store: TestStore;
    const hubs: DevHub[] = [];
    const links: HubLink[] = [];
    before(async () => {
      store = await openTestStore(kind);
    });
    after(async () => {
      for (const l of links) await l.hub.close();
      for (const h of hubs) await h.close();
      await store.dispose();
    });
    const link = (hub: DevHub, nc: NetworkConfig, hotAddress: string, logged: string[] = []) => {
      const l = startHubLink({
        config: nc,
        url: hub.url,
        db: store.db,
        expected: { network: 'main', kind: nc.kind, alt: nc.protocol.alt, genesisUnit: nc.kind === 'devnet' ? null : GENESIS_UNIT[nc.kind], hotAddress },
        walletAddresses: [hotAddress],
        requestTimeoutMs: 2000,
        log: (_level, message) => logged.push(message),
      });
      links.push(l);
      return l;
    };

    test('a hub with the right alt but not the livenet genesis is refused', async () => {
      const hub = await startDevHub({ port: 0, params: NETWORK_PARAMS.livenet });
      hubs.push(hub);
      const logged: string[] = [];
      const l = link(hub, networkConfig({ MAIN_HUB_URL: hub.url }), walletKey(generateMnemonic(), 0).address, logged);
      const verdict = await l.first;
      assert.equal(verdict.kind, 'refused');
      assert.match(l.problem()!, /does not know the livenet genesis unit/);
      assert.equal(l.status().hub, 'refused');
      assert.ok(logged.some((m) => /main network stops paying/.test(m)), logged.join('\n'));
    });

    test('on a new store, a wallet that already authored units on the network is refused; an unused one is taken', async () => {
      const hub = await startDevHub({ port: 0, params: NETWORK_PARAMS.devnet, stabilityDelayMs: 0 });
      hubs.push(hub);
      const nc = networkConfig({ MAIN_HUB_URL: hub.url, MAIN_NETWORK: 'devnet' });
      const used = walletKey(generateMnemonic(), 0);
      await hub.faucet(used.address, 1_000_000);
      hub.stabilize();
      const client = link(hub, nc, used.address).hub;
      await client.connect();
      const paid = await composeWithHub(client, { params: NETWORK_PARAMS.devnet, key: used, outputs: [{ address: hub.faucetAddress, amount: 10_000 }] });
      assert.ok(paid.ok, JSON.stringify(paid));
      await client.postJoint({ unit: paid.unit });

      const refused = link(hub, nc, used.address);
      assert.equal((await refused.first).kind, 'refused');
      assert.match(refused.problem()!, /already has 1 unit\(s\) on the main network \(devnet\) that this store did not make/);

      const fresh = link(hub, nc, walletKey(generateMnemonic(), 0).address);
      assert.deepEqual(await fresh.first, { kind: 'ready' });
      assert.equal(fresh.problem(), null);
      assert.deepEqual(fresh.status(), { network: 'devnet', hub: 'connected', hub_url: hub.url });
    });

    test('a hub that cannot be reached: unreachable at first, problem named, ready once it is up', async () => {
      const hub = await startDevHub({ port: 0, params: NETWORK_PARAMS.devnet });
      const port = hub.port;
      await hub.close();
      const url = `ws://127.0.0.1:${port}`;
      const nc = networkConfig({ MAIN_HUB_URL: url, MAIN_NETWORK: 'devnet' });
      const hot = walletKey(generateMnemonic(), 0).address;
      const l = startHubLink({
        config: nc,
        url,
        db: store.db,
        expected: { network: 'main', kind: 'devnet', alt: '3', genesisUnit: null, hotAddress: hot },
        walletAddresses: [hot],
        requestTimeoutMs: 2000,
        log: () => undefined,
      });
      links.push(l);
      assert.equal((await l.first).kind, 'unreachable');
      assert.match(l.problem()!, new RegExp(`hub ${url} not reached yet`));
      assert.equal(l.status().hub, 'disconnected');
      const again = await startDevHub({ port, params: NETWORK_PARAMS.devnet });
      hubs.push(again);
      await new Promise<void>((resolve) => l.hub.once('connected', () => resolve()));
      for (let i = 0; i < 100 && l.problem() !== null; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(l.problem(), null);
    });
  });
}
