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
import { queueTestPayout, STORE_KINDS, TEST_PG_URL } from '../helpers/stores.ts';

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
