import type { Migration } from 'kysely';
import * as m0001 from './0001_initial.ts';
import * as m0002 from './0002_hot_path_indexes.ts';
import * as m0003 from './0003_fewer_index_writes.ts';
import * as m0004 from './0004_key_derivation.ts';
import * as m0005 from './0005_network_identity.ts';
import * as m0006 from './0006_partner_money_limits.ts';
import * as m0007 from './0007_purchase_rate_sources.ts';

/** A static map, so migrations work however the code is bundled; names must only ever be appended. */
export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_hot_path_indexes': m0002,
  '0003_fewer_index_writes': m0003,
  '0004_key_derivation': m0004,
  '0005_network_identity': m0005,
  '0006_partner_money_limits': m0006,
  '0007_purchase_rate_sources': m0007,
};
