import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteAdapter, SqliteDialect, type Dialect } from 'kysely';
import type { Database } from './schema.ts';
import { migrations } from './migrations/index.ts';

export type StoreLocation =
  | { kind: 'sqlite'; file: string }
  | { kind: 'postgres'; url: string; schema?: string; poolSize?: number };

export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: 'sqlite' | 'postgres';
  close(): Promise<void>;
}

// int8 comes back from pg as a string by default; every integer column of ours is money, a count or a
// timestamp, so read them as bigint on both dialects.
pg.types.setTypeParser(20, (v: string) => BigInt(v));

/** SQLite can roll back DDL; Kysely 0.28 just does not assume it. Say so, so a failed migration leaves nothing. */
class TransactionalSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

function sqliteDialect(file: string): Dialect {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  database.defaultSafeIntegers(true);
  const base = new SqliteDialect({ database });
  return {
    createAdapter: () => new TransactionalSqliteAdapter(),
    createDriver: () => base.createDriver(),
    createIntrospector: (db) => base.createIntrospector(db),
    createQueryCompiler: () => base.createQueryCompiler(),
  };
}

function postgresDialect(url: string, schema: string | undefined, poolSize: number): Dialect {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  return new PostgresDialect({ pool });
}

/** Opens the store and brings its schema up to date. */
export async function openDb(location: StoreLocation): Promise<Db> {
  if (location.kind === 'postgres' && location.schema) {
    // The schema must exist before a pool whose search_path names it can create tables in it.
    const client = new pg.Client({ connectionString: location.url });
    await client.connect();
    try {
      await client.query(`create schema if not exists "${location.schema.replace(/"/g, '')}"`);
    } finally {
      await client.end();
    }
  }
  const dialect =
    location.kind === 'sqlite'
      ? sqliteDialect(location.file)
      : postgresDialect(location.url, location.schema, location.poolSize ?? 10);
  const kysely = new Kysely<Database>({ dialect });
  const migrator = new Migrator({
    db: kysely,
    provider: { getMigrations: async () => migrations },
    // Kysely looks for its own tables in every schema unless told which one; ours live in the store's schema.
    ...(location.kind === 'postgres' ? { migrationTableSchema: location.schema ?? 'public' } : {}),
  });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    await kysely.destroy();
    throw error instanceof Error ? error : new Error(String(error));
  }
  return { kysely, dialect: location.kind, close: () => kysely.destroy() };
}
