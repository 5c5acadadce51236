import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HubError } from '../../src/obyte/hub-client.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { hubWithClient, randomAddress } from './support.ts';

test('data feeds: posted by the oracle in validated units, read back with ocore semantics', async (t) => {
  const { hub, client } = await hubWithClient(t, { oracle: { feeds: { GBYTE_USD: 20.5, BTC_USD: 60000, LABEL: 'abc' } } });
  const oracles = [hub.oracleAddress];
  assert.equal(await client.getDataFeed({ oracles, feed_name: 'GBYTE_USD' }), 20.5);
  assert.equal(await client.getDataFeed({ oracles, feed_name: 'BTC_USD' }), 60000);
  assert.equal(await client.getDataFeed({ oracles, feed_name: 'LABEL' }), 'abc');
  assert.equal(await client.getDataFeed({ oracles, feed_name: 'GBYTE_USD', type: 'string' }), '20.5');

  const unit = (await client.getDataFeed({ oracles, feed_name: 'GBYTE_USD', what: 'unit' })) as string;
  const joint = hub.getJoint(unit)!;
  assert.deepEqual(joint.unit.authors.map((a) => a.address), [hub.oracleAddress]);
  assert.equal(joint.unit.messages[0]!.app, 'data_feed');
  // fractional numbers travel as strings in data_feed messages
  assert.deepEqual(joint.unit.messages[0]!.payload, { GBYTE_USD: '20.5', BTC_USD: 60000, LABEL: 'abc' });

  await hub.setFeed('GBYTE_USD', 21);
  assert.equal(await client.getDataFeed({ oracles, feed_name: 'GBYTE_USD' }), 21);
  assert.equal(await client.getDataFeed({ oracles, feed_name: 'GBYTE_USD', feed_value: '20.5', what: 'unit' }), unit);

  const refused = async (params: unknown, text: string) =>
    assert.rejects(client.request('light/get_data_feed', params), (e: unknown) => e instanceof HubError && e.message === text);
  await refused({ oracles, feed_name: 'EUR_USD' }, 'data feed EUR_USD not found');
  assert.equal(await client.getDataFeed({ oracles, feed_name: 'EUR_USD', ifnone: 1.1 }), 1.1);
  await refused({ oracles, feed_name: 'GBYTE_USD', ifseveral: 'abort' }, 'several values found');
  await refused({ oracles: [randomAddress()], feed_name: 'GBYTE_USD' }, 'data feed GBYTE_USD not found');
  await refused({}, 'no params in light/get_data_feed');
  await refused({ feed_name: 'X' }, 'no oracles in readDataFeedValueByParams');
  await refused({ oracles: ['x'], feed_name: 'X' }, 'some oracle addresses are not valid');
  await refused({ oracles, feed_name: '' }, 'empty feed_name or not a string');
  await refused({ oracles, feed_name: 'X', what: 'all' }, 'bad what: all');
  await refused({ oracles, feed_name: 'X', max_mci: 0 }, 'max_mci must be positive integer');
});

test('setFeed refuses what validation refuses', async (t) => {
  const { hub } = await hubWithClient(t);
  await assert.rejects(hub.setFeed('X'.repeat(65), 1), /feed name/i);
});

test('the oracle posts its latest feeds again on its interval, until stopFeeds()', async (t) => {
  const { hub, client } = await hubWithClient(t, { oracle: { feeds: { GBYTE_USD: 8.5 }, intervalMs: 50 } });
  const oracles = [hub.oracleAddress];
  const latest = async () => (await client.getDataFeed({ oracles, feed_name: 'GBYTE_USD', what: 'unit' })) as string;
  const first = await latest();
  await hub.publishFeeds({ GBYTE_USD: '9' });
  const published = await latest();
  // wait for a unit posted on the interval after the one published by hand
  const deadline = Date.now() + 5000;
  while ((await latest()) === published && Date.now() < deadline) await sleep(20);
  hub.stopFeeds();
  const last = await latest();
  assert.ok(last !== first && last !== published, 'posted again on the interval');
  assert.equal(await client.getDataFeed({ oracles, feed_name: 'GBYTE_USD' }), 9, 'the latest value is the one posted again');
  await sleep(200);
  assert.equal(await latest(), last, 'nothing posted after stopFeeds()');
});
