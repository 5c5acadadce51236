import { workerData } from 'node:worker_threads';

/** Inside a worker started by startTsWorker (ts-worker.ts): the data it was given. */
export function threadData<T>(): T {
  return (workerData as { data: T }).data;
}
