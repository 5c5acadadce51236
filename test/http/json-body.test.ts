import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseJsonObject } from '../../src/http/json-body.ts';
import { NumberText } from '../../src/domain/purchase-request.ts';

/** The parsed object with NumberText turned into {n: text}, so that deepEqual compares plain values. */
function plain(value: unknown): unknown {
  if (value instanceof NumberText) return { n: value.text };
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

test('the first value of a repeated key wins, at every level', () => {
  assert.deepEqual(plain(parseJsonObject('{"currency_amount":"1","currency_amount":"1000"}')), { currency_amount: '1' });
  assert.deepEqual(plain(parseJsonObject('{"a":{"b":1,"b":2},"a":3}')), { a: { b: { n: '1' } } });
});

test('numbers keep their text exactly as written', () => {
  const parsed = parseJsonObject('{"x":0.12345678900000001,"y":-0,"z":1.5E+300,"w":12345678901234567890}')!;
  assert.deepEqual(plain(parsed), { x: { n: '0.12345678900000001' }, y: { n: '-0' }, z: { n: '1.5E+300' }, w: { n: '12345678901234567890' } });
});

test('"__proto__" is an ordinary key; the object has no prototype', () => {
  const parsed = parseJsonObject('{"__proto__":{"customer":"x"},"constructor":"c"}')!;
  assert.equal(Object.getPrototypeOf(parsed), null);
  assert.ok(Object.hasOwn(parsed, '__proto__'));
  assert.equal(parsed.constructor, 'c');
});

test('strings: escapes, and lone surrogates kept for the request rules to judge', () => {
  assert.deepEqual(plain(parseJsonObject(String.raw`{"s":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00\ud800"}`)), { s: 'a"b\\c/d\b\f\n\r\té😀\ud800' });
  assert.deepEqual(plain(parseJsonObject(' \n{ "a" : [ true , false , null , [] , {} ] }\t')), { a: [true, false, null, [], {}] });
});

test('anything but one complete JSON object is refused', () => {
  const bad = [
    '', ' ', '[]', '"s"', '1', 'null', 'true', '{', '{"a":1', '{"a":1,}', '{"a" 1}', "{'a':1}", '{a:1}', '{"a":01}', '{"a":1.}', '{"a":.5}',
    '{"a":+1}', '{"a":-}', '{"a":1e}', '{"a":0x10}', '{"a":NaN}', '{"a":Infinity}', '{"a":"\u0001"}', '{"a":"\\x"}', '{"a":"\\u12"}',
    '{"a":"\\u12g4"}', '{"a":tru}', '{"a":1}}', '{"a":1} x', '{"a":1}{}', '\ufeff{}', '{"a":[1,]}', '{"a":[,1]}', '{"a":"unterminated}',
    `${'['.repeat(40)}${']'.repeat(40)}`, `{"a":${'['.repeat(5000)}`,
  ];
  for (const text of bad) assert.equal(parseJsonObject(text), null, JSON.stringify(text));
  // deep but within the limit
  assert.ok(parseJsonObject(`{"a":${'['.repeat(30)}${']'.repeat(30)}}`));
});

test('agrees with JSON.parse on every JSON object without repeated keys (numbers aside)', () => {
  const json = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify({ v }));
  fc.assert(
    fc.property(json, (text) => {
      const ours = parseJsonObject(text);
      assert.ok(ours, text);
      const numbersAsValues = (v: unknown): unknown =>
        v instanceof NumberText ? Number(v.text) : Array.isArray(v) ? v.map(numbersAsValues) : v !== null && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, numbersAsValues(x)]))
          : v;
      assert.deepEqual(numbersAsValues(ours), JSON.parse(text));
    }),
    { numRuns: 2000 },
  );
});

test('refuses what JSON.parse refuses', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40, unit: fc.constantFrom(...'{}[]":,0123456789.eE+-tfnrua\\ '.split('')) }), (text) => {
      let valid: boolean;
      try {
        const v: unknown = JSON.parse(text);
        valid = v !== null && typeof v === 'object' && !Array.isArray(v);
      } catch {
        valid = false;
      }
      assert.equal(parseJsonObject(text) !== null, valid, text);
    }),
    { numRuns: 5000 },
  );
});
