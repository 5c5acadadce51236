// Shared setup for the devhub tests: a hub on a free port, a client connected to it over the wire, and a
// light-wallet style sender (parents → coins → composePayment → post_joint) built only on wire requests.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { TestContext } from 'node:test';
import { addressOfDefinition } from '../../src/obyte/address.ts';
import { composePayment } from '../../src/obyte/composer.ts';
import { HubClient } from '../../src/obyte/hub-client.ts';
import type { KeyPair } from '../../src/obyte/keys.ts';
import type { Output, ParentsProps, PaymentPayload, Unit } from '../../src/obyte/types.ts';
import { keyPairOf } from '../../src/devhub/identity.ts';
import { startDevHub, type DevHub, type DevHubOptions } from '../../src/devhub/index.ts';

export async function hubWithClient(t: TestContext, opts: DevHubOptions = {}): Promise<{ hub: DevHub; client: HubClient }> {
  const hub = await startDevHub({ port: 0, stabilityDelayMs: 60_000, ...opts });
  const client = new HubClient({ url: hub.url, requestTimeoutMs: 5000, reconnectMinMs: 20, reconnectMaxMs: 100 });
  t.after(async () => {
    await client.close();
    await hub.close();
  });
  await client.connect();
  return { hub, client };
}

/** A fresh single-signature key (random: BIP32 derivation in pure JS would slow the tests down). */
export function newKey(): KeyPair {
  return keyPairOf(randomBytes(32));
}

/** A valid address nobody holds the key of: enough for a payee. */
export function randomAddress(): string {
  return addressOfDefinition(['sig', { pubkey: randomBytes(33).toString('base64') }]);
}

export async function compose(
  client: HubClient,
  hub: Pick<DevHub, 'params'>,
  key: KeyPair,
  outputs: Output[],
  opts: { revealDefinition?: boolean; props?: (props: ParentsProps) => ParentsProps } = {},
): Promise<Unit> {
  const witnesses = await client.getWitnesses();
  const hubProps = await client.getParentsAndLastBall({
    witnesses,
    from_addresses: [key.address],
    output_addresses: [...new Set([...outputs.map((o) => o.address), key.address])],
  });
  const props = opts.props ? opts.props(hubProps) : hubProps;
  const total = outputs.reduce((sum, o) => sum + o.amount, 0) + props.tps_fee + 1000 + 60 * outputs.length;
  const picked = await client.pickDivisibleCoinsForAmount({
    addresses: [key.address],
    last_ball_mci: props.last_stable_mc_ball_mci,
    amount: total,
    spend_unconfirmed: 'own',
  });
  if (picked.inputs_with_proofs.length === 0) throw new Error(`no coins for ${total} on ${key.address}`);
  // the hub does not say what each input holds: read it from the source units
  const inputs = await Promise.all(
    picked.inputs_with_proofs.map(async ({ input }) => {
      const answer = await client.getJoint(input.unit);
      if (!('joint' in answer)) throw new Error(`input unit ${input.unit} not found`);
      const payload = answer.joint.unit.messages[input.message_index]!.payload as PaymentPayload;
      return { ...input, amount: payload.outputs[input.output_index]!.amount };
    }),
  );
  let reveal = opts.revealDefinition;
  if (reveal === undefined) reveal = (await client.getDefinitionForAddress(key.address)).definition === undefined;
  const composed = composePayment({
    params: hub.params,
    author: { address: key.address, privateKey: key.privateKey, ...(reveal ? { definition: key.definition } : {}) },
    inputs,
    outputs,
    changeAddress: key.address,
    props,
  });
  if (!composed.ok) throw new Error(`${composed.error}: ${composed.required} > ${composed.available}`);
  return composed.unit;
}

/** Composes and posts; resolves to the unit hash once the hub answers "accepted". */
export async function pay(client: HubClient, hub: Pick<DevHub, 'params'>, key: KeyPair, outputs: Output[]): Promise<string> {
  const unit = await compose(client, hub, key, outputs);
  await client.postJoint({ unit });
  return unit.unit!;
}

export async function nextJustsaying(client: HubClient, subject: string): Promise<unknown> {
  for (;;) {
    const [s, body] = (await once(client, 'justsaying')) as [string, unknown];
    if (s === subject) return body;
  }
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
