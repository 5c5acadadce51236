import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { getJsonSourceString, getSourceString } from '../../src/obyte/source-string.ts';

type Outcome = { output: string } | { throws: string };
interface Case {
  id: string;
  input?: unknown;
  input_js?: string;
  getJsonSourceString: Outcome;
  getSourceString: Outcome;
  getJsonSourceString_bAllowEmpty?: Outcome;
}

const vectors = JSON.parse(readFileSync(new URL('../fixtures/vectors/source-strings.json', import.meta.url), 'utf8')) as {
  cases: Case[];
};

// Values JSON cannot hold; the vector file names them by their JS expression.
const JS_INPUTS: Record<string, unknown> = {
  NaN: NaN,
  '{n: Infinity}': { n: Infinity },
  '{a: undefined}': { a: undefined },
  '-0': -0,
};

function inputOf(c: Case): unknown {
  if (c.input_js === undefined) return c.input;
  assert.ok(c.input_js in JS_INPUTS, `no JS value for input_js ${c.input_js}`);
  return JS_INPUTS[c.input_js];
}

function check(id: string, outcome: Outcome, run: () => string): void {
  if ('output' in outcome) assert.equal(run(), outcome.output, id);
  else assert.throws(run, (e: unknown) => e instanceof Error && e.message === outcome.throws, id);
}

test(`source-strings.json: all ${vectors.cases.length} cases, both serialisations, with ocore's error texts`, (t) => {
  let checks = 0;
  for (const c of vectors.cases) {
    const value = inputOf(c);
    check(`${c.id} json`, c.getJsonSourceString, () => getJsonSourceString(value));
    check(`${c.id} legacy`, c.getSourceString, () => getSourceString(value));
    checks += 2;
    if (c.getJsonSourceString_bAllowEmpty) {
      check(`${c.id} json allowEmpty`, c.getJsonSourceString_bAllowEmpty, () => getJsonSourceString(value, true));
      checks++;
    }
  }
  assert.equal(vectors.cases.length, 26);
  assert.equal(checks, 55);
  t.diagnostic(`${checks} checks`);
});

test('a BigInt is refused by both serialisations', () => {
  assert.throws(() => getJsonSourceString({ a: 1n }), TypeError);
  assert.throws(() => getSourceString({ a: 1n }), TypeError);
});

// JSON values ocore accepts: no null, no empty containers (keys may be any string).
const acceptedJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'binary' }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.boolean(),
    fc.array(tie('value'), { minLength: 1, maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'binary' }), tie('value'), { minKeys: 1, maxKeys: 4 }),
  ),
})).value;

test('property: the JSON source string parses back to the same value, whatever the key order', () => {
  fc.assert(
    fc.property(acceptedJson, (value) => {
      const source = getJsonSourceString(value);
      assert.deepEqual(JSON.parse(source), JSON.parse(JSON.stringify(value)));
      assert.equal(getJsonSourceString(JSON.parse(source)), source);
    }),
    { numRuns: 300 },
  );
});

test('property: the JSON source string contains no surrogate code unit, paired or lone', () => {
  fc.assert(
    fc.property(acceptedJson, (value) => {
      assert.ok(!/[\ud800-\udfff]/.test(getJsonSourceString(value)));
    }),
    { numRuns: 300 },
  );
});

test('property: both serialisations ignore the insertion order of keys', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string({ unit: 'grapheme' }).filter((k) => !k.includes('\u0000')), fc.integer(), { minKeys: 1, maxKeys: 8 }), (record) => {
      const reversed = Object.fromEntries(Object.entries(record).reverse());
      assert.equal(getJsonSourceString(reversed), getJsonSourceString(record));
      assert.equal(getSourceString(reversed), getSourceString(record));
    }),
    { numRuns: 200 },
  );
});
