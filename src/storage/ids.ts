import { randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;

/** Prefixed, time-sortable ids (`pur_…`, `pay_…`): readable in logs and ordered by creation. */
export function newId(prefix: string, now = Date.now()): string {
  if (now === lastMs) counter++;
  else {
    lastMs = now;
    counter = 0;
  }
  const time = now.toString(36).padStart(9, '0');
  const seq = counter.toString(36).padStart(4, '0');
  return `${prefix}_${time}${seq}${randomBytes(6).toString('hex')}`;
}
