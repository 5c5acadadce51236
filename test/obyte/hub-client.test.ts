import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { WebSocketServer, type WebSocket } from 'ws';
import { HubClient, HubError, isTransientHubError, type HubClientOptions } from '../../src/obyte/hub-client.ts';

type Frame = [string, Record<string, unknown>];

/** A scripted hub: records every frame it gets and lets the test answer (or not). */
async function tinyHub(opts: { refuse?: boolean } = {}) {
  const attempts: number[] = [];
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    verifyClient: (_info, cb) => {
      attempts.push(Date.now());
      cb(!opts.refuse, 503);
    },
  });
  await once(wss, 'listening');
  const sockets: WebSocket[] = [];
  const received: Frame[] = [];
  const frameWaiters: Array<{ match: (f: Frame) => boolean; resolve: (f: Frame) => void }> = [];
  const handlers: Array<(ws: WebSocket, f: Frame) => boolean> = [];
  wss.on('connection', (ws) => {
    sockets.push(ws);
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      received.push(frame);
      for (const h of handlers) if (h(ws, frame)) break;
      for (const w of [...frameWaiters]) {
        if (w.match(frame)) {
          frameWaiters.splice(frameWaiters.indexOf(w), 1);
          w.resolve(frame);
        }
      }
    });
  });
  const port = (wss.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    wss,
    sockets,
    received,
    attempts,
    /** answer requests of a command with what `answer` returns; undefined = stay silent */
    onRequest(command: string, answer: (params: unknown) => unknown) {
      handlers.push((ws, [type, content]) => {
        if (type !== 'request' || content.command !== command) return false;
        const response = answer(content.params);
        if (response !== undefined) ws.send(JSON.stringify(['response', { tag: content.tag, command, response }]));
        return true;
      });
    },
    nextFrame(match: (f: Frame) => boolean): Promise<Frame> {
      const seen = received.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => frameWaiters.push({ match, resolve }));
    },
    send(ws: WebSocket, frame: Frame) {
      ws.send(JSON.stringify(frame));
    },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** A tiny hub and a client of it, both closed when the test ends. */
async function hubAndClient(t: TestContext, options: Omit<HubClientOptions, 'url'> = {}, hubOptions?: { refuse?: boolean }) {
  const hub = await tinyHub(hubOptions);
  const client = new HubClient({ url: hub.url, ...options });
  t.after(async () => {
    await client.close();
    await hub.close();
  });
  return { hub, client };
}

async function rejectsWith(promise: Promise<unknown>, kind: HubError['kind'], message?: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof HubError, `expected a HubError, got ${String(error)}`);
    assert.equal(error.kind, kind);
    if (message) assert.match(error.message, message);
    return true;
  });
}

test('framing: requests carry unique tags, responses resolve, {error} rejects with kind response', async (t) => {
  const { hub, client } = await hubAndClient(t, { requestTimeoutMs: 2000 });
  hub.onRequest('get_witnesses', () => ['A', 'B']);
  hub.onRequest('post_joint', () => ({ error: 'unknown parents' }));
  hub.onRequest('light/get_balances', (params) => ({ echo: params }));
  await client.connect();
  assert.equal(client.connected, true);

  const [w1, w2] = await Promise.all([client.getWitnesses(), client.getWitnesses()]);
  assert.deepEqual(w1, ['A', 'B']);
  assert.deepEqual(w2, ['A', 'B']);
  const requests = hub.received.filter(([type]) => type === 'request');
  assert.equal(requests.length, 2);
  const tags = requests.map(([, c]) => c.tag as string);
  assert.notEqual(tags[0], tags[1], 'identical requests still get distinct tags');
  for (const tag of tags) assert.ok(tag.length > 0 && tag.length <= 44);
  assert.deepEqual(Object.keys(requests[0]![1]).sort(), ['command', 'tag'], 'no params key when there are no params');

  assert.deepEqual(await client.getBalances(['X']), { echo: ['X'] });
  const balancesRequest = hub.received.find(([, c]) => c.command === 'light/get_balances');
  assert.deepEqual(balancesRequest?.[1].params, ['X']);

  await rejectsWith(client.postJoint({ unit: {} } as never), 'response', /^unknown parents$/);
});

test('justsayings are emitted with subject and body; the version is remembered', async (t) => {
  const { hub, client } = await hubAndClient(t);
  await client.connect();
  const got = once(client, 'justsaying');
  hub.send(hub.sockets[0]!, ['justsaying', { subject: 'version', body: { protocol_version: '4.0', alt: '1' } }]);
  const [subject, body] = await got;
  assert.equal(subject, 'version');
  assert.deepEqual(body, { protocol_version: '4.0', alt: '1' });
  assert.deepEqual(client.hubVersion, { protocol_version: '4.0', alt: '1' });
  const updates = once(client, 'justsaying');
  hub.send(hub.sockets[0]!, ['justsaying', { subject: 'light/have_updates' }]);
  assert.deepEqual(await updates, ['light/have_updates', undefined]);
});

test('an unanswered request times out (default or per request) and a late answer is ignored', async (t) => {
  const { hub, client } = await hubAndClient(t, { requestTimeoutMs: 60 });
  hub.onRequest('get_joint', () => undefined);
  await client.connect();
  await rejectsWith(client.getJoint('U'), 'timeout', /^timeout: no response to get_joint in 60 ms$/);
  const started = Date.now();
  await rejectsWith(client.request('get_joint', 'V', { timeoutMs: 150 }), 'timeout', /^timeout: no response to get_joint in 150 ms$/);
  assert.ok(Date.now() - started >= 145);
  const [, request] = await hub.nextFrame(([, c]) => c.command === 'get_joint');
  hub.send(hub.sockets[0]!, ['response', { tag: request.tag, command: 'get_joint', response: { joint_not_found: 'U' } }]);
  hub.onRequest('get_witnesses', () => []);
  assert.deepEqual(await client.request('get_witnesses', undefined, { timeoutMs: 2000 }), [], 'the client still works after ignoring the late answer');
});

