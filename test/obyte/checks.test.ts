import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { isValidBase64, isValidEmail, isValidUnitHash } from '../../src/obyte/checks.ts';

const emails = JSON.parse(readFileSync(new URL('../fixtures/vectors/emails.json', import.meta.url), 'utf8')) as {
  cases: Array<{ value: string; isValidEmail: boolean }>;
};

test(`emails.json: all ${emails.cases.length} isValidEmail verdicts`, () => {
  for (const c of emails.cases) assert.equal(isValidEmail(c.value), c.isValidEmail, JSON.stringify(c.value));
  assert.equal(emails.cases.length, 24);
  assert.equal(emails.cases.filter((c) => c.isValidEmail).length, 9);
});

test('isValidEmail refuses non-strings', () => {
  for (const v of [null, undefined, 42, ['a@b.co'], { email: 'a@b.co' }]) assert.equal(isValidEmail(v), false);
});

test('isValidBase64 accepts only canonical base64, with an optional exact length', () => {
  assert.equal(isValidBase64('aGVsbG8='), true);
  assert.equal(isValidBase64('aGVsbG8=', 8), true);
  assert.equal(isValidBase64('aGVsbG8=', 12), false);
  assert.equal(isValidBase64('aGVsbG8'), false, 'missing padding');
  assert.equal(isValidBase64('aGVsbG9='), false, 'non-zero trailing bits');
  assert.equal(isValidBase64('aGVs bG8='), false);
  assert.equal(isValidBase64('aGVsbG8-'), false, 'base64url alphabet');
  assert.equal(isValidBase64(''), true);
  assert.equal(isValidBase64(null), false);
});

test('isValidUnitHash: 44 characters of canonical base64', () => {
  assert.equal(isValidUnitHash('pdpH5iXTjIMtieN2Fv954OZcORw29XuHYsKGfvH2axg='), true);
  assert.equal(isValidUnitHash('pdpH5iXTjIMtieN2Fv954OZcORw29XuHYsKGfvH2axh='), false);
  assert.equal(isValidUnitHash('pdpH5iXTjIMtieN2Fv954OZcORw29XuHYsKGfvH2ax='), false);
  assert.equal(isValidUnitHash('-'.repeat(44)), false);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
      assert.ok(isValidUnitHash(Buffer.from(bytes).toString('base64')));
    }),
  );
});
