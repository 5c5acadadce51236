import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import WebSocket from 'ws';
import { HubClient, HubError } from '../../src/obyte/hub-client.ts';
import type { PaymentPayload } from '../../src/obyte/types.ts';
import { startDevHub } from '../../src/devhub/index.ts';
import { startDevHubThread, type DevHubHandle, type DevHubThreadOptions } from '../../src/devhub/thread.ts';
import { compose, newKey, randomAddress } from './support.ts';

async function threadHub(t: TestContext, opts: DevHubThreadOptions = {}): Promise<DevHubHandle> {
  const hub = await startDevHubThread({ port: 0, stabilityDelayMs: 60_000, ...opts });
  t.after(() => hub.close());
  return hub;
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'devhub-thread-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('faucet pays, balance shows it pending, stabilize makes it stable, getJoint serves the unit', async (t) => {
  const hub = await threadHub(t);
  assert.match(hub.url, /^ws:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(hub.url, `ws://127.0.0.1:${hub.port}`);
  assert.equal(hub.witnesses.length, 12);
  const payee = randomAddress();
  const unit = await hub.faucet(payee, 12_345);
  assert.deepEqual(await hub.balance(payee), { stable: 0, pending: 12_345 });
  const pending = await hub.getJoint(unit);
  assert.equal(pending?.unit.unit, unit);
  assert.equal(pending?.ball, undefined);
  const payload = pending!.unit.messages.find((m) => m.app === 'payment')!.payload as PaymentPayload;
  assert.ok(payload.outputs.some((o) => o.address === payee && o.amount === 12_345));

  await hub.stabilize();
  assert.deepEqual(await hub.balance(payee), { stable: 12_345, pending: 0 });
  assert.match((await hub.getJoint(unit))!.ball!, /^[A-Za-z0-9+/]{43}=$/);
  assert.equal(await hub.getJoint('A'.repeat(43) + '='), null);
});

test('a refused faucet call rejects with the hub error text, as the in-thread devhub does', async (t) => {
  const hub = await threadHub(t);
  const local = await startDevHub({ port: 0 });
  t.after(() => local.close());
  const refusal = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof Error);
      return e.message;
    }
    assert.fail('the call was not refused');
  };
  const badAddress = await refusal(hub.faucet('NOTANADDRESS', 1000));
  assert.equal(badAddress, 'invalid output address NOTANADDRESS');
  assert.equal(badAddress, await refusal(local.faucet('NOTANADDRESS', 1000)));
  assert.equal(await refusal(hub.faucet(randomAddress(), 1e16)), `not enough funds on ${hub.faucetAddress}`);
  // the worker goes on answering after a refusal
  assert.deepEqual(await hub.balance(randomAddress()), { stable: 0, pending: 0 });
});

test('a unit posted over ws is validated in the worker: accepted, or refused with the reason', async (t) => {
  const hub = await threadHub(t);
  const client = new HubClient({ url: hub.url, requestTimeoutMs: 5000 });
  t.after(() => client.close());
  await client.connect();
  const payer = newKey();
  await hub.faucet(payer.address, 10_000_000);
  await hub.stabilize();

  const payee = randomAddress();
  const unit = await compose(client, hub, payer, [{ address: payee, amount: 4321 }]);
  assert.equal(await client.postJoint({ unit }), 'accepted');
  assert.equal((await hub.getJoint(unit.unit!))?.unit.unit, unit.unit);
  assert.deepEqual(await hub.balance(payee), { stable: 0, pending: 4321 });

  const forged = await compose(client, hub, payer, [{ address: randomAddress(), amount: 1000 }]);
  const outputs = (forged.messages[0]!.payload as PaymentPayload).outputs;
  outputs[0]!.amount += 1; // after signing: the payload no longer matches its hash
  await assert.rejects(client.postJoint({ unit: forged }), (e: unknown) => e instanceof HubError && e.kind === 'response');
  assert.equal(await hub.getJoint(forged.unit!), null);
});

