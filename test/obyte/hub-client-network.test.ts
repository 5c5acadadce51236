// The client's check of the hub's network: ocore's `version` justsaying (protocol version and alt) before any request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { WebSocketServer } from 'ws';
import { HubClient, HubError, versionMismatch } from '../../src/obyte/hub-client.ts';
import { NETWORK_PARAMS } from '../../src/obyte/constants.ts';
import { startDevHub } from '../../src/devhub/index.ts';

test('versionMismatch: the alt must match and the version be one the network supports (ocore supported_versions)', () => {
  assert.equal(versionMismatch({ protocol_version: '4.0', alt: '1' }, NETWORK_PARAMS.livenet), null);
  assert.equal(versionMismatch({ protocol_version: '3.0', alt: '1' }, NETWORK_PARAMS.livenet), null);
  assert.equal(versionMismatch({ protocol_version: '4.0t', alt: '2' }, NETWORK_PARAMS.testnet), null);
  assert.equal(versionMismatch({ protocol_version: '4.0dev', alt: '3' }, NETWORK_PARAMS.devnet), null);
  assert.match(versionMismatch({ protocol_version: '4.0dev', alt: '3' }, NETWORK_PARAMS.livenet)!, /protocol 4\.0dev, alt 3; expected 4\.0, alt 1/);
  assert.match(versionMismatch({ protocol_version: '4.0t', alt: '1' }, NETWORK_PARAMS.livenet)!, /expected 4\.0, alt 1/);
  assert.match(versionMismatch({ protocol_version: '4.0', alt: '2' }, NETWORK_PARAMS.testnet)!, /expected 4\.0t, alt 2/);
  assert.match(versionMismatch({}, NETWORK_PARAMS.livenet)!, /did not say/);
});

test('a hub of another network is refused: connect and requests fail with kind refused', async (t) => {
  const hub = await startDevHub({ port: 0, params: NETWORK_PARAMS.devnet });
  const client = new HubClient({ url: hub.url, requestTimeoutMs: 2000, reconnectMinMs: 5000, network: NETWORK_PARAMS.livenet });
  t.after(async () => {
    await client.close();
    await hub.close();
  });
  const refusedEvent = once(client, 'refused');
  await assert.rejects(client.connect(), (e: unknown) => e instanceof HubError && e.kind === 'refused' && /alt 3/.test(e.message));
  assert.match(((await refusedEvent) as [string])[0], /expected 4\.0, alt 1/);
  assert.equal(client.connected, false);
  assert.match(client.refused!, /alt 3/);
  await assert.rejects(client.getWitnesses(), (e: unknown) => e instanceof HubError && e.kind === 'refused');
});

test('a hub of the expected network is used as before', async (t) => {
  const hub = await startDevHub({ port: 0, params: NETWORK_PARAMS.devnet });
  const client = new HubClient({ url: hub.url, requestTimeoutMs: 2000, network: NETWORK_PARAMS.devnet });
  t.after(async () => {
    await client.close();
    await hub.close();
  });
  await client.connect();
  assert.equal(client.connected, true);
  assert.equal(client.refused, null);
  assert.equal((await client.getWitnesses()).length, 12);
});

test('no request goes out before the hub has said its version', async (t) => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const received: string[] = [];
  wss.on('connection', (ws) => {
    ws.on('message', (d) => {
      const [type, content] = JSON.parse(d.toString()) as [string, { command: string; tag: string }];
      received.push(content.command);
      if (type === 'request') ws.send(JSON.stringify(['response', { tag: content.tag, response: ['W'] }]));
    });
    setTimeout(() => ws.send(JSON.stringify(['justsaying', { subject: 'version', body: { protocol_version: '4.0', alt: '1' } }])), 300);
  });
  const client = new HubClient({ url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`, network: NETWORK_PARAMS.livenet });
  t.after(async () => {
    await client.close();
    await new Promise<void>((r) => wss.close(() => r()));
  });
  const answer = client.getWitnesses();
  await new Promise((r) => setTimeout(r, 150));
  assert.deepEqual(received, [], 'the socket is open, the version not yet said');
  assert.equal(client.connected, false);
  assert.deepEqual(await answer, ['W']);
  assert.deepEqual(received, ['get_witnesses']);
});

test('a hub found on another network after a reconnect is refused, and accepted again when it is right', async (t) => {
  let hub = await startDevHub({ port: 0, params: NETWORK_PARAMS.devnet });
  const port = hub.port;
  const client = new HubClient({ url: hub.url, requestTimeoutMs: 2000, reconnectMinMs: 50, reconnectMaxMs: 200, network: NETWORK_PARAMS.devnet });
  t.after(async () => {
    await client.close();
    await hub.close();
  });
  await client.connect();
  await hub.close();
  const refused = once(client, 'refused');
  hub = await startDevHub({ port, params: NETWORK_PARAMS.testnet });
  await refused;
  await assert.rejects(client.getWitnesses(), (e: unknown) => e instanceof HubError && e.kind === 'refused');
  await hub.close();
  const back = once(client, 'connected');
  hub = await startDevHub({ port, params: NETWORK_PARAMS.devnet });
  await back;
  assert.equal(client.refused, null);
  assert.equal((await client.getWitnesses()).length, 12);
});
