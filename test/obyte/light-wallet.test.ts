import { test } from 'node:test';
import assert from 'node:assert/strict';
import { THRESHOLD_SIZE } from '../../src/obyte/constants.ts';
import { HubClient, HubError, systemVarAt, type SystemVars } from '../../src/obyte/hub-client.ts';
import { addressHistory, composeWithHub, thresholdSize } from '../../src/obyte/light-wallet.ts';
import { getOversizeFee } from '../../src/obyte/length.ts';
import { hubWithClient, newKey, randomAddress } from '../devhub/support.ts';

test('systemVarAt: the newest value voted before the mci, as ocore getSystemVar reads it', () => {
  const vars: SystemVars = {
    threshold_size: [
      { vote_count_mci: 500, value: 20_000 },
      { vote_count_mci: -1, value: 10_000 },
    ],
  };
  assert.equal(systemVarAt(vars, 'threshold_size', 0), 10_000);
  assert.equal(systemVarAt(vars, 'threshold_size', 500), 10_000, 'a vote counted at mci 500 applies after it');
  assert.equal(systemVarAt(vars, 'threshold_size', 501), 20_000);
  assert.equal(systemVarAt(vars, 'base_tps_fee', 501), null);
});

test("the oversize threshold is the hub's threshold_size, not a fixed 10,000", async (t) => {
  const { hub, client } = await hubWithClient(t, { thresholdSize: 20_000 });
  const payer = newKey();
  for (let i = 0; i < 60; i++) await hub.faucet(payer.address, 20_000);
  hub.stabilize();
  const outputs = Array.from({ length: 127 }, () => ({ address: randomAddress(), amount: 7000 }));
  const composed = await composeWithHub(client, { params: hub.params, key: payer, outputs });
  assert.ok(composed.ok, JSON.stringify(composed));
  const { unit } = composed;
  const size = unit.headers_commission! + unit.payload_commission!;
  assert.ok(size > 10_000 && size <= 20_000, `size ${size} between the old and the voted threshold`);
  assert.equal(getOversizeFee(unit, 10_000) > 0, true, 'a fixed 10,000 would have charged an oversize fee');
  assert.equal(unit.oversize_fee, undefined);
  assert.equal(await client.postJoint({ unit }), 'accepted');
});

test('a hub that does not serve system variables: the threshold voted on the network of the unit version', async (t) => {
  const { hub } = await hubWithClient(t);
  class NoSystemVars extends HubClient {
    override getSystemVars(): Promise<SystemVars> {
      return Promise.reject(new HubError('response', 'unknown command'));
    }
  }
  const client = new NoSystemVars({ url: hub.url, requestTimeoutMs: 5000 });
  t.after(() => client.close());
  await client.connect();
  assert.equal(await thresholdSize(client, '4.0t', 10), THRESHOLD_SIZE.testnet);
});

test('history: the units of the addresses come from joints; the witnesses\' units in unstable_mc_joints are not theirs', async (t) => {
  const { hub, client } = await hubWithClient(t);
  const payee = randomAddress();
  const paid = await hub.faucet(payee, 50_000);
  hub.stabilize();
  // a later unit of the faucet (a witness) to someone else: on the main chain, not in the payee's history
  const other = await hub.faucet(randomAddress(), 60_000);
  const raw = await client.getHistory({ witnesses: await client.getWitnesses(), addresses: [payee] });
  assert.ok(raw.unstable_mc_joints?.some((j) => j.unit.unit === other), 'the witnesses\' units are served');
  const history = await addressHistory(client, [payee]);
  assert.deepEqual(history.map((h) => [h.hash, h.stable]), [[paid, true]]);
});