test('setFeed posts a data feed and setExchangeRates changes what the hub answers', async (t) => {
  const hub = await threadHub(t, { oracle: { feeds: { GBYTE_USD: 20 } }, exchangeRates: { GBYTE_USD: 20 } });
  const client = new HubClient({ url: hub.url, requestTimeoutMs: 5000 });
  t.after(() => client.close());
  await client.connect();
  await hub.setFeed('GBYTE_USD', 21.5);
  await hub.stabilize();
  assert.equal(await client.request('light/get_data_feed', { oracles: [hub.oracleAddress], feed_name: 'GBYTE_USD' }), 21.5);
  await hub.setExchangeRates({ GBYTE_USD: 30 });
  assert.deepEqual(await client.request('hub/get_exchange_rates'), { GBYTE_USD: 30 });
});

test('faults cross the thread: a stalled request times out, reset brings answers back', async (t) => {
  const hub = await threadHub(t);
  const client = new HubClient({ url: hub.url, requestTimeoutMs: 300 });
  t.after(() => client.close());
  await client.connect();
  await hub.faults.stallNext('get_witnesses');
  await assert.rejects(client.getWitnesses(), (e: unknown) => e instanceof HubError && e.kind === 'timeout');
  await hub.faults.stallNext('get_witnesses', 5);
  await hub.faults.reset();
  assert.deepEqual(await client.getWitnesses(), hub.witnesses);
});

test('close ends the worker: the port refuses connections, calls reject, the store is released', async (t) => {
  const dbFile = join(tempDir(t), 'devhub.sqlite');
  const payee = randomAddress();
  // Long enough that the payment is still pending when the store is reopened, however slow the machine.
  const first = await startDevHubThread({ port: 0, dbFile, stabilityDelayMs: 60_000 });
  await first.faucet(payee, 777);
  await first.close();
  await first.close(); // twice is fine
  await assert.rejects(first.balance(payee), /the devhub is closed/);
  const ws = new WebSocket(first.url);
  const [error] = (await once(ws, 'error')) as [NodeJS.ErrnoException];
  assert.equal(error.code, 'ECONNREFUSED');

  const second = await startDevHubThread({ port: 0, dbFile, stabilityDelayMs: 60_000 });
  t.after(() => second.close());
  assert.equal(second.faucetAddress, first.faucetAddress, 'the same store, reopened');
  assert.deepEqual(await second.balance(payee), { stable: 0, pending: 777 });
});

test('a failed start rejects with the error from the worker', async (t) => {
  const dbFile = join(tempDir(t), 'devhub.sqlite');
  const hub = await startDevHubThread({ port: 0, dbFile });
  await assert.rejects(startDevHubThread({ port: hub.port }), /EADDRINUSE/);
  await hub.close();
  await assert.rejects(startDevHubThread({ port: 0, dbFile, params: { version: '4.0t', alt: '2' } }), /the devhub database was created for/);
});

test('a worker that dies is logged, and no call is left hanging', async (t) => {
  const warnings: string[] = [];
  const hub = await threadHub(t, { logger: { info: () => undefined, warn: (m) => warnings.push(m) } });
  // the handle keeps its worker to itself: catch it as the next call posts to it
  let worker: Worker | undefined;
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (this: Worker, ...args: Parameters<Worker['postMessage']>) {
    worker = this;
    return post.apply(this, args);
  };
  try {
    await hub.stabilize();
  } finally {
    Worker.prototype.postMessage = post;
  }
  assert.ok(worker);
  const inFlight = Array.from({ length: 20 }, () => hub.balance(randomAddress()));
  const exited = once(worker, 'exit');
  await worker.terminate();
  await exited;
  const settled = await Promise.allSettled(inFlight);
  for (const s of settled) if (s.status === 'rejected') assert.match(String(s.reason), /devhub worker exited with code 1/);
  await assert.rejects(hub.faucet(randomAddress(), 1000), /devhub worker exited with code 1/);
  assert.deepEqual(warnings, ['devhub worker exited with code 1']);
  await hub.close(); // nothing left to close, and no error
});
