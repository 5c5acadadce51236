import type { Migration } from 'kysely';
import * as m0001 from './0001_initial.ts';

/** A static map, so migrations work however the code is bundled; names must only ever be appended. */
export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
};
