import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

test('the ocore vectors are part of the suite', () => {
  const units = JSON.parse(readFileSync(new URL('./fixtures/vectors/units.json', import.meta.url), 'utf8'));
  assert.equal(units.units.length, 19);
});
