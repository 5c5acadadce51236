import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDb, type Db, type StoreLocation } from '../../src/storage/db.ts';

/** The PostgreSQL server the suite uses (CI starts it); each test gets a schema of its own in it. */
export const TEST_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

export const STORE_KINDS = ['sqlite', 'postgres'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export interface TestStore {
  db: Db;
  location: StoreLocation;
  dispose(): Promise<void>;
}

export async function openTestStore(kind: StoreKind): Promise<TestStore> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'cashback-test-'));
    const location: StoreLocation = { kind: 'sqlite', file: join(dir, 'cashback.sqlite') };
    const db = await openDb(location);
    return {
      db,
      location,
      dispose: async () => {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const location: StoreLocation = { kind: 'postgres', url: TEST_PG_URL, schema, poolSize: 5 };
  const db = await openDb(location);
  return {
    db,
    location,
    dispose: async () => {
      await db.close();
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
}
