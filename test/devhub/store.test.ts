import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { composePayment } from '../../src/obyte/composer.ts';
import type { KeyPair } from '../../src/obyte/keys.ts';
import type { ParentsProps, PaymentPayload } from '../../src/obyte/types.ts';
import { getBase64Hash } from '../../src/obyte/unit-hash.ts';
import { keyPairOf } from '../../src/devhub/identity.ts';
import { openHubCore, type HubCore } from '../../src/devhub/index.ts';
import { randomAddress } from './support.ts';

function payWith(core: HubCore, payer: KeyPair, props: ParentsProps): string {
  const coin = core.store.unspentOutputs(payer.address)[0]!;
  const composed = composePayment({
    params: core.node.params,
    author: { address: payer.address, privateKey: payer.privateKey, ...(core.store.getDefinition(payer.address) ? {} : { definition: payer.definition }) },
    inputs: [{ unit: coin.unit, message_index: coin.message_index, output_index: coin.output_index, amount: coin.amount }],
    outputs: [{ address: randomAddress(), amount: 1000 }],
    changeAddress: payer.address,
    props,
  });
  assert.ok(composed.ok);
  const outcome = core.node.post({ unit: composed.unit });
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
  return composed.unit.unit!;
}

test('the DAG view: forks and "in your genes", outputs spent, definitions, stability with balls', (t) => {
  const core = openHubCore({ stabilityDelayMs: 60_000 });
  t.after(() => core.close());
  const [alice, bob] = [keyPairOf(randomBytes(32)), keyPairOf(randomBytes(32))];
  for (const k of [alice, bob]) assert.ok(core.wallet.pay(core.identity.faucet, [{ address: k.address, amount: 100_000 }]).ok);
  core.node.stabilize();
  const last = core.store.lastStable();
  assert.equal(core.store.isStableBall(last.ball, last.unit), true);
  assert.equal(core.store.isStableBall(last.ball, core.store.getUnit(last.unit)!.parents[0]!), false);

  // two units on the same parents fork the DAG; the next unit joins them
  const props = core.node.parents(alice.address);
  const a = payWith(core, alice, props);
  const b = payWith(core, bob, props);
  assert.deepEqual(core.store.freeUnits(), [a, b].sort());
  assert.equal(core.store.isAncestorOf(a, [b]), false);
  assert.equal(core.store.isAncestorOf(props.parent_units[0]!, [a]), true);
  assert.equal(core.store.isAncestorOf(a, [a]), true);
  const joined = core.node.parents(alice.address);
  assert.deepEqual(joined.parent_units, [a, b].sort());

  const aUnit = core.store.getUnit(a)!;
  assert.deepEqual(aUnit.authors, [alice.address]);
  assert.deepEqual(aUnit.parents, props.parent_units);
  assert.equal(aUnit.isStable, false);
  const spentInput = (core.store.getJoint(a)!.unit.messages[0]!.payload as PaymentPayload).inputs[0] as { unit: string; message_index: number; output_index: number };
  assert.equal(core.store.getOutput(spentInput.unit, spentInput.message_index, spentInput.output_index)?.spentBy, a);
  assert.equal(core.store.getOutput(a, 0, 9), null);
  assert.deepEqual(core.store.getDefinition(alice.address), { definition: alice.definition, unit: a, isStable: false });
  assert.equal(core.store.hasAuthored(alice.address), true);
  assert.equal(core.store.hasAuthored(randomAddress()), false);

  core.node.stabilize();
  assert.equal(core.store.getDefinition(alice.address)?.isStable, true);
  const parentBall = core.store.getJoint(props.parent_units[0]!)!.ball!;
  assert.equal(core.store.getJoint(a)!.ball, getBase64Hash({ unit: a, parent_balls: [parentBall] }));
  assert.equal(core.store.lastStable().mci, core.store.lastMci());
});

test('tps fee counts the accepted units in the window up to the newest parent', (t) => {
  let nowMs = 1_900_000_000_000;
  const core = openHubCore({ stabilityDelayMs: 60_000, now: () => nowMs });
  t.after(() => core.close());
  const genesisAndFunding = core.store.lastMci() + 1;
  const free = core.store.freeUnits();
  const ts = Math.round(nowMs / 1000);
  assert.equal(core.store.countRecentUnits(free, ts - 10), genesisAndFunding);
  assert.equal(core.store.countRecentUnits(free, ts), 0);
  assert.equal(core.store.countRecentUnits(['A'.repeat(43) + '='], ts - 10), 0, 'unknown parents count nothing');
  nowMs += 11_000;
  assert.equal(core.node.parents(keyPairOf(randomBytes(32)).address).tps_fee, 11, 'only the unit itself: 100 × (e^0.1 − 1)');
});
