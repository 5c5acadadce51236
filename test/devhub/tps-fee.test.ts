import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HubError, isTransientHubError } from '../../src/obyte/hub-client.ts';
import { actualTpsFeeFor, resolveTpsFeeVars, tpsFeeFor } from '../../src/devhub/tps-fee.ts';
import type { Unit } from '../../src/obyte/types.ts';
import { compose, hubWithClient, newKey, randomAddress } from './support.ts';

test('tps fee formula: base × (e^(tps/interval) − 1) × multiplier, tps over the window', () => {
  const vars = resolveTpsFeeVars();
  assert.deepEqual(vars, { base_tps_fee: 10, tps_interval: 1, tps_fee_multiplier: 10, windowSec: 10 });
  assert.equal(tpsFeeFor(0, vars), 11); // 100 × (e^0.1 − 1) = 10.517
  assert.equal(tpsFeeFor(9, vars), 172); // 100 × (e − 1) = 171.83
  assert.equal(tpsFeeFor(19, vars), 639); // 100 × (e^2 − 1) = 638.9
  assert.equal(tpsFeeFor(9, resolveTpsFeeVars({ tps_interval: 2 })), 65); // 100 × (e^0.5 − 1) = 64.87
  assert.equal(tpsFeeFor(50, resolveTpsFeeVars({ tps_fee_multiplier: 0 })), 0);
  assert.throws(() => resolveTpsFeeVars({ base_tps_fee: -1 }));
  assert.throws(() => resolveTpsFeeVars({ windowSec: 0 }));
});

test('the quoted tps fee rises with recent units, falls once they leave the window, and a lower fee is refused', async (t) => {
  let nowMs = 1_800_000_000_000;
  const { hub, client } = await hubWithClient(t, { now: () => nowMs });
  const payer = newKey();
  for (let i = 0; i < 4; i++) await hub.faucet(payer.address, 1_000_000);
  hub.stabilize();
  const witnesses = await client.getWitnesses();
  const quote = async () =>
    (await client.getParentsAndLastBall({ witnesses, from_addresses: [payer.address], output_addresses: [randomAddress()] })).tps_fee;
  // genesis, the oracle's funding and the four faucet units share this second
  assert.equal(await quote(), tpsFeeFor(6, resolveTpsFeeVars()));
  nowMs += 5_000;
  assert.equal(await quote(), tpsFeeFor(6, resolveTpsFeeVars()), 'still inside the 10 s window');
  nowMs += 6_000;
  assert.equal(await quote(), tpsFeeFor(0, resolveTpsFeeVars()), 'all of them left the window');

  const cheap = await compose(client, hub, payer, [{ address: randomAddress(), amount: 5000 }], {
    props: (p) => ({ ...p, tps_fee: p.tps_fee - 1 }),
  });
  await assert.rejects(
    client.postJoint({ unit: cheap }),
    (e: unknown) =>
      e instanceof HubError &&
      e.message === `tps_fee ${cheap.tps_fee} + tps fees balance 0 less than required ${cheap.tps_fee! + 1} for address ${payer.address} whose share is 1` &&
      !isTransientHubError(e.message),
  );
  const fair = await compose(client, hub, payer, [{ address: randomAddress(), amount: 5000 }]);
  assert.equal(await client.postJoint({ unit: fair }), 'accepted');
});

test('tps fees can be switched off: quoted 0, nothing charged, and units paying 0 keep being accepted', async (t) => {
  const { hub, client } = await hubWithClient(t, { tpsFee: { tps_fee_multiplier: 0 } });
  const payer = newKey();
  await hub.faucet(payer.address, 1_000_000);
  hub.stabilize();
  for (let i = 0; i < 3; i++) {
    const unit = await compose(client, hub, payer, [{ address: randomAddress(), amount: 5000 }]);
    assert.equal(unit.tps_fee, 0);
    assert.equal(await client.postJoint({ unit }), 'accepted');
    hub.stabilize();
    const served = await client.getJoint(unit.unit!);
    assert.ok('joint' in served);
    assert.equal(served.joint.unit.actual_tps_fee, 0);
  }
  assert.equal(actualTpsFeeFor(50, resolveTpsFeeVars({ tps_fee_multiplier: 0 })), 0);
});

test('an address that overpaid is quoted 0, its units paying 0 are accepted, and each stable unit is charged its actual fee', async (t) => {
  let nowMs = 1_800_000_000_000;
  const vars = resolveTpsFeeVars();
  const { hub, client } = await hubWithClient(t, { now: () => nowMs });
  const payer = newKey();
  for (let i = 0; i < 6; i++) await hub.faucet(payer.address, 1_000_000);
  hub.stabilize();
  const send = async () => {
    const unit = await compose(client, hub, payer, [{ address: randomAddress(), amount: 5000 }]);
    assert.equal(await client.postJoint({ unit }), 'accepted');
    return unit;
  };
  const charged = async (unit: Unit) => {
    const served = await client.getJoint(unit.unit!);
    assert.ok('joint' in served);
    return served.joint.unit.actual_tps_fee;
  };

  // genesis, the oracle's funding and the six faucet units share this second; the payer has no balance yet
  const first = await send();
  assert.equal(first.tps_fee, tpsFeeFor(8, vars));
  assert.equal(await charged(first), null, 'not charged before it is stable');
  hub.stabilize();
  assert.equal(await charged(first), actualTpsFeeFor(8, vars), 'charged the fee without the multiplier once stable');
  let balance = tpsFeeFor(8, vars) - actualTpsFeeFor(8, vars);

  // a burst: every unit whose fee the balance covers is quoted 0 and accepted; the next pays only the difference
  nowMs += 11_000;
  const free: Unit[] = [];
  for (let k = 0; tpsFeeFor(k, vars) <= balance; k++) free.push(await send());
  assert.ok(free.length >= 3, `${free.length} units paid by the balance`);
  assert.deepEqual(free.map((u) => u.tps_fee), free.map(() => 0));
  const topUp = await send();
  assert.equal(topUp.tps_fee, tpsFeeFor(free.length, vars) - balance);

  // once stable, each is charged its actual fee, drawing the balance down
  hub.stabilize();
  for (const [k, unit] of [...free, topUp].entries()) assert.equal(await charged(unit), actualTpsFeeFor(k, vars));
  for (const [k, unit] of [...free, topUp].entries()) balance += unit.tps_fee! - actualTpsFeeFor(k, vars);
  nowMs += 11_000;
  assert.equal((await send()).tps_fee, Math.max(tpsFeeFor(0, vars) - balance, 0));
  const quote = await client.getParentsAndLastBall({
    witnesses: await client.getWitnesses(),
    from_addresses: [payer.address],
    output_addresses: [randomAddress()],
  });
  assert.equal(quote.tps_fee, Math.max(tpsFeeFor(1, vars) - balance, 0), 'the quote follows the balance as of the last stable unit');
});

test('a unit paying less than the current fee × min_acceptable_tps_fee_multiplier waits (a transient refusal)', async (t) => {
  const { hub, client } = await hubWithClient(t, { minAcceptableTpsFeeMultiplier: 1000 });
  const payer = newKey();
  await hub.faucet(payer.address, 1_000_000);
  hub.stabilize();
  const unit = await compose(client, hub, payer, [{ address: randomAddress(), amount: 5000 }]);
  await assert.rejects(client.postJoint({ unit }), (e: unknown) => {
    assert.ok(e instanceof HubError);
    assert.match(e.message, new RegExp(`^tps fee on address ${payer.address} must be at least \\d+, found ${unit.tps_fee}$`));
    assert.equal(isTransientHubError(e.message), true);
    return true;
  });
});
