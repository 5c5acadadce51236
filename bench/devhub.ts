// Hub validation per second: how many composed payment units the devhub validates and stores per second.
//   npx tsx bench/devhub.ts [units=500]
// Baseline (same units, same run): the cryptographic floor of validation, i.e. recomputing each unit's hash and
// verifying its signature. Also measured: the same kind of units posted over the wire (post_joint round trips).
// The last line is JSON.
import { randomBytes } from 'node:crypto';
import { addressOfDefinition } from '../src/obyte/address.ts';
import { composePayment } from '../src/obyte/composer.ts';
import { HubClient } from '../src/obyte/hub-client.ts';
import type { KeyPair } from '../src/obyte/keys.ts';
import { verifyText } from '../src/obyte/signature.ts';
import type { ParentsProps, PaymentPayload, Unit } from '../src/obyte/types.ts';
import { getUnitHash, getUnitHashToSignSourceString } from '../src/obyte/unit-hash.ts';
import { keyPairOf } from '../src/devhub/identity.ts';
import { openHubCore, startDevHub, type DevHubOptions, type HubCore } from '../src/devhub/index.ts';

const units = Number(process.argv[2] ?? 500);
const wireUnits = Math.max(1, Math.floor(units / 5));
// tps fees would price a burst of hundreds of units per second out of reach; the bench measures validation
const HUB_OPTIONS: DevHubOptions = { stabilityDelayMs: 3_600_000, tpsFee: { tps_fee_multiplier: 0 } };
const FUNDS = 1_000_000_000_000;

const payee = () => addressOfDefinition(['sig', { pubkey: randomBytes(33).toString('base64') }]);

/** A payer whose definition is already revealed and stable, as a busy hot wallet's is. */
function readyPayer(core: HubCore): KeyPair {
  const payer = keyPairOf(randomBytes(32));
  const funded = core.wallet.pay(core.identity.faucet, [{ address: payer.address, amount: FUNDS }]);
  if (!funded.ok) throw new Error(funded.error);
  core.node.stabilize();
  const first = core.wallet.pay(payer, [{ address: payee(), amount: 1000 }]);
  if (!first.ok) throw new Error(first.error);
  core.node.stabilize();
  return payer;
}

/** A chain of payments, each spending the previous one's change: valid in order against the hub's current state. */
function composeChain(core: HubCore, payer: KeyPair, count: number, outputsPerUnit: number): Unit[] {
  const start = core.node.parents(payer.address);
  const coin = core.store.unspentOutputs(payer.address)[0]!;
  let input = { unit: coin.unit, message_index: coin.message_index, output_index: coin.output_index, amount: coin.amount };
  let props: ParentsProps = start;
  const chain: Unit[] = [];
  for (let i = 0; i < count; i++) {
    const composed = composePayment({
      params: core.node.params,
      author: { address: payer.address, privateKey: payer.privateKey },
      inputs: [input],
      outputs: Array.from({ length: outputsPerUnit }, () => ({ address: payee(), amount: 1000 })),
      changeAddress: payer.address,
      props,
    });
    if (!composed.ok) throw new Error(composed.error);
    const unit = composed.unit;
    chain.push(unit);
    const outputs = (unit.messages[0]!.payload as PaymentPayload).outputs;
    const changeIndex = outputs.findIndex((o) => o.address === payer.address);
    input = { unit: unit.unit!, message_index: 0, output_index: changeIndex, amount: outputs[changeIndex]!.amount };
    props = { ...props, parent_units: [unit.unit!] };
  }
  return chain;
}

function perSecond(count: number, ms: number): number {
  return Math.round((count * 1000) / ms);
}

function baseline(chain: Unit[], pubkey: string): number {
  const started = performance.now();
  for (const unit of chain) {
    if (getUnitHash(unit) !== unit.unit) throw new Error('hash mismatch');
    // the check the devhub makes: the signed text hashed and verified natively
    if (!verifyText(getUnitHashToSignSourceString(unit), unit.authors[0]!.authentifiers!.r!, pubkey)) throw new Error('bad signature');
  }
  return perSecond(chain.length, performance.now() - started);
}

function validateAndApply(core: HubCore, chain: Unit[]): number {
  const started = performance.now();
  for (const unit of chain) {
    const outcome = core.node.post({ unit });
    if (!outcome.ok) throw new Error(`unit refused: ${outcome.error}`);
  }
  return perSecond(chain.length, performance.now() - started);
}

async function overTheWire(count: number): Promise<number> {
  const hub = await startDevHub({ ...HUB_OPTIONS, port: 0 });
  const client = new HubClient({ url: hub.url });
  try {
    await client.connect();
    const payer = keyPairOf(randomBytes(32));
    await hub.faucet(payer.address, FUNDS);
    hub.stabilize();
    const witnesses = await client.getWitnesses();
    const started = performance.now();
    let coin: { unit: string; message_index: number; output_index: number; amount: number } | null = null;
    for (let i = 0; i < count; i++) {
      const props = await client.getParentsAndLastBall({ witnesses, from_addresses: [payer.address], output_addresses: [payer.address] });
      if (!coin) {
        const picked = await client.pickDivisibleCoinsForAmount({ addresses: [payer.address], last_ball_mci: props.last_stable_mc_ball_mci, amount: 10_000 });
        coin = { ...picked.inputs_with_proofs[0]!.input, amount: picked.total_amount };
      }
      const composed = composePayment({
        params: hub.params,
        author: { address: payer.address, privateKey: payer.privateKey, ...(i === 0 ? { definition: payer.definition } : {}) },
        inputs: [coin],
        outputs: [{ address: payee(), amount: 1000 }],
        changeAddress: payer.address,
        props,
      });
      if (!composed.ok) throw new Error(composed.error);
      await client.postJoint({ unit: composed.unit });
      if (i === 0) hub.stabilize(); // the first unit revealed the definition
      const outputs = (composed.unit.messages[0]!.payload as PaymentPayload).outputs;
      const changeIndex = outputs.findIndex((o) => o.address === payer.address);
      coin = { unit: composed.unit.unit!, message_index: 0, output_index: changeIndex, amount: outputs[changeIndex]!.amount };
    }
    return perSecond(count, performance.now() - started);
  } finally {
    await client.close();
    await hub.close();
  }
}

const results: Record<string, number> = { units };
for (const outputsPerUnit of [1, 127]) {
  const core = openHubCore(HUB_OPTIONS);
  try {
    const payer = readyPayer(core);
    const chain = composeChain(core, payer, units, outputsPerUnit);
    const floor = baseline(chain, payer.pubkey);
    const rate = validateAndApply(core, chain);
    console.log(`${outputsPerUnit} payee(s)/unit: validate+apply ${rate} units/s; baseline (hash + signature check) ${floor} units/s`);
    results[`validate_apply_${outputsPerUnit}_per_s`] = rate;
    results[`baseline_hash_verify_${outputsPerUnit}_per_s`] = floor;
  } finally {
    core.close();
  }
}
const wire = await overTheWire(wireUnits);
console.log(`over the wire (parents + compose + post_joint, sequential, ${wireUnits} units): ${wire} units/s`);
results.wire_units = wireUnits;
results.wire_compose_post_per_s = wire;
console.log(JSON.stringify(results));
