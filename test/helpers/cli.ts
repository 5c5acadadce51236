import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cashback ARGS` as a process, with only the given settings in its environment. */
export function cashback(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['bin/cashback.js', ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: timeoutMs },
      (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}