test("the client answers the hub's heartbeat and refuses its subscribe request", async (t) => {
  const { hub, client } = await hubAndClient(t);
  await client.connect();
  const ws = hub.sockets[0]!;
  hub.send(ws, ['request', { command: 'heartbeat', tag: 'hb-1' }]);
  hub.send(ws, ['request', { command: 'subscribe', tag: 'sub-1', params: { subscription_id: 'x', library_version: '0.4.6' } }]);
  const heartbeat = await hub.nextFrame(([type, c]) => type === 'response' && c.tag === 'hb-1');
  assert.deepEqual(heartbeat, ['response', { tag: 'hb-1', command: 'heartbeat' }]);
  const subscribe = await hub.nextFrame(([type, c]) => type === 'response' && c.tag === 'sub-1');
  assert.deepEqual(subscribe, [
    'response',
    { tag: 'sub-1', command: 'subscribe', response: { error: "I'm light, cannot subscribe you to updates" } },
  ]);
});

test('after an unexpected close: in-flight requests reject, new ones wait and succeed after reconnection', async (t) => {
  const { hub, client } = await hubAndClient(t, { requestTimeoutMs: 3000, reconnectMinMs: 30, reconnectMaxMs: 60 });
  hub.onRequest('get_joint', () => undefined);
  hub.onRequest('get_witnesses', () => ['W']);
  await client.connect();
  const inFlight = client.getJoint('U');
  await hub.nextFrame(([, c]) => c.command === 'get_joint');
  const disconnected = once(client, 'disconnected');
  hub.sockets[0]!.terminate();
  await rejectsWith(inFlight, 'disconnected');
  await disconnected;
  assert.equal(client.connected, false);
  const reconnected = once(client, 'connected');
  const waiting = client.getWitnesses();
  assert.deepEqual(await waiting, ['W']);
  await reconnected;
  assert.equal(hub.sockets.length, 2);
});

test('reconnection backs off exponentially with jitter, up to the maximum', async (t) => {
  const { hub, client } = await hubAndClient(t, { reconnectMinMs: 20, reconnectMaxMs: 160 }, { refuse: true });
  await rejectsWith(client.connect(), 'disconnected', /could not connect/);
  while (hub.attempts.length < 7) await new Promise((r) => setTimeout(r, 20));
  const gaps = hub.attempts.slice(1).map((at, i) => at - hub.attempts[i]!);
  gaps.forEach((gap, n) => {
    const ceiling = Math.min(160, 20 * 2 ** n);
    assert.ok(gap >= ceiling / 2 - 2, `gap ${n} = ${gap} ms, expected at least ${ceiling / 2}`);
    assert.ok(gap <= ceiling + 150, `gap ${n} = ${gap} ms, expected about ${ceiling} at most`);
  });
  assert.ok(gaps[4]! > gaps[0]!, 'later attempts wait longer');
});

test('close() rejects pending requests with kind closed and stops reconnecting', async (t) => {
  const hub = await tinyHub();
  t.after(() => hub.close());
  const client = new HubClient({ url: hub.url, reconnectMinMs: 10, reconnectMaxMs: 20 });
  hub.onRequest('get_joint', () => undefined);
  await client.connect();
  const pending = client.getJoint('U');
  await hub.nextFrame(([, c]) => c.command === 'get_joint');
  const outcome = rejectsWith(pending, 'closed');
  await client.close();
  await outcome;
  await rejectsWith(client.getWitnesses(), 'closed');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(hub.attempts.length, 1, 'no reconnection after close()');
  assert.equal(client.connected, false);
});

test('a silent hub is detected by our heartbeat and the connection is replaced', async (t) => {
  const { hub, client } = await hubAndClient(t, { heartbeatMs: 60, requestTimeoutMs: 150, reconnectMinMs: 10, reconnectMaxMs: 20 });
  await client.connect();
  const heartbeat = await hub.nextFrame(([type, c]) => type === 'request' && c.command === 'heartbeat');
  assert.equal(typeof heartbeat[1].tag, 'string');
  await once(client, 'disconnected');
  await once(client, 'connected');
  assert.equal(hub.sockets.length, 2);
});

test('isTransientHubError tells retryable refusals from final ones', () => {
  for (const message of [
    'unknown parents',
    'tps fee on address ABCDEFGHIJKLMNOPQRSTUVWXYZ234567 must be at least 30, found 11',
    'timestamp is too far into the future',
    'catching up, will not handle posted joint',
    'already handling this unit',
    'last ball just advanced, try again',
    'timeout: no response to post_joint in 30000 ms',
    'disconnected: connection lost before the answer to post_joint',
  ]) {
    assert.equal(isTransientHubError(message), true, message);
  }
  for (const message of [
    'known',
    'inputs and outputs do not balance: 100 != 99',
    'bad signature at path r',
    "you can't send anything before your last definition is stable and before last ball",
    'closed: post_joint cancelled',
    'tps_fee 0 + tps fees balance 0 less than required 22 for address X whose share is 1',
  ]) {
    assert.equal(isTransientHubError(message), false, message);
  }
});
