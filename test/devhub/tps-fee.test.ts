import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HubError } from '../../src/obyte/hub-client.ts';
import { resolveTpsFeeVars, tpsFeeFor } from '../../src/devhub/tps-fee.ts';
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
      e instanceof HubError && e.message === `tps fee on address ${payer.address} must be at least ${cheap.tps_fee! + 1}, found ${cheap.tps_fee}`,
  );
  const fair = await compose(client, hub, payer, [{ address: randomAddress(), amount: 5000 }]);
  assert.equal(await client.postJoint({ unit: fair }), 'accepted');
});

test('tps fees can be switched off', async (t) => {
  const { client } = await hubWithClient(t, { tpsFee: { tps_fee_multiplier: 0 } });
  const props = await client.getParentsAndLastBall({
    witnesses: await client.getWitnesses(),
    from_addresses: [newKey().address],
    output_addresses: [randomAddress()],
  });
  assert.equal(props.tps_fee, 0);
});
