// Throughput of composePayment (build, measure, hash, sign) for 1 and 127 payees, against baselines measured in
// the same run: one bare secp256k1 signature, and one sha256 of a source string as long as the unit's.
// Run: npx tsx bench/protocol.ts   (the last line is JSON)
import { createHash } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { addressFromPubkey } from '../src/obyte/address.ts';
import { composePayment, type ComposePaymentOptions } from '../src/obyte/composer.ts';
import { NETWORK_PARAMS } from '../src/obyte/constants.ts';
import { publicKeyOf } from '../src/obyte/signature.ts';
import { getJsonSourceString } from '../src/obyte/source-string.ts';

const RUN_MS = 1500;

function opsPerSecond(fn: () => void): number {
  for (let i = 0; i < 20; i++) fn();
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < RUN_MS) {
    for (let i = 0; i < 10; i++) fn();
    ops += 10;
    elapsed = performance.now() - start;
  }
  return (ops * 1000) / elapsed;
}

const hash = (label: string): Buffer => createHash('sha256').update(label).digest();
const privateKey = new Uint8Array(hash('bench key'));
const address = addressFromPubkey(publicKeyOf(privateKey));

function options(payees: number): ComposePaymentOptions {
  return {
    params: NETWORK_PARAMS.livenet,
    author: { address, privateKey },
    inputs: [{ unit: hash('input').toString('base64'), message_index: 0, output_index: 0, amount: 1e12 }],
    outputs: Array.from({ length: payees }, (_, i) => ({
      address: addressFromPubkey(Buffer.concat([Buffer.of(2), hash(`payee ${i}`)]).toString('base64')),
      amount: 10_000 + i,
    })),
    changeAddress: address,
    props: {
      parent_units: [hash('parent').toString('base64')],
      last_stable_mc_ball: hash('ball').toString('base64'),
      last_stable_mc_ball_unit: hash('ball unit').toString('base64'),
      last_stable_mc_ball_mci: 14_000_000,
      timestamp: 1_800_000_000,
      tps_fee: 10,
    },
  };
}

const signBaseline = opsPerSecond(() => {
  secp256k1.sign(privateKey, privateKey, { prehash: false });
});

const results: Record<string, { composePerSec: number; sha256OfSameSizePerSec: number; sourceStringChars: number; ratioToSign: number; ratioToSha256: number }> = {};
for (const payees of [1, 127]) {
  const opts = options(payees);
  const sample = composePayment(opts);
  if (!sample.ok) throw new Error('bench payment does not compose');
  const source = getJsonSourceString(sample.unit);
  const composePerSec = opsPerSecond(() => {
    composePayment(opts);
  });
  const sha256OfSameSizePerSec = opsPerSecond(() => {
    createHash('sha256').update(source, 'utf8').digest();
  });
  results[`payees_${payees}`] = {
    composePerSec: Math.round(composePerSec),
    sha256OfSameSizePerSec: Math.round(sha256OfSameSizePerSec),
    sourceStringChars: source.length,
    ratioToSign: Number((composePerSec / signBaseline).toFixed(3)),
    ratioToSha256: Number((composePerSec / sha256OfSameSizePerSec).toFixed(5)),
  };
  console.log(
    `${String(payees).padStart(3)} payee(s): ${composePerSec.toFixed(0)} compose+sign/s ` +
      `(${(composePerSec / signBaseline).toFixed(2)}x a bare secp256k1 sign; ` +
      `sha256 of its ${source.length}-char source string: ${sha256OfSameSizePerSec.toFixed(0)}/s)`,
  );
}
console.log(`baseline: ${signBaseline.toFixed(0)} bare secp256k1 signs/s (@noble/curves, prehash false)`);
console.log(JSON.stringify({ bench: 'protocol', node: process.version, runMs: RUN_MS, secp256k1SignPerSec: Math.round(signBaseline), ...results }));
