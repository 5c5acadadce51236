// A TypeScript module in a worker thread, started the same way however the server runs (`tsx src/main.ts`,
// `node --import tsx`, bin/cashback.js). The module and everything it imports from src/ are bundled once per process
// with esbuild into one plain JavaScript module under node_modules/.cache, which the worker loads natively. Loading
// the sources through tsx's loader instead took a worker 800 ms (every import crossed to a loader thread of its own),
// and four at once 3.2 s; bundled, 300 ms and 1.4 s. Where a bundle cannot be made or written (a read-only
// node_modules), the worker registers tsx and imports the sources instead. Worker code reads its data with
// threadData() from thread-data.ts, so that no bundle carries this module.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

// Source maps on before the bundle loads, so that stack traces name the .ts files and lines.
const BOOTSTRAP_BUNDLE = `
process.setSourceMapsEnabled(true);
const { workerData } = require('node:worker_threads');
import(workerData.entry);
`;
const BOOTSTRAP_TSX = `
const { workerData } = require('node:worker_threads');
import(workerData.tsx).then((tsx) => {
  tsx.register();
  return import(workerData.entry);
});
`;
const require = createRequire(import.meta.url);

/**
 * In node_modules/.cache: the packages left out of a bundle resolve from there as they do from the sources (a bundle
 * elsewhere would not find them).
 */
export const CACHE_DIR = join(dirname(require.resolve('esbuild')), '..', '..', '.cache', 'obyte-cashback');

/** Bundle URLs by directory and entry URL, made once per process; null where bundling failed (tsx then). */
const bundles = new Map<string, string | null>();

function bundled(entry: URL, dir: string): string | null {
  const key = `${dir}\n${entry.href}`;
  let url = bundles.get(key);
  // Another process bundling other code (a new release in the same node_modules) removes this one's bundle: a worker
  // started again later, a sender after a crash, would fail to load for good without it, so it is made again.
  if (url === null || (url !== undefined && existsSync(fileURLToPath(url)))) return url;
  try {
    const esbuild = require('esbuild') as typeof import('esbuild');
    const name = basename(fileURLToPath(entry)).replace(/\.ts$/, '');
    const built = esbuild.buildSync({
      entryPoints: [fileURLToPath(entry)],
      outfile: join(dir, `${name}.mjs`),
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: 'inline',
      write: false,
      logLevel: 'silent',
    });
    const code = built.outputFiles[0]!.contents;
    const file = join(dir, `${name}-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true });
      // Older builds of this entry go; the new one appears whole (another process may be reading the directory).
      for (const old of readdirSync(dir)) if (old.startsWith(`${name}-`) && old.endsWith('.mjs')) rmSync(join(dir, old), { force: true });
      const partial = `${file}.${process.pid}.partial`;
      writeFileSync(partial, code);
      renameSync(partial, file);
    }
    url = pathToFileURL(file).href;
  } catch {
    url = null;
  }
  bundles.set(key, url);
  return url;
}

/**
 * Starts `entry` (a .ts module URL) in a worker thread; the module reads `data` with threadData(). `cacheDir`: where
 * bundles go, under node_modules (one that cannot be written means the worker loads the sources through tsx).
 */
export function startTsWorker(entry: URL, data: unknown, cacheDir = CACHE_DIR): Worker {
  const bundle = bundled(entry, cacheDir);
  if (bundle) return new Worker(BOOTSTRAP_BUNDLE, { eval: true, workerData: { entry: bundle, data } });
  return new Worker(BOOTSTRAP_TSX, { eval: true, workerData: { tsx: import.meta.resolve('tsx/esm/api'), entry: entry.href, data } });
}
