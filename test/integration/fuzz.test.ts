// Issue 12's fuzz test: 5,000 fast-check requests on each store (10,000 a suite run) through the whole HTTP stack,
// with the invariants of scripts/fuzz/harness.ts. `npm run fuzz` runs 100,000; a failure here prints the seed and
// the command that repeats the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clean, runFuzz } from '../../scripts/fuzz/harness.ts';
import { STORE_KINDS } from '../helpers/stores.ts';

const REQUESTS = 5000;

for (const store of STORE_KINDS) {
  test(`fuzz on ${store}: ${REQUESTS} requests, every answer known, nothing invalid paid, the ledger balanced`, { timeout: 300_000 }, async (t) => {
    const seed = Date.now() % 2 ** 31;
    const report = await runFuzz({ requests: REQUESTS, seed, store, concurrency: 64 });
    const { violations, ...counts } = report;
    t.diagnostic(JSON.stringify(counts));
    const again = `npm run fuzz -- --seed ${seed} --requests ${REQUESTS} --store ${store}`;
    assert.ok(clean(report), `seed ${seed} (repeat: ${again})\n${violations.join('\n')}\n${JSON.stringify(counts)}`);
    assert.equal(report.requests, REQUESTS, `seed ${seed}`);
    // the run exercised both sides: some purchases paid, most refused, and the failures spread over many rules
    assert.ok(report.paid > REQUESTS / 50, `seed ${seed}: only ${report.paid} paid`);
    assert.ok(report.tainted > REQUESTS / 2, `seed ${seed}: only ${report.tainted} hostile`);
    assert.ok(Object.keys(report.errors).length >= 12, `seed ${seed}: ${Object.keys(report.errors).join(', ')}`);
  });
}
