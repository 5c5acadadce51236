import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import WebSocket from 'ws';
import { isValidAddress } from '../../src/obyte/address.ts';
import { HubError } from '../../src/obyte/hub-client.ts';
import { startDevHub } from '../../src/devhub/index.ts';
import { hubWithClient, newKey, randomAddress } from './support.ts';

type Frame = [string, Record<string, unknown>];

/** A raw socket that records frames, to see exactly what the hub puts on the wire. */
async function rawPeer(url: string) {
  const ws = new WebSocket(url);
  const frames: Frame[] = [];
  const waiters: Array<{ match: (f: Frame) => boolean; resolve: (f: Frame) => void }> = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as Frame;
    frames.push(frame);
    for (const w of [...waiters]) if (w.match(frame)) waiters.splice(waiters.indexOf(w), 1) && w.resolve(frame);
  });
  await once(ws, 'open');
  return {
    ws,
    frames,
    send: (frame: Frame) => ws.send(JSON.stringify(frame)),
    next(match: (f: Frame) => boolean): Promise<Frame> {
      const seen = frames.find(match);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ match, resolve }));
    },
    close: () => ws.terminate(),
  };
}

const isResponse = (tag: string) => (f: Frame) => f[0] === 'response' && f[1].tag === tag;

test('greeting: version, hub/challenge, then a subscribe request', async (t) => {
  const hub = await startDevHub({ port: 0 });
  const peer = await rawPeer(hub.url);
  t.after(async () => {
    peer.close();
    await hub.close();
  });
  const subscribe = await peer.next((f) => f[0] === 'request');
  const [version, challenge] = peer.frames;
  assert.deepEqual(version, [
    'justsaying',
    {
      subject: 'version',
      body: {
        protocol_version: '4.0dev',
        alt: '3',
        library: 'ocore',
        library_version: '0.4.6',
        program: 'obyte-cashback-devhub',
        program_version: '0.1.0',
      },
    },
  ]);
  assert.equal(challenge?.[1].subject, 'hub/challenge');
  assert.equal(Buffer.from(challenge?.[1].body as string, 'base64').length, 30);
  assert.equal(subscribe[1].command, 'subscribe');
  const params = subscribe[1].params as Record<string, unknown>;
  assert.equal(params.library_version, '0.4.6');
  assert.equal(params.last_mci, 1, 'genesis and the oracle funding unit');
  assert.equal(typeof params.subscription_id, 'string');
});

test('request bookkeeping: heartbeat answered without response, tag too long, repeated tag ignored while in progress', async (t) => {
  const hub = await startDevHub({ port: 0 });
  const peer = await rawPeer(hub.url);
  t.after(async () => {
    peer.close();
    await hub.close();
  });
  peer.send(['request', { command: 'heartbeat', tag: 'h1' }]);
  assert.deepEqual(await peer.next(isResponse('h1')), ['response', { tag: 'h1', command: 'heartbeat' }]);

  const longTag = 'x'.repeat(45);
  peer.send(['request', { command: 'get_witnesses', tag: longTag }]);
  assert.deepEqual(await peer.next(isResponse(longTag)), ['response', { tag: longTag, command: 'get_witnesses', response: { error: 'tag too long' } }]);

  hub.faults.delayMs = 100;
  peer.send(['request', { command: 'get_witnesses', tag: 'same' }]);
  peer.send(['request', { command: 'get_witnesses', tag: 'same' }]);
  await peer.next(isResponse('same'));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(peer.frames.filter(isResponse('same')).length, 1, 'the repeat was ignored');
  peer.send(['request', { command: 'get_witnesses', tag: 'same' }]);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(peer.frames.filter(isResponse('same')).length, 2, 'once answered, the tag can be used again');

  peer.send(['request', { command: 'no_such_command', tag: 'u1' }]);
  peer.send(['request', { command: 'heartbeat', tag: 'h2' }]);
  await peer.next(isResponse('h2'));
  assert.equal(peer.frames.filter(isResponse('u1')).length, 0, 'ocore stays silent on unknown commands');
});

