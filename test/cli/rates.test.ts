// `cashback rates` as a real child process: it shows what the server stored after its last fetch round.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../../src/storage/db.ts';
import { saveRatesStatus } from '../../src/storage/rate-status.ts';
import type { RatesStatus } from '../../src/rates/cache.ts';
import { age } from '../../src/cli/rates.ts';
import { cashback } from '../helpers/cli.ts';

test('per pair, each source with its value, own time, age and whether it is in use; what holds a pair back', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cashback-rates-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
  // a deployment as `cashback init` leaves it: the commands refuse a DATA_DIR without a store
  await (await openDb({ kind: 'sqlite', file: join(dataDir, 'cashback.sqlite') })).close();

  const empty = await cashback(['rates', '--json'], env);
  assert.equal(empty.code, 0, empty.stderr);
  assert.deepEqual(JSON.parse(empty.stdout), { main: { updated_at: null, pairs: [], failures: [] }, test: { updated_at: null, pairs: [], failures: [] } });
  assert.match((await cashback(['rates'], env)).stdout, /main: no rates reported yet \(is the server running\?\)/);

  const now = Date.now();
  const status: RatesStatus = {
    updated_at: now,
    pairs: [
      {
        pair: 'GBYTE_USD', state: 'disagreement', max_age_ms: 900_000, in_use: null, held: null,
        problem: 'hub 8.5 and oracle 5 differ by more than 5%', disagreements: 1, holds: 0,
        sources: [
          { source: 'oracle', value: '5', at: now - 120_000, ref: 'UNIT', fetched_at: now, in_use: false },
          { source: 'hub', value: '8.5', at: now, fetched_at: now, in_use: false },
        ],
      },
      {
        pair: 'EUR_USD', state: 'ok', max_age_ms: 432_000_000, held: null, problem: null, disagreements: 0, holds: 0,
        in_use: { value: '1.0412', source: 'ecb', at: now - 3 * 86_400_000 },
        sources: [{ source: 'ecb', value: '1.0412', at: now - 3 * 86_400_000, fetched_at: now, in_use: true }],
      },
    ],
    failures: [{ source: 'cbr', at: now, error: 'cbr: HTTP 503' }],
  };
  const db = await openDb({ kind: 'sqlite', file: join(dataDir, 'cashback.sqlite') });
  await saveRatesStatus(db, 'main', status);
  await db.close();

  const run = await cashback(['rates', '--network', 'main', '--json'], env);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { main: { pairs: Array<{ pair: string; state: string; problem: string | null; sources: Array<Record<string, unknown>> }>; failures: unknown[] } };
  assert.deepEqual(Object.keys(report), ['main']);
  const [gbyte, eur] = report.main.pairs;
  assert.equal(gbyte?.state, 'disagreement');
  assert.equal(gbyte?.problem, 'hub 8.5 and oracle 5 differ by more than 5%');
  assert.deepEqual(gbyte?.sources[0], { source: 'oracle', value: '5', time: new Date(now - 120_000).toISOString(), age_ms: (gbyte?.sources[0]?.age_ms as number), in_use: false, ref: 'UNIT' });
  assert.ok((gbyte?.sources[0]?.age_ms as number) >= 120_000);
  assert.equal(eur?.sources[0]?.in_use, true);
  assert.deepEqual(report.main.failures, [{ source: 'cbr', at: new Date(now).toISOString(), error: 'cbr: HTTP 503' }]);

  const text = (await cashback(['rates'], env)).stdout;
  assert.match(text, /^NETWORK\s+PAIR\s+STATE\s+SOURCE\s+VALUE\s+TIME\s+AGE\s+IN USE$/m);
  assert.match(text, /^main\s+GBYTE_USD\s+disagreement\s+oracle\s+5\s+\S+\s+2m\s+no$/m);
  assert.match(text, /^main\s+EUR_USD\s+ok\s+ecb\s+1\.0412\s+\S+\s+3d0h\s+yes$/m);
  assert.match(text, /^main GBYTE_USD: hub 8\.5 and oracle 5 differ by more than 5%$/m);
  assert.match(text, /^main cbr failed at .*: cbr: HTTP 503$/m);
  assert.match(text, /^test: no rates reported yet/m);
});

test('ages read at a glance', () => {
  assert.deepEqual([age(5_000), age(119_999), age(14 * 60_000), age(3 * 3600_000 + 12 * 60_000), age(3 * 86_400_000 + 4 * 3600_000), age(-30_000)], ['5s', '119s', '14m', '3h12m', '3d4h', '-30s']);
});
