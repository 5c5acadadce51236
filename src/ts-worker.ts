// A TypeScript module in a worker thread. tsx's loader registers itself in the main thread only, and the inherited
// --import does not carry it into a worker; so the worker starts from a small script that registers tsx, then imports
// the .ts entry. The same in every way the server starts: `tsx src/main.ts`, `node --import tsx`, and bin/cashback.js.
import { Worker, workerData } from 'node:worker_threads';

const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
import(workerData.tsx).then((tsx) => {
  tsx.register();
  return import(workerData.entry);
});
`;
const TSX_API = import.meta.resolve('tsx/esm/api');

/** Starts `entry` (a module URL) in a worker thread; the module reads `data` with threadData(). */
export function startTsWorker(entry: URL, data: unknown): Worker {
  return new Worker(BOOTSTRAP, { eval: true, workerData: { tsx: TSX_API, entry: entry.href, data } });
}

/** Inside a worker started by startTsWorker: the data it was given. */
export function threadData<T>(): T {
  return (workerData as { data: T }).data;
}
