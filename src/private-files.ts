// Files that hold secrets (the wallet seed, the key of the textcoin mnemonics, the store, e-mailed claim links) and
// the folders that hold them: readable by the server's user alone. The one place that decides their modes, for
// whoever creates them, and that checks, at start, the ones found.
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.ts';

/** wallet.json, secret.key, the SQLite files, every .eml: read and write for the owner only. */
export const PRIVATE_FILE_MODE = 0o600;
/** DATA_DIR, the outbox: only the owner may list or enter them. */
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Creates the folder (and its parents) when missing, mode 0700 whatever the umask. A folder that exists already is
 * left as it is: its mode is the operator's choice, and a shared parent must not be narrowed.
 */
export function makePrivateDir(dir: string): void {
  if (existsSync(dir)) return;
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Writes a new file, mode 0600 whatever the umask. It never replaces a file: an existing one (another process's
 * wallet, written a moment before) fails with EEXIST rather than being overwritten.
 */
export function writePrivateFile(file: string, content: string): void {
  writeFileSync(file, content, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  chmodSync(file, PRIVATE_FILE_MODE);
}

/** The permission bits of a mode, as the operator reads them: 0600, 0700. */
export function modeText(mode: number): string {
  return '0' + (mode & 0o777).toString(8);
}

/** Whether only the owner can reach the file or folder (no group or other bits): what the modes above give. */
export function isPrivate(path: string): boolean {
  return (statSync(path).mode & 0o077) === 0;
}

export interface LooseFile {
  readonly path: string;
  /** The permission bits found, e.g. "644". */
  readonly mode: string;
}

/** The paths, among those that exist, whose group or others may read, write or enter them. */
export function looseFiles(paths: readonly string[]): LooseFile[] {
  const loose: LooseFile[] = [];
  for (const path of paths) {
    let mode: number;
    try {
      mode = statSync(path).mode & 0o777;
    } catch {
      continue; // not there (yet): nothing to protect
    }
    if ((mode & 0o077) !== 0) loose.push({ path, mode: mode.toString(8) });
  }
  return loose;
}

function emlFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith('.eml') || name.endsWith('.eml.tmp'))
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}

/** Every file and folder of the configuration that holds a secret, found looser than 0700 (folders) or 0600 (files). */
export function loosePrivateFiles(config: Config): LooseFile[] {
  const paths = [config.dataDir, config.mail.outboxDir];
  if (!config.wallet.mnemonic) paths.push(config.wallet.file);
  if (!config.secretKey.value) paths.push(config.secretKey.file);
  if (config.store.kind === 'sqlite') {
    const { file } = config.store;
    paths.push(file, `${file}-wal`, `${file}-shm`);
  }
  paths.push(...emlFiles(config.mail.outboxDir));
  return looseFiles(paths);
}
