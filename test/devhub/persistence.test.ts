import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubClient } from '../../src/obyte/hub-client.ts';
import { startDevHub } from '../../src/devhub/index.ts';
import { newKey, pay, randomAddress, waitFor } from './support.ts';

test('a restarted devhub with the same dbFile keeps its keys, DAG, balances and pending stability', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'devhub-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dbFile = join(dir, 'dag.sqlite');
  const payer = newKey();
  const payee = randomAddress();

  const first = await startDevHub({ port: 0, dbFile, genesis: [{ address: payer.address, amount: 1_000_000 }], stabilityDelayMs: 60_000, oracle: { feeds: { GBYTE_USD: 20 } } });
  const client = new HubClient({ url: first.url });
  await client.connect();
  const unit = await pay(client, first, payer, [{ address: payee, amount: 7000 }]);
  const payerBalance = first.balance(payer.address);
  const identity = { faucet: first.faucetAddress, oracle: first.oracleAddress, witnesses: first.witnesses };
  await client.close();
  await first.close();

  // a different genesis and the same feeds: the genesis is not redone, unchanged feeds are not reposted
  const second = await startDevHub({ port: 0, dbFile, genesis: [{ address: randomAddress(), amount: 5 }], stabilityDelayMs: 100, oracle: { feeds: { GBYTE_USD: 20 } } });
  t.after(() => second.close());
  assert.deepEqual({ faucet: second.faucetAddress, oracle: second.oracleAddress, witnesses: second.witnesses }, identity);
  // the second run may already have made the old unit stable (its delay is short): compare totals
  const total = (b: { stable: number; pending: number }) => b.stable + b.pending;
  assert.equal(total(second.balance(payer.address)), total(payerBalance));
  assert.equal(total(second.balance(payee)), 7000);
  const joint = second.getJoint(unit)!;
  assert.equal(joint.unit.main_chain_index, 3, 'genesis, oracle funding, feed unit, then the payment');
  // the unit left unstable by the first run becomes stable on the second run's schedule
  await waitFor('stability after restart', () => (second.balance(payee).stable === 7000 ? true : undefined));
  assert.ok(second.getJoint(unit)!.ball);
});

test('a devhub database refuses to start for other protocol params', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'devhub-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dbFile = join(dir, 'dag.sqlite');
  const hub = await startDevHub({ port: 0, dbFile });
  await hub.close();
  await assert.rejects(startDevHub({ port: 0, dbFile, params: { version: '4.0t', alt: '2' } }), /created for/);
});
