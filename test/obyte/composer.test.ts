import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { addressFromPubkey, definitionFromPubkey } from '../../src/obyte/address.ts';
import { composePayment, type ComposePaymentOptions } from '../../src/obyte/composer.ts';
import { NETWORK_PARAMS } from '../../src/obyte/constants.ts';
import { getHeadersSize, getOversizeFee, getTotalPayloadSize } from '../../src/obyte/length.ts';
import { publicKeyOf, verify } from '../../src/obyte/signature.ts';
import type { Definition, Output, ParentsProps, PaymentMessage, TransferInput, Unit } from '../../src/obyte/types.ts';
import { getMessagePayloadHash, getUnitHash, getUnitHashToSign } from '../../src/obyte/unit-hash.ts';

interface SyntheticUnit {
  id: string;
  kind: string;
  version: string;
  signing_key: { privkey_hex: string; pubkey: string; definition: Definition; address: string };
  compose_params: {
    paying_addresses: string[];
    address_already_known_to_network: boolean;
    requested_outputs: Output[];
    inputs: TransferInput[];
    input_amount: number;
    send_all: boolean;
    light_vendor_response: ParentsProps;
  };
  unit: Unit;
  expected: {
    headers_commission: number;
    payload_commission: number;
    tps_fee: number;
    balance: { input_amount: number; total_outputs: number; oversize_fee: number; balanced: boolean };
  };
}

const synthetic = (
  JSON.parse(readFileSync(new URL('../fixtures/vectors/units.json', import.meta.url), 'utf8')) as { units: SyntheticUnit[] }
).units.filter((u) => u.kind === 'synthetic');

const PARAMS_BY_VERSION: Record<string, { version: string; alt: string }> = {
  [NETWORK_PARAMS.livenet.version]: NETWORK_PARAMS.livenet,
  [NETWORK_PARAMS.testnet.version]: NETWORK_PARAMS.testnet,
};

/** The vectors give only the inputs' total; any split of it composes the same unit. */
function withAmounts(inputs: TransferInput[], total: number): Array<TransferInput & { amount: number }> {
  return inputs.map((input, i) => ({ ...input, amount: i === 0 ? total - (inputs.length - 1) : 1 }));
}

function optionsOf(v: SyntheticUnit): ComposePaymentOptions {
  const p = v.compose_params;
  const change = p.requested_outputs.filter((o) => o.amount === 0);
  assert.equal(change.length, 1, `${v.id}: one change placeholder`);
  const payees = p.requested_outputs.filter((o) => o.amount > 0);
  const params = PARAMS_BY_VERSION[v.version];
  assert.ok(params, v.version);
  return {
    params,
    author: {
      address: p.paying_addresses[0]!,
      privateKey: new Uint8Array(Buffer.from(v.signing_key.privkey_hex, 'hex')),
      ...(p.address_already_known_to_network ? {} : { definition: v.signing_key.definition }),
    },
    inputs: withAmounts(p.inputs, p.input_amount),
    outputs: p.send_all ? [change[0]!, ...payees] : payees,
    changeAddress: change[0]!.address,
    sendAll: p.send_all,
    props: p.light_vendor_response,
  };
}

test(`units.json: composePayment rebuilds all ${synthetic.length} ocore-composed units byte for byte`, (t) => {
  for (const v of synthetic) {
    const result = composePayment(optionsOf(v));
    assert.ok(result.ok, v.id);
    assert.equal(JSON.stringify(result.unit), JSON.stringify(v.unit), `${v.id}: same JSON, same key order`);
    assert.equal(result.fees.headers, v.expected.headers_commission);
    assert.equal(result.fees.payload, v.expected.payload_commission);
    assert.equal(result.fees.tps, v.expected.tps_fee);
    assert.equal(result.fees.oversize, undefined);
    const change = v.compose_params.send_all
      ? 0
      : (result.unit.messages[0] as PaymentMessage).payload.outputs.find((o) => o.address === optionsOf(v).changeAddress)!.amount;
    assert.equal(result.change, change);
    t.diagnostic(`${v.id}: ${result.unit.unit}`);
  }
  assert.equal(synthetic.length, 6);
  assert.deepEqual(synthetic.map((v) => v.version).sort(), ['4.0', '4.0', '4.0', '4.0', '4.0', '4.0t']);
});

// ---- our own compositions, checked against the rules ocore's validation applies ----

const privateKey = new Uint8Array(createHash('sha256').update('obyte-cashback/test/composer').digest());
const pubkey = publicKeyOf(privateKey);
const hotAddress = addressFromPubkey(pubkey);
const hashOf = (label: string): string => createHash('sha256').update(label).digest('base64');
const addressOf = (label: string): string => addressFromPubkey(Buffer.concat([Buffer.of(2), createHash('sha256').update(label).digest()]).toString('base64'));

