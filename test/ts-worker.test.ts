import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CACHE_DIR, startTsWorker } from '../src/ts-worker.ts';

const ENTRY = new URL('./fixtures/echo-worker.ts', import.meta.url);

async function echo(cacheDir?: string): Promise<{ data: unknown; url: string; stack: string }> {
  const worker = startTsWorker(ENTRY, { n: 7n, s: 'x' }, cacheDir);
  try {
    return await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  } finally {
    await worker.terminate();
  }
}

test('a .ts entry runs bundled into the cache directory, gets its data, and its stack traces name the .ts lines', async (t) => {
  // beside the real cache, under node_modules, where bundles can find the packages
  mkdirSync(CACHE_DIR, { recursive: true });
  const dir = mkdtempSync(`${CACHE_DIR}-test-`);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = await echo(dir);
  assert.deepEqual(first.data, { n: 7n, s: 'x' });
  assert.match(first.url, /\/echo-worker-[0-9a-f]{16}\.mjs$/);
  assert.match(first.stack, /fixtures\/echo-worker\.ts:5:\d+/);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.mjs')).length, 1);
  // a second worker in the same process reuses the bundle
  assert.equal((await echo(dir)).url, first.url);
  // removed meanwhile (another process bundling other code clears older bundles): made again
  rmSync(new URL(first.url));
  const again = await echo(dir);
  assert.equal(again.url, first.url);
  assert.deepEqual(again.data, { n: 7n, s: 'x' });
});

test('where no bundle can be written, the worker loads the sources through tsx', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'cashback-test-')), 'file');
  writeFileSync(file, '');
  const fallback = await echo(join(file, 'cache'));
  assert.deepEqual(fallback.data, { n: 7n, s: 'x' });
  assert.match(fallback.url, /\/fixtures\/echo-worker\.ts$/);
  assert.match(fallback.stack, /fixtures\/echo-worker\.ts:5:\d+/);
});
