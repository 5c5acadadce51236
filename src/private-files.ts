// Files that hold secrets (the wallet seed, the key of the textcoin mnemonics, the store, e-mailed claim links)
// must be readable by the server's user only. New ones are made so; this checks, at start, the ones found.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.ts';

// Files are made 0600 where they are written (wallet.ts, storage/db.ts, mail/mailer.ts).
export const PRIVATE_DIR_MODE = 0o700;

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