const props: ParentsProps = {
  parent_units: [hashOf('parent 1'), hashOf('parent 2')].sort(),
  last_stable_mc_ball: hashOf('last ball'),
  last_stable_mc_ball_unit: hashOf('last ball unit'),
  last_stable_mc_ball_mci: 14_000_000,
  timestamp: 1_800_000_000,
  tps_fee: 25,
};

function inputsOf(amounts: number[]): Array<TransferInput & { amount: number }> {
  return amounts.map((amount, i) => ({ unit: hashOf(`input ${i}`), message_index: i % 3, output_index: i % 5, amount }));
}

function payees(n: number, amount = (i: number) => 1000 + i): Output[] {
  return Array.from({ length: n }, (_, i) => ({ address: addressOf(`payee ${i}`), amount: amount(i) }));
}

/** The checks of validation.js that concern a composed payment, and the fee equation. */
function assertValidPayment(unit: Unit, totalInput: number): void {
  const message = unit.messages[0] as PaymentMessage;
  assert.equal(unit.unit, getUnitHash(unit), 'unit hash');
  assert.equal(message.payload_hash, getMessagePayloadHash(message, unit.version), 'payload hash');
  assert.equal(unit.headers_commission, getHeadersSize(unit), 'headers commission');
  assert.equal(unit.payload_commission, getTotalPayloadSize(unit), 'payload commission');
  assert.equal(unit.oversize_fee ?? 0, getOversizeFee(unit), 'oversize fee');
  assert.ok(verify(getUnitHashToSign(unit), unit.authors[0]!.authentifiers!.r!, pubkey), 'signature');
  const outputs = message.payload.outputs;
  assert.ok(outputs.length <= 128);
  let previous = { address: '', amount: 0 };
  for (const o of outputs) {
    assert.ok(Number.isSafeInteger(o.amount) && o.amount > 0, 'positive integer amount');
    assert.ok(previous.address <= o.address, 'output addresses not sorted');
    assert.ok(previous.address !== o.address || previous.amount <= o.amount, 'output amounts for same address not sorted');
    previous = o;
  }
  const totalOutput = outputs.reduce((s, o) => s + o.amount, 0);
  const fees = unit.headers_commission! + unit.payload_commission! + unit.tps_fee! + (unit.oversize_fee ?? 0);
  assert.equal(totalInput, totalOutput + fees, 'inputs and outputs balance');
}

function compose(outputs: Output[], inputAmounts: number[], extra: Partial<ComposePaymentOptions> = {}) {
  return composePayment({
    params: NETWORK_PARAMS.livenet,
    author: { address: hotAddress, privateKey },
    inputs: inputsOf(inputAmounts),
    outputs,
    changeAddress: hotAddress,
    props,
    ...extra,
  });
}

for (const n of [1, 10, 127]) {
  test(`${n} payee(s) plus change: valid, balanced, signed`, () => {
    const total = 10_000_000;
    const result = compose(payees(n), [total - 1_000_000, 1_000_000]);
    assert.ok(result.ok);
    assertValidPayment(result.unit, total);
    const outputs = (result.unit.messages[0] as PaymentMessage).payload.outputs;
    assert.equal(outputs.length, n + 1);
    assert.equal(outputs.find((o) => o.address === hotAddress)!.amount, result.change);
    assert.equal(result.unit.authors[0]!.definition, undefined);
  });
}

test('127 payees from 128 inputs reach the oversize threshold and pay the oversize fee', () => {
  const amounts = Array.from({ length: 128 }, () => 1_000_000);
  const result = compose(payees(127), amounts);
  assert.ok(result.ok);
  assert.ok(result.unit.headers_commission! + result.unit.payload_commission! > 10_000);
  assert.ok(result.fees.oversize! > 0);
  assert.equal(result.unit.oversize_fee, result.fees.oversize);
  assertValidPayment(result.unit, 128_000_000);
});

test('the first unit of an address carries its definition and pays for it in the header', () => {
  const definition = definitionFromPubkey(pubkey);
  const plain = compose(payees(1), [500_000]);
  const first = compose(payees(1), [500_000], { author: { address: hotAddress, privateKey, definition } });
  assert.ok(plain.ok && first.ok);
  assert.deepEqual(first.unit.authors[0]!.definition, definition);
  assert.ok(first.fees.headers > plain.fees.headers);
  assertValidPayment(first.unit, 500_000);
});

