// The store's record of which network and wallet each of its ledgers belongs to.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { STORE_KINDS, openTestStore, type TestStore } from '../helpers/stores.ts';
import { checkHubIdentity, checkStoreIdentity, type ExpectedIdentity, type IdentityChain } from '../../src/services/network-identity.ts';
import { readNetworkIdentity } from '../../src/storage/network-identity.ts';
import { GENESIS_UNIT } from '../../src/obyte/constants.ts';

const HOT = 'ZLWY3HBTGU5OIJ2MXOLCQ7LX3C752LJI';
const OTHER_HOT = 'KSCCYOEMOMUMJXROLK4HWLTJBWFXICRB';
const livenet: ExpectedIdentity = { network: 'main', kind: 'livenet', alt: '1', genesisUnit: GENESIS_UNIT.livenet, hotAddress: HOT };

const chain = (over: Partial<IdentityChain> = {}): IdentityChain => ({
  knowsUnit: async () => true,
  unitsAuthoredByWallet: async () => [],
  witnesses: async () => ['W2', 'W1'],
  ...over,
});

for (const kind of STORE_KINDS) {
  describe(`network identity on ${kind}`, () => {
    let store: TestStore;
    before(async () => {
      store = await openTestStore(kind);
    });
    after(() => store.dispose());

    test('recorded on the first start, accepted again as it is', async () => {
      assert.equal(await readNetworkIdentity(store.db, 'main'), null);
      const first = await checkStoreIdentity(store.db, livenet);
      assert.ok(first.ok);
      assert.deepEqual(await readNetworkIdentity(store.db, 'main'), livenet);
      assert.ok((await checkStoreIdentity(store.db, livenet)).ok);
      assert.equal(await readNetworkIdentity(store.db, 'test'), null, 'each network on its own');
    });

    test('another wallet, network kind or genesis is refused in one line that says what to do', async () => {
      const wallet = await checkStoreIdentity(store.db, { ...livenet, hotAddress: OTHER_HOT });
      assert.ok(!wallet.ok);
      assert.match(wallet.error, new RegExp(`belongs to the wallet whose hot address is ${HOT}, not ${OTHER_HOT}`));
      assert.match(wallet.error, /DATA_DIR \/ DATABASE_URL/);
      const net = await checkStoreIdentity(store.db, { ...livenet, kind: 'devnet', alt: '3', genesisUnit: null });
      assert.ok(!net.ok);
      assert.match(net.error, /main network is livenet \(alt 1\), but the configuration says devnet \(alt 3\)/);
      const genesis = await checkStoreIdentity(store.db, { ...livenet, genesisUnit: GENESIS_UNIT.testnet });
      assert.ok(!genesis.ok);
      assert.match(genesis.error, /genesis unit/);
      for (const e of [wallet.error, net.error, genesis.error]) assert.doesNotMatch(e, /\n/);
      assert.deepEqual(await readNetworkIdentity(store.db, 'main'), livenet, 'the record is unchanged');
    });

    test('the hub must know the genesis unit, and a new store refuses a wallet with units it did not make', async () => {
      const unknownGenesis = await checkHubIdentity(store.db, livenet, chain({ knowsUnit: async () => false }));
      assert.ok(!unknownGenesis.ok);
      assert.match(unknownGenesis.error, /does not know the livenet genesis unit/);
      const used = await checkHubIdentity(store.db, livenet, chain({ unitsAuthoredByWallet: async () => ['U1', 'U2'] }));
      assert.ok(!used.ok);
      assert.match(used.error, /already has 2 unit\(s\) on the main network \(livenet\) that this store did not make/);
      assert.ok((await checkHubIdentity(store.db, livenet, chain())).ok);
    });

    test('a devnet is told from another by its witnesses, recorded at the first hub check', async () => {
      const devnet: ExpectedIdentity = { network: 'test', kind: 'devnet', alt: '3', genesisUnit: null, hotAddress: HOT };
      assert.ok((await checkStoreIdentity(store.db, devnet)).ok);
      assert.ok((await checkHubIdentity(store.db, devnet, chain())).ok, 'recorded');
      assert.ok((await checkHubIdentity(store.db, devnet, chain({ witnesses: async () => ['W1', 'W2'] }))).ok, 'the same list');
      const other = await checkHubIdentity(store.db, devnet, chain({ witnesses: async () => ['W1', 'W3'] }));
      assert.ok(!other.ok);
      assert.match(other.error, /another devnet than this store's/);
    });

    test('a store that has signed units on the network is not asked about the wallet history', async () => {
      await store.db.kysely
        .insertInto('units')
        .values({ unit: 'U1', network: 'main', kind: 'sweep', joint: '{}', status: 'sent', fee: 0, outputs_total: 0, attempts: 0, last_error: null, created_at: 0, sent_at: null })
        .execute();
      let asked = false;
      const checked = await checkHubIdentity(store.db, livenet, chain({ unitsAuthoredByWallet: async () => ((asked = true), ['U1']) }));
      assert.ok(checked.ok);
      assert.equal(asked, false);
    });
  });
}
