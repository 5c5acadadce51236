import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { addPartner, AUTH_MEMORY_MS, rememberingAuthenticator, rotateKey, setEnabled } from '../../src/services/partners.ts';
import { openTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.ts';

for (const kind of STORE_KINDS) {
  describe(`remembered authentication on ${kind}`, () => {
    let store: TestStore;
    before(async () => {
      store = await openTestStore(kind);
    });
    after(async () => {
      await store.dispose();
    });

    test('a success is trusted for AUTH_MEMORY_MS, then the store is asked again', async () => {
      const added = await addPartner(store.db, 'remembered-shop');
      assert.ok(added.ok);
      let t = 1_000_000;
      const auth = rememberingAuthenticator(store.db, () => t);
      assert.equal((await auth('remembered-shop', added.value.key))?.name, 'remembered-shop');
      await setEnabled(store.db, 'remembered-shop', false);
      t += AUTH_MEMORY_MS - 1;
      assert.equal((await auth('remembered-shop', added.value.key))?.name, 'remembered-shop', 'still remembered');
      assert.equal(await auth('another-name', added.value.key), null, 'the name must still match');
      t += 1;
      assert.equal(await auth('remembered-shop', added.value.key), null, 'disabled, once the memory ran out');
      await setEnabled(store.db, 'remembered-shop', true);
      assert.equal((await auth('remembered-shop', added.value.key))?.name, 'remembered-shop', 'a failure is not remembered');
    });

    test('a new key works at once; the old one stops when its memory runs out', async () => {
      const added = await addPartner(store.db, 'rotating-shop');
      assert.ok(added.ok);
      let t = 5_000_000;
      const auth = rememberingAuthenticator(store.db, () => t);
      assert.ok(await auth('rotating-shop', added.value.key));
      const rotated = await rotateKey(store.db, 'rotating-shop');
      assert.ok(rotated.ok);
      assert.equal((await auth('rotating-shop', rotated.value.key))?.name, 'rotating-shop');
      t += AUTH_MEMORY_MS;
      assert.equal(await auth('rotating-shop', added.value.key), null);
      assert.equal(await auth('rotating-shop', 'not-a-key'), null);
    });
  });
}
