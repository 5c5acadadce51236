// The crash-proof check of the payout engine in the suite: a shorter `npm run chaos` (20 SIGKILLs of the server
// under load on SQLite, 8 on PostgreSQL, with hub faults between kills; `.ci/run` runs the full 60-kill chaos after
// the suite, so that the suite stays within five minutes on two cores). Every purchase answered ok must be paid exactly once,
// none answered with an error paid at all, and `cashback reconcile` must find the ledger equal to the chain. A share of
// the purchases go to e-mails: paid as textcoins, each of which must also reach the outbox with its claim link.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { runChaos, verdict, type ChaosOptions } from '../../scripts/chaos/harness.ts';
import { TEST_PG_URL } from '../helpers/stores.ts';

const quick: Partial<ChaosOptions> = {
  purchases: 80,
  concurrency: 6,
  upMs: { short: [50, 600], long: [800, 2000], longShare: 0.25 },
  log: () => undefined,
};

async function check(t: TestContext, options: Partial<ChaosOptions>): Promise<void> {
  const lines: string[] = [];
  const report = await runChaos({ ...quick, ...options, log: (l) => lines.push(l) });
  const result = verdict(report);
  const context = `${JSON.stringify(report)}\n${lines.join('\n')}`;
  t.diagnostic(`${JSON.stringify(result)} textcoins ${JSON.stringify(report.textcoins)} emails_missing ${report.emails_missing} seed ${report.seed}`);
  assert.equal(result.kills, options.kills);
  assert.ok(result.purchases_ok > 0, context);
  assert.equal(result.lost, 0, context);
  assert.equal(result.doubled, 0, context);
  assert.equal(result.paid_once, result.purchases_ok, context);
  assert.equal(result.reconciled, true, context);
  assert.equal(report.emails_missing, 0, `every paid textcoin must be e-mailed\n${context}`);
  if ((options.emailShare ?? 0) > 0) assert.ok(report.textcoins.purchases_ok > 0, context);
  assert.equal(report.http_500, 0, `no request may end in an unexpected fault\n${context}`);
}

test('SQLite: every accepted purchase is paid exactly once across 20 SIGKILLs and hub faults', { timeout: 600_000 }, async (t) => {
  await check(t, { kills: 20, pauseShare: 0, emailShare: 0.15 });
});

// Also servers frozen past their lease that wake up beside their successor: PostgreSQL is where several
// processes share one store (a frozen SQLite writer would only keep its successor from starting).
test('PostgreSQL: the same across 8 SIGKILLs, some of them after a freeze', { timeout: 600_000 }, async (t) => {
  await check(t, { kills: 8, purchases: 40, pauseShare: 0.25, emailShare: 0.1, store: { postgres: TEST_PG_URL } });
});
