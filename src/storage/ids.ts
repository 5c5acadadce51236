import { randomFillSync } from 'node:crypto';

let lastMs = 0;
let counter = 0;

// Random bytes drawn 4 KB at a time: one call per id cost a few percent of the CPU under load.
const pool = Buffer.alloc(4096);
let poolUsed = pool.length;

function random6(): string {
  if (poolUsed + 6 > pool.length) {
    randomFillSync(pool);
    poolUsed = 0;
  }
  poolUsed += 6;
  return pool.toString('hex', poolUsed - 6, poolUsed);
}

/**
 * Prefixed, time-sortable ids (`pur_…`, `pay_…`): readable in logs and ordered by creation. The random tail
 * keeps ids made in the same millisecond by other processes apart.
 */
export function newId(prefix: string, now = Date.now()): string {
  if (now === lastMs) counter++;
  else {
    lastMs = now;
    counter = 0;
  }
  const time = now.toString(36).padStart(9, '0');
  const seq = counter.toString(36).padStart(4, '0');
  return `${prefix}_${time}${seq}${random6()}`;
}
