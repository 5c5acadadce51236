import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Migrator } from 'kysely';
import { openDb, type StoreLocation } from '../../src/storage/db.ts';
import { migrations } from '../../src/storage/migrations/index.ts';
import { openTestStore, queueTestPayout, STORE_KINDS, TEST_PG_URL } from '../helpers/stores.ts';
import { clearLegacyWalletKeysMark, hasLegacyWalletKeysMark } from '../../src/storage/wallet-keys.ts';

async function withPg(sqlText: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    await client.query(sqlText);
  } finally {
    await client.end();
  }
}

for (const kind of STORE_KINDS) {
  test(`a ${kind} store with purchases from before 0003 is brought up to date, its rows kept`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cashback-test-'));
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const location: StoreLocation =
      kind === 'sqlite' ? { kind: 'sqlite', file: join(dir, 'cashback.sqlite') } : { kind: 'postgres', url: TEST_PG_URL, schema, poolSize: 2 };
    if (kind === 'postgres') await withPg(`create schema ${schema}`);
    try {
      // the store as the release before 0003 left it, with a payout queued in it
      const old = await openDb(location, { primary: false });
      const migrator = new Migrator({
        db: old.kysely,
        provider: { getMigrations: async () => migrations },
        ...(kind === 'postgres' ? { migrationTableSchema: schema } : {}),
      });
      assert.equal((await migrator.migrateTo('0002_hot_path_indexes')).error, undefined);
      await queueTestPayout(old, 'old', 'KSCCYOEMOMUMJXROLK4HWLTJBWFXICRB', 30_000n);
      await old.close();

      const db = await openDb(location);
      try {
        const row = await db.kysely.selectFrom('purchases').select(['id', 'caps_counted', 'cashback_amount']).executeTakeFirstOrThrow();
        assert.deepEqual(row, { id: 'pur_old', caps_counted: 0n, cashback_amount: 30_000n });
        const payout = await db.kysely.selectFrom('payouts').select(['id', 'status', 'unit']).executeTakeFirstOrThrow();
        assert.deepEqual(payout, { id: 'pay_old', status: 'queued', unit: null });
        // the partial payouts_unit index still finds a payout once it has a unit
        await db.kysely.updateTable('payouts').set({ unit: 'U1', status: 'sent' }).where('id', '=', 'pay_old').execute();
        assert.equal((await db.kysely.selectFrom('payouts').select('id').where('unit', '=', 'U1').executeTakeFirst())?.id, 'pay_old');
        const applied = await db.kysely.selectFrom('kysely_migration' as never).select('name' as never).orderBy('name' as never).execute();
        assert.deepEqual(applied.map((r) => (r as { name: string }).name), Object.keys(migrations));
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      if (kind === 'postgres') await withPg(`drop schema if exists ${schema} cascade`);
    }
  });
}

for (const kind of STORE_KINDS) {
  test(`0004 on ${kind}: a used store's textcoins and wallet are marked as derived by BIP32, a fresh store is not`, async () => {
    const old = await openTestStore(kind, '0003_fewer_index_writes');
    const fresh = await openTestStore(kind);
    const empty = await openTestStore(kind, '0003_fewer_index_writes');
    try {
      await queueTestPayout(old.db, 'tc', 'KSCCYOEMOMUMJXROLK4HWLTJBWFXICRB', 30_000n);
      // a textcoin row as the release before 0004 wrote it (no key_derivation column yet)
      const row = { payout_id: 'pay_tc', network: 'main', email: 'a@b.c', address: 'TCADDRESS', mnemonic_enc: 'x', status: 'funded', emailed_at: null, created_at: 1, closed_at: null, closing_unit: null };
      await old.db.kysely.insertInto('textcoins').values(row as never).execute();
      for (const s of [old, empty]) {
        await s.db.close();
        s.db = await openDb(s.location);
      }
      const coin = await old.db.kysely.selectFrom('textcoins').select(['address', 'key_derivation']).executeTakeFirstOrThrow();
      assert.deepEqual(coin, { address: 'TCADDRESS', key_derivation: 'bip32' });
      assert.equal(await hasLegacyWalletKeysMark(old.db), true, 'a store that holds anything was used with BIP32 wallet keys');
      assert.equal(await hasLegacyWalletKeysMark(empty.db), false, 'an old store that holds nothing has no old addresses');
      assert.equal(await hasLegacyWalletKeysMark(fresh.db), false, 'a new store only ever knows the Obyte-exact keys');
      await clearLegacyWalletKeysMark(old.db);
      assert.equal(await hasLegacyWalletKeysMark(old.db), false);
    } finally {
      await Promise.all([old.dispose(), fresh.dispose(), empty.dispose()]);
    }
  });
}