test('send-all: everything minus the fees goes to outputs[0], no change output', () => {
  const target = addressOf('claimer');
  const result = compose([{ address: target, amount: 0 }], [700_000, 300_000], { sendAll: true, changeAddress: '' });
  assert.ok(result.ok);
  const outputs = (result.unit.messages[0] as PaymentMessage).payload.outputs;
  assert.equal(outputs.length, 1);
  assert.equal(outputs[0]!.address, target);
  assert.equal(result.change, 0);
  assertValidPayment(result.unit, 1_000_000);
  const withAnother = compose([{ address: target, amount: 0 }, ...payees(2)], [1_000_000], { sendAll: true });
  assert.ok(withAnother.ok);
  assertValidPayment(withAnother.unit, 1_000_000);
  assert.equal((withAnother.unit.messages[0] as PaymentMessage).payload.outputs.length, 3);
});

test('two payouts of the same amount to the same address stay two outputs and the unit is valid', () => {
  const twin = { address: addressOf('twin'), amount: 5000 };
  const result = compose([twin, payees(1)[0]!, { ...twin }], [100_000]);
  assert.ok(result.ok);
  assertValidPayment(result.unit, 100_000);
  const outputs = (result.unit.messages[0] as PaymentMessage).payload.outputs;
  assert.equal(outputs.filter((o) => o.address === twin.address && o.amount === twin.amount).length, 2);
});

test('not enough funds is a value that names the exact least input', () => {
  const outputs = payees(3);
  const failed = compose(outputs, [3000]);
  assert.ok(!failed.ok);
  assert.equal(failed.error, 'not enough funds');
  assert.equal(failed.available, 3000);
  // the fees do not depend on the amounts, so `required` is exact: one byte less fails, that much succeeds
  const exact = compose(outputs, [failed.required]);
  assert.ok(exact.ok);
  assert.equal(exact.change, 1);
  assertValidPayment(exact.unit, failed.required);
  const short = compose(outputs, [failed.required - 1]);
  assert.ok(!short.ok);
  assert.equal(short.required, failed.required);
  const sendAllShort = compose([{ address: hotAddress, amount: 0 }], [100], { sendAll: true });
  assert.ok(!sendAllShort.ok);
});

test('caller bugs throw: too many payees, bad addresses, repeated inputs, non-integer amounts', () => {
  assert.throws(() => compose(payees(128), [10_000_000]), /more than 127 outputs/);
  assert.throws(() => compose([{ address: 'not an address', amount: 10 }], [10_000]), /invalid output address/);
  assert.throws(() => compose([{ address: hotAddress.toLowerCase(), amount: 10 }], [10_000]), /invalid output address/);
  assert.throws(() => compose(payees(1, () => 1.5), [10_000]), /amount must be an integer/);
  assert.throws(() => compose(payees(1, () => 0), [10_000]), /amount must be an integer/);
  assert.throws(() => compose(payees(1), []), /no inputs/);
  const input = inputsOf([5000])[0]!;
  assert.throws(
    () => composePayment({ params: NETWORK_PARAMS.livenet, author: { address: hotAddress, privateKey }, inputs: [input, input], outputs: payees(1), changeAddress: hotAddress, props }),
    /given twice/,
  );
  assert.throws(() => compose(payees(1), [10_000], { changeAddress: 'x' }), /invalid change address/);
});

test('property: for random payee sets, inputs = outputs + headers + payload + tps (+ oversize), and the unit validates', () => {
  const payeeSet = fc.array(fc.record({ label: fc.nat(40), amount: fc.integer({ min: 1, max: 1e12 }) }), { minLength: 1, maxLength: 127 });
  fc.assert(
    fc.property(payeeSet, fc.integer({ min: 1, max: 128 }), fc.nat(1000), (set, inputCount, tpsFee) => {
      const outputs = set.map((p) => ({ address: addressOf(`payee ${p.label}`), amount: p.amount }));
      const totalOut = outputs.reduce((s, o) => s + o.amount, 0);
      const perInput = Math.ceil((totalOut + 200_000) / inputCount);
      const amounts = Array.from({ length: inputCount }, () => perInput);
      const result = composePayment({
        params: NETWORK_PARAMS.livenet,
        author: { address: hotAddress, privateKey },
        inputs: inputsOf(amounts),
        outputs,
        changeAddress: hotAddress,
        props: { ...props, tps_fee: tpsFee },
      });
      const totalInput = perInput * inputCount;
      if (!result.ok) {
        assert.ok(result.required > totalInput);
        return;
      }
      assertValidPayment(result.unit, totalInput);
      assert.equal(totalInput, totalOut + result.change + result.fees.headers + result.fees.payload + result.fees.tps + (result.fees.oversize ?? 0));
    }),
    { numRuns: 40 },
  );
});
