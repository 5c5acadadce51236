// What every `cashback` command shares: the networks, output as text or JSON, the store, argument parsing.
import { Option } from 'commander';
import { loadConfig, type Config } from '../config.ts';
import { openDb, storeDescription, storeExists, type Db } from '../storage/db.ts';
import type { NetworkName } from '../storage/schema.ts';

/** A mistake in how the command was called or what it names: printed without a stack, exit code 1. */
export class CliError extends Error {}

/** The deployment is not there as the command needs it (no store, no wallet): one line, exit code 2, as config errors. */
export class SetupError extends Error {}

/** Whether the configured store exists; a PostgreSQL server that cannot be reached is a SetupError naming it. */
export async function findStore(config: Config): Promise<boolean> {
  try {
    return await storeExists(config.store);
  } catch (e) {
    throw new SetupError(`cannot reach the store at ${storeDescription(config.store)}: ${(e as Error).message}`);
  }
}

/**
 * The store the configuration names, which must exist: only `cashback init` creates one, so a mistyped DATA_DIR or
 * DATABASE_URL is refused rather than answered from a new, empty store. An existing store is brought up to date.
 */
export async function openExistingStore(config: Config): Promise<Db> {
  const where = storeDescription(config.store);
  if (!(await findStore(config))) {
    const setting = config.store.kind === 'sqlite' ? `DATA_DIR=${config.dataDir}` : 'DATABASE_URL';
    throw new SetupError(`no store at ${where}: check ${setting}, or run "cashback init" to set up a new deployment`);
  }
  return openDb(config.store);
}

export const NETWORKS: readonly NetworkName[] = ['main', 'test'];

export function out(json: boolean, data: unknown, text: () => string): void {
  console.log(json ? JSON.stringify(data, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)) : text());
}

export const json = () => new Option('--json', 'print JSON');

export async function withDb<T>(fn: (db: Db, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openExistingStore(config);
  try {
    return await fn(db, config);
  } finally {
    await db.close();
  }
}

export function parseNetwork(value: string): NetworkName {
  if (value !== 'main' && value !== 'test') throw new CliError(`network must be main or test, got "${value}"`);
  return value;
}

export function parseTime(value: string): number {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new CliError(`not a date/time: "${value}"`);
  return t;
}

export function parseLimit(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new CliError('--limit must be a positive whole number');
  return Number(value);
}

export const iso = (ms: bigint | number | null): string | null => (ms === null ? null : new Date(Number(ms)).toISOString());
