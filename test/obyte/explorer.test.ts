import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explorerAddressUrl, explorerUnitUrl } from '../../src/obyte/explorer.ts';

test('explorer links in the forms the explorers serve; none on a devnet', () => {
  const address = 'KSCCYOEMOMUMJXROLK4HWLTJBWFXICRB';
  assert.equal(explorerAddressUrl('livenet', address), `https://explorer.obyte.org/address/${address}`);
  assert.equal(explorerAddressUrl('testnet', address), `https://testnetexplorer.obyte.org/address/${address}`);
  assert.equal(explorerAddressUrl('devnet', address), null);
  // a unit hash is base64: its + and / are escaped in the path
  assert.equal(explorerUnitUrl('livenet', 'IBElUTwy7BB1clADhIUICbApYxlkLZzFOUajrO6k1d0='), 'https://explorer.obyte.org/IBElUTwy7BB1clADhIUICbApYxlkLZzFOUajrO6k1d0%3D');
  assert.equal(explorerUnitUrl('testnet', 'a+b/c='), 'https://testnetexplorer.obyte.org/a%2Bb%2Fc%3D');
  assert.equal(explorerUnitUrl('devnet', 'a+b/c='), null);
});
