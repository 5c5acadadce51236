import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { HubError, isTransientHubError } from '../../src/obyte/hub-client.ts';
import { compose, hubWithClient, newKey, randomAddress } from './support.ts';

async function fundedKey(hub: { faucet(a: string, n: number): Promise<string>; stabilize(): void }) {
  const key = newKey();
  await hub.faucet(key.address, 1_000_000);
  hub.stabilize();
  return key;
}

function isHubError(kind: HubError['kind'], message?: string) {
  return (e: unknown) => e instanceof HubError && e.kind === kind && (message === undefined || e.message === message);
}

test('a connection dropped while posting: the client reconnects and the retried post is accepted', async (t) => {
  const { hub, client } = await hubWithClient(t);
  const payer = await fundedKey(hub);
  const unit = await compose(client, hub, payer, [{ address: randomAddress(), amount: 5000 }]);
  hub.faults.dropOnRequest('post_joint');
  const failure = await client.postJoint({ unit }).then(
    () => assert.fail('the post should not be answered'),
    (e: unknown) => e,
  );
  assert.ok(isHubError('disconnected')(failure));
  assert.ok(isTransientHubError((failure as HubError).message));
  assert.equal(hub.getJoint(unit.unit!), null, 'the hub never saw the unit');
  assert.equal(await client.postJoint({ unit }), 'accepted');
});

test('the next connections are dropped: requests wait for the client to get through', async (t) => {
  const { hub, client } = await hubWithClient(t);
  hub.faults.dropNextConnections(2);
  let disconnections = 0;
  client.on('disconnected', () => disconnections++);
  const reconnected = once(client, 'connected');
  hub.faults.disconnectAll();
  await once(client, 'disconnected');
  const witnesses = await client.getWitnesses();
  assert.equal(witnesses.length, 12);
  await reconnected;
  assert.equal(disconnections, 3, 'the dropped connection, then two refused attempts');
});

test('injected post_joint errors are transient refusals; the same unit is accepted afterwards', async (t) => {
  const { hub, client } = await hubWithClient(t);
  const payer = await fundedKey(hub);
  const unit = await compose(client, hub, payer, [{ address: randomAddress(), amount: 5000 }]);
  const tpsRefusal = `tps fee on address ${payer.address} must be at least 500, found ${unit.tps_fee}`;
  hub.faults.failNextPosts(1, 'unknown parents');
  hub.faults.failNextPosts(1, tpsRefusal);
  for (const text of ['unknown parents', tpsRefusal]) {
    await assert.rejects(client.postJoint({ unit }), isHubError('response', text));
    assert.ok(isTransientHubError(text));
  }
  assert.equal(await client.postJoint({ unit }), 'accepted');
});

test('stalled requests time out on the client; latency is added to every answer', async (t) => {
  const { hub, client } = await hubWithClient(t);
  hub.faults.stallNext('get_witnesses');
  await assert.rejects(client.request('get_witnesses', undefined, { timeoutMs: 150 }), isHubError('timeout'));
  assert.equal((await client.getWitnesses()).length, 12);

  hub.faults.delayMs = 120;
  const started = Date.now();
  await client.getWitnesses();
  assert.ok(Date.now() - started >= 115);
  hub.faults.reset();
  assert.equal(hub.faults.delayMs, 0);
  assert.throws(() => hub.faults.failNextPosts(-1, 'x'));
});