test('the hub heartbeats a silent peer and drops it when the heartbeat goes unanswered', async (t) => {
  const hub = await startDevHub({ port: 0, heartbeatMs: 80, heartbeatTimeoutMs: 200 });
  const peer = await rawPeer(hub.url);
  t.after(async () => {
    peer.close();
    await hub.close();
  });
  const heartbeat = await peer.next((f) => f[0] === 'request' && f[1].command === 'heartbeat');
  assert.equal(heartbeat[1].params, undefined);
  const [code] = await once(peer.ws, 'close');
  assert.equal(code, 1006, 'terminated');
});

test('get_witnesses, get_last_stable_unit_props and hub/get_exchange_rates', async (t) => {
  const { hub, client } = await hubWithClient(t, { exchangeRates: { GBYTE_USD: 21.5, BTC_USD: 60000 } });
  const witnesses = await client.getWitnesses();
  assert.equal(witnesses.length, 12);
  assert.ok(witnesses.every(isValidAddress));
  assert.deepEqual([...witnesses].sort(), witnesses);
  assert.ok(witnesses.includes(hub.faucetAddress) && witnesses.includes(hub.oracleAddress));

  const props = await client.request<{ unit: string; main_chain_index: number; timestamp: number }>('get_last_stable_unit_props');
  assert.equal(props.main_chain_index, 1);
  assert.ok(hub.getJoint(props.unit)?.ball);

  assert.deepEqual(await client.getExchangeRates(), { GBYTE_USD: 21.5, BTC_USD: 60000 });
  hub.setExchangeRates({ GBYTE_USD: 22 });
  assert.deepEqual(await client.getExchangeRates(), { GBYTE_USD: 22 });
});

test('parents: a v4 answer, and ocore error texts for bad params', async (t) => {
  const { hub, client } = await hubWithClient(t);
  const witnesses = await client.getWitnesses();
  const from = newKey().address;
  const before = Math.round(Date.now() / 1000);
  const props = await client.getParentsAndLastBall({ witnesses, from_addresses: [from], output_addresses: [randomAddress()] });
  assert.deepEqual(Object.keys(props).sort(), [
    'count_primary_aa_triggers',
    'last_stable_mc_ball',
    'last_stable_mc_ball_mci',
    'last_stable_mc_ball_unit',
    'parent_units',
    'timestamp',
    'tps_fee',
  ]);
  assert.ok(props.timestamp >= before && props.timestamp <= before + 2);
  assert.deepEqual(props.parent_units, [...props.parent_units].sort());
  assert.equal(hub.getJoint(props.last_stable_mc_ball_unit)?.ball, props.last_stable_mc_ball);
  assert.ok(Number.isSafeInteger(props.tps_fee) && props.tps_fee > 0);

  const refusal = async (params: unknown, text: string) =>
    assert.rejects(client.request('light/get_parents_and_last_ball_and_witness_list_unit', params), (e: unknown) => {
      assert.ok(e instanceof HubError);
      assert.equal(e.message, text);
      return true;
    });
  const out = [randomAddress()];
  await refusal(undefined, 'no params in get_parents_and_last_ball_and_witness_list_unit');
  await refusal({ witnesses: witnesses.slice(1), from_addresses: [from], output_addresses: out }, 'wrong number of witnesses');
  await refusal({ witnesses: [...witnesses.slice(1), 'bad'], from_addresses: [from], output_addresses: out }, 'bad witness addresses');
  await refusal({ witnesses, from_addresses: [from], output_addresses: out, max_aa_responses: 11 }, 'bad max_aa_responses');
  await refusal({ witnesses, output_addresses: out }, 'bad from addresses');
  await refusal({ witnesses, from_addresses: [from.toLowerCase()], output_addresses: out }, 'bad from addresses');
  await refusal({ witnesses, from_addresses: [from], output_addresses: [] }, 'bad output addresses');
  await refusal({ witnesses, from_addresses: [from] }, 'no output addresses');
  // without witnesses the hub uses its own
  const own = await client.request('light/get_parents_and_last_ball_and_witness_list_unit', { from_addresses: [from], output_addresses: out });
  assert.equal((own as { last_stable_mc_ball_mci: number }).last_stable_mc_ball_mci, 1);
});
