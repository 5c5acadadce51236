import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Migrator } from 'kysely';
import { migrations } from '../../src/storage/migrations/index.ts';
import { openDb, type Db, type StoreLocation } from '../../src/storage/db.ts';
import { addPartner } from '../../src/services/partners.ts';
import { post } from '../../src/storage/ledger.ts';

/** The PostgreSQL server the suite uses (CI starts it); each test gets a schema of its own in it. */
export const TEST_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

export const STORE_KINDS = ['sqlite', 'postgres'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export interface TestStore {
  db: Db;
  location: StoreLocation;
  dispose(): Promise<void>;
}

async function dropPgSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.end();
}

/**
 * A store of its own for one test. With `migratedTo` (a name in src/storage/migrations/index.ts), the store as the
 * release of that migration left it: opening it again with openDb brings it up to date, as an upgrade does.
 */
export async function openTestStore(kind: StoreKind, migratedTo?: string): Promise<TestStore> {
  let dir: string | null = null;
  let location: StoreLocation;
  if (kind === 'sqlite') {
    dir = mkdtempSync(join(tmpdir(), 'cashback-test-'));
    location = { kind: 'sqlite', file: join(dir, 'cashback.sqlite') };
  } else {
    location = { kind: 'postgres', url: TEST_PG_URL, schema: `t_${randomBytes(6).toString('hex')}`, poolSize: 5 };
  }
  const db = migratedTo === undefined ? await openDb(location) : await openDbMigratedTo(location, migratedTo);
  return {
    db,
    location,
    dispose: async () => {
      await db.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
      if (location.kind === 'postgres') await dropPgSchema(location.schema!);
    },
  };
}

export async function openDbMigratedTo(location: StoreLocation, last: string): Promise<Db> {
  if (location.kind === 'postgres') {
    const client = new pg.Client({ connectionString: TEST_PG_URL });
    await client.connect();
    await client.query(`create schema ${location.schema}`);
    await client.end();
  }
  const db = await openDb(location, { primary: false });
  const migrator = new Migrator({
    db: db.kysely,
    provider: { getMigrations: async () => migrations },
    ...(location.kind === 'postgres' ? { migrationTableSchema: location.schema } : {}),
  });
  const { error } = await migrator.migrateTo(last);
  if (error) throw error;
  return db;
}

/**
 * A purchase taken and its payout queued, as the purchase use case leaves them: the pool topped up with 100 times
 * the amount, the amount reserved, purchase `pur_<id>` and payout `pay_<id>` of a new partner `shop-<id>`.
 */
export async function queueTestPayout(db: Db, id: string, address: string, amount: bigint): Promise<void> {
  const added = await addPartner(db, `shop-${id}`);
  if (!added.ok) throw new Error(added.error);
  const now = Date.now();
  await db.kysely.transaction().execute(async (tx) => {
    await post(tx, 'main', [{ from: 'external', to: 'pool', amount: 100n * amount, kind: 'topup' }], now);
    await post(tx, 'main', [{ from: 'pool', to: 'reserved', amount, kind: 'reserve', ref: `pay_${id}` }], now);
    await tx
      .insertInto('purchases')
      .values({
        id: `pur_${id}`, network: 'main', partner_id: added.value.partner.id, order_id: id, active_order_id: id, fingerprint: 'f',
        customer: 'c', merchant: null, description: null, recipient_kind: 'address', recipient: address, currency: 'USD',
        currency_amount: '1', partner_pct: '0', purchase_unit: null, active_purchase_unit: null, purchase_unit_verified: 0,
        rates: '{}', usd_value: '1', purchase_bytes: '1', program_share: amount, program_usd: '0.1', partner_share: 0n,
        cashback_amount: amount, status: 'accepted', unit: null, created_at: now, paid_at: null,
      })
      .execute();
    await tx
      .insertInto('payouts')
      .values({
        id: `pay_${id}`, network: 'main', purchase_id: `pur_${id}`, kind: 'address', address, amount, cashback: amount,
        status: 'queued', unit: null, attempts: 0, last_error: null, created_at: now, updated_at: now,
      })
      .execute();
  });
}
