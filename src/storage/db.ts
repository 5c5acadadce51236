import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
  CompiledQuery,
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
  type Transaction,
} from 'kysely';
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

/**
 * Kysely's own SQLite driver prepares every statement anew and wakes every waiter of its connection mutex on each
 * release; under load (hundreds of requests queued on the one connection) both cost more than the queries. This
 * one keeps prepared statements by SQL text and hands the connection over in arrival order, one waiter at a time.
 */
/** How long a statement waits for another connection's write lock before it fails with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

class SqliteConnection implements DatabaseConnection {
  private readonly statements = new Map<string, SQLite.Statement>();

  constructor(private readonly db: SQLite.Database) {}

  private prepare(sqlText: string): SQLite.Statement {
    let stmt = this.statements.get(sqlText);
    if (!stmt) {
      // `in (?, ?, …)` lists make new texts; a bounded cache keeps memory flat.
      if (this.statements.size >= 1000) this.statements.clear();
      stmt = this.db.prepare(sqlText);
      this.statements.set(sqlText, stmt);
    }
    return stmt;
  }

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const stmt = this.prepare(compiled.sql);
    const parameters = compiled.parameters as unknown[];
    if (stmt.reader) return Promise.resolve({ rows: stmt.all(parameters) as R[] });
    const { changes, lastInsertRowid } = stmt.run(parameters);
    return Promise.resolve({ numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] });
  }

  /**
   * Immediate: the write lock is taken at begin. A deferred transaction that read first and wrote later would fail at
   * once if another connection (the payout sender's thread) wrote in between. While another connection holds the lock
   * this waits without blocking the thread: SQLite's own busy handler sleeps the whole event loop, in steps that grow
   * to tens of milliseconds, while the other's transactions last a millisecond or two.
   */
  async beginImmediate(): Promise<void> {
    const deadline = Date.now() + BUSY_TIMEOUT_MS;
    for (;;) {
      this.db.pragma('busy_timeout = 0');
      try {
        this.db.exec('begin immediate');
        return;
      } catch (e) {
        if ((e as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw e;
      } finally {
        this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    // A statement being iterated is busy, so a stream gets one of its own.
    const stmt = this.db.prepare(compiled.sql);
    if (!stmt.reader) throw new Error('SQLite streams only queries that return rows');
    for (const row of stmt.iterate(compiled.parameters as unknown[])) yield { rows: [row as R] };
  }
}

class SqliteDriver implements Driver {
  private readonly connection: SqliteConnection;
  private busy = false;
  private readonly queue: Array<() => void> = [];

  constructor(
    private readonly db: SQLite.Database,
    private readonly stopCheckpointer: (() => Promise<void>) | null,
  ) {
    this.connection = new SqliteConnection(db);
  }

  async init(): Promise<void> {}

  acquireConnection(): Promise<DatabaseConnection> {
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve(this.connection);
    }
    return new Promise((resolve) => this.queue.push(() => resolve(this.connection)));
  }

  async releaseConnection(): Promise<void> {
    const next = this.queue.shift();
    if (next) next();
    else this.busy = false;
  }

  async beginTransaction(): Promise<void> {
    await this.connection.beginImmediate();
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint "${name}"`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to "${name}"`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release "${name}"`));
  }

  async destroy(): Promise<void> {
    // The checkpointer's connection goes first, so closing this last one checkpoints and removes the WAL.
    await this.stopCheckpointer?.();
    this.db.close();
  }
}

/**
 * Runs the WAL checkpoints on a connection of its own in a worker thread. A checkpoint copies the WAL back into the
 * database file and syncs both; done by the writing connection (SQLite's automatic checkpoint every 1000 pages) it
 * stalls that commit, and so the whole event loop, for milliseconds many times a second under load. PASSIVE
 * checkpoints never block the writer. Durability is the same as with automatic checkpoints: with
 * synchronous=NORMAL the WAL is synced at each checkpoint, here every CHECKPOINT_MS.
 */
const CHECKPOINT_MS = 100;
const CHECKPOINTER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
db.pragma('synchronous = NORMAL');
const timer = setInterval(() => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} }, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
  db.close();
  parentPort.close();
});
`;

function startCheckpointer(file: string, database: SQLite.Database): () => Promise<void> {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(CHECKPOINTER, { eval: true, workerData: { file, driver, intervalMs: CHECKPOINT_MS, busyTimeoutMs: BUSY_TIMEOUT_MS } });
  worker.unref();
  let closing = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  // Should the worker die, the writing connection checkpoints again itself, so the WAL never grows without end.
  worker.once('exit', () => {
    if (!closing && database.open) database.pragma('wal_autocheckpoint = 1000');
  });
  worker.on('error', () => undefined);
  return async () => {
    closing = true;
    // Unreferenced so that it never keeps a process alive; referenced again while it is being waited for.
    worker.ref();
    worker.postMessage('close');
    await exited;
  };
}

function sqliteDialect(file: string, checkpoints: boolean): Dialect {
  if (file !== ':memory:') {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // The store holds partner key hashes and encrypted textcoin mnemonics: a new file is the server user's alone.
    // SQLite gives its -wal and -shm files the database file's permissions.
    closeSync(openSync(file, 'a', 0o600));
  }
  const database = new SQLite(file);
  // WAL with synchronous=NORMAL: a commit is written to the WAL but not synced; the WAL is synced at each
  // checkpoint. A crash of this process loses nothing; a power cut can lose the commits since the last checkpoint
  // (at most CHECKPOINT_MS) but never corrupts the file.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  database.pragma('foreign_keys = ON');
  // 64 MB of page cache instead of 2 MB: the purchase indexes are written at random places.
  database.pragma('cache_size = -65536');
  database.pragma('temp_store = MEMORY');
  // The WAL file shrinks back to this after a checkpoint has emptied it.
  database.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  let stopCheckpointer: (() => Promise<void>) | null = null;
  if (file !== ':memory:') {
    database.pragma('wal_autocheckpoint = 0');
    if (checkpoints) stopCheckpointer = startCheckpointer(file, database);
  }
  database.defaultSafeIntegers(true);
  const base = new SqliteDialect({ database });
  return {
    createAdapter: () => new TransactionalSqliteAdapter(),
    createDriver: () => new SqliteDriver(database, stopCheckpointer),
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

/** Errors of a PostgreSQL server that is down, starting or unreachable, as opposed to a refusal (password, database). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', '57P03']);

/**
 * Waits until the store can be reached, trying every `retryMs` for at most `waitMs`; `onRetry` hears each failed
 * try. A store that answers with a refusal (wrong password, no such database) is not tried again. SQLite needs no
 * wait. The error is one line naming the store (never its password).
 */
export async function waitForStore(
  location: StoreLocation,
  opts: { waitMs: number; retryMs?: number; onRetry?: (why: string) => void },
): Promise<{ ok: true } | { ok: false; error: string }> {
  if (location.kind !== 'postgres') return { ok: true };
  const deadline = Date.now() + opts.waitMs;
  for (;;) {
    const client = new pg.Client({ connectionString: location.url, connectionTimeoutMillis: Math.max(1000, Math.min(opts.waitMs, 10_000)) });
    try {
      await client.connect();
      return { ok: true };
    } catch (e) {
      const { code, message } = e as { code?: string; message?: string };
      const why = `${message ?? String(e)}${code && !message?.includes(code) ? ` (${code})` : ''}`.replace(/\s+/g, ' ');
      const where = storeDescription(location);
      const unreachable = (code !== undefined && UNREACHABLE.has(code)) || /timeout|terminated/i.test(message ?? '');
      if (!unreachable) return { ok: false, error: `the database at ${where} refused the connection: ${why}` };
      if (Date.now() + (opts.retryMs ?? 1000) > deadline) {
        return { ok: false, error: `the database at ${where} is unreachable (${why}); gave up after ${opts.waitMs} ms (DATABASE_WAIT_MS)` };
      }
      opts.onRetry?.(`the database at ${where} is unreachable (${why}); trying again`);
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, opts.retryMs ?? 1000));
  }
}

export interface OpenOptions {
  /**
   * True (the default) for a process's own store: it brings the schema up to date and, on SQLite, runs the WAL
   * checkpoints (see startCheckpointer). False for another connection of the same process (a worker thread's), which
   * finds both done.
   */
  primary?: boolean;
}

/** Where the store is, for a message: the SQLite file, or the PostgreSQL URL without its password. */
export function storeDescription(location: StoreLocation): string {
  if (location.kind === 'sqlite') return location.file;
  let url = location.url;
  try {
    const parsed = new URL(location.url);
    parsed.password = '';
    url = parsed.toString();
  } catch {
    url = 'DATABASE_URL (not a parseable URL)';
  }
  return location.schema ? `${url} (schema ${location.schema})` : url;
}

/**
 * Whether a store is there already (the SQLite file, or our migrations table in the PostgreSQL schema), without
 * creating anything. Throws when PostgreSQL cannot be reached.
 */
export async function storeExists(location: StoreLocation): Promise<boolean> {
  if (location.kind === 'sqlite') return location.file !== ':memory:' && existsSync(location.file);
  const client = new pg.Client({ connectionString: location.url });
  await client.connect();
  try {
    const found = await client.query(
      "select 1 from information_schema.tables where table_schema = $1 and table_name = 'kysely_migration'",
      [location.schema ?? 'public'],
    );
    return (found.rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

/** Opens the store; the primary connection also brings its schema up to date. */
export async function openDb(location: StoreLocation, opts: OpenOptions = {}): Promise<Db> {
  const primary = opts.primary ?? true;
  if (primary && location.kind === 'postgres' && location.schema) {
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
      ? sqliteDialect(location.file, primary)
      : postgresDialect(location.url, location.schema, location.poolSize ?? 10);
  const kysely = new Kysely<Database>({ dialect });
  if (!primary) {
    // A pool connects lazily: make a store that cannot be reached fail here, not at the first payout.
    try {
      await kysely.executeQuery(CompiledQuery.raw('select 1'));
    } catch (e) {
      await kysely.destroy();
      throw e;
    }
    return { kysely, dialect: location.kind, close: () => kysely.destroy() };
  }
  const migrator = new Migrator({
    db: kysely,
    provider: { getMigrations: async () => migrations },
    // Kysely looks for its own tables in every schema unless told which one; ours live in the store's schema.
    ...(location.kind === 'postgres' ? { migrationTableSchema: location.schema ?? 'public' } : {}),
  });
  const error = await migrateToLatest(migrator, location);
  if (error) {
    await kysely.destroy();
    throw error instanceof Error ? error : new Error(String(error));
  }
  return { kysely, dialect: location.kind, close: () => kysely.destroy() };
}

/**
 * Kysely's migrator first scans the catalog for its tables in every schema of the database. A schema that another
 * session drops meanwhile (one store's, while another opens: the suite's PostgreSQL stores are schemas of one
 * database) fails that scan with 3F000, naming it, before any migration ran; the scan is simply made again.
 */
async function migrateToLatest(migrator: Migrator, location: StoreLocation): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    const { error } = await migrator.migrateToLatest();
    const code = (error as { code?: unknown } | undefined)?.code;
    if (!error || location.kind !== 'postgres' || code !== '3F000' || attempt >= 5) return error;
  }
}

type Part = { run: (tx: Transaction<Database>) => Promise<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void };

const SAVEPOINT = CompiledQuery.raw('savepoint part');
const RELEASE = CompiledQuery.raw('release part');
const ROLLBACK_TO = CompiledQuery.raw('rollback to part');

/** Most parts one shared transaction takes: bounds how long the connection is held and the answers wait. */
const MAX_PARTS = 256;

/**
 * Group commit for SQLite. A commit costs far more than the few rows one purchase writes (every page it touched,
 * a dozen index pages, goes to the WAL whole), while the purchases arriving together touch mostly the same pages. So writers that come within the same turn of the event loop share one
 * transaction: each runs in a savepoint of its own, in arrival order (each sees the ones before it, exactly as if
 * they had run one after the other), and an exception rolls back that writer's savepoint only and is thrown to that
 * writer alone. Every writer hears back only after the shared commit, so an answer never reports an uncommitted
 * write. If the commit itself fails, every writer in it gets the error.
 */
class GroupCommit {
  private queue: Part[] = [];
  private running = false;

  constructor(private readonly kysely: Kysely<Database>) {}

  run<T>(fn: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const parts = this.queue.splice(0, MAX_PARTS);
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await this.kysely.transaction().execute(async (tx) => {
        for (const part of parts) {
          await tx.executeQuery(SAVEPOINT);
          try {
            outcomes.push({ ok: true, value: await part.run(tx) });
            await tx.executeQuery(RELEASE);
          } catch (error) {
            await tx.executeQuery(ROLLBACK_TO);
            await tx.executeQuery(RELEASE);
            outcomes.push({ ok: false, error });
          }
        }
      });
      parts.forEach((part, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) part.resolve(outcome.value);
        else part.reject(outcome.error);
      });
    } catch (error) {
      for (const part of parts) part.reject(error);
    }
    if (this.queue.length > 0) setImmediate(() => void this.flush());
    else this.running = false;
  }
}

const groups = new WeakMap<Kysely<Database>, GroupCommit>();

/**
 * Runs `fn` in a transaction, as `db.kysely.transaction().execute(fn)` does, except that on SQLite the transaction
 * may be shared with other writers (see GroupCommit): `fn` must not commit or roll back itself, and it should
 * be short. On PostgreSQL, whose commits run in parallel on a pool, it is a transaction of its own.
 */
export function sharedTransaction<T>(db: Db, fn: (tx: Transaction<Database>) => Promise<T>): Promise<T> {
  if (db.dialect !== 'sqlite') return db.kysely.transaction().execute(fn);
  let group = groups.get(db.kysely);
  if (!group) {
    group = new GroupCommit(db.kysely);
    groups.set(db.kysely, group);
  }
  return group.run(fn);
}
