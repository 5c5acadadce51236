// Files that hold secrets (the wallet seed, the textcoin key) and the folder that holds them: readable by the
// operator's account alone. The one place that decides their modes, for whoever creates or checks them.
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';

/** wallet.json, secret.key: read and write for the owner only. */
export const PRIVATE_FILE_MODE = 0o600;
/** DATA_DIR: only the owner may list or enter it. */
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
