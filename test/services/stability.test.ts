import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore, STORE_KINDS, type TestStore } from '../helpers/stores.ts';
import { markStableUnits, type UnitState, type UnitWatch } from '../../src/services/stability.ts';

/** A hub on which the first `stableUpTo` payout units are stable, and the sweeps named. */
class Hub implements UnitWatch {
  asked: string[] = [];
  constructor(
    public stableUpTo: number,
    public stableSweeps: Set<string>,
    public missing: Set<string> = new Set(),
  ) {}
  async unitState(unit: string): Promise<UnitState> {
    this.asked.push(unit);
    if (this.missing.has(unit)) return 'missing';
    if (unit.startsWith('P')) return Number(unit.slice(1)) < this.stableUpTo ? 'stable' : 'unstable';
    return this.stableSweeps.has(unit) ? 'stable' : 'unstable';
  }
}

for (const kind of STORE_KINDS) {
  describe(`stability tracking on ${kind}`, () => {
    let store: TestStore;
    before(async () => {
      store = await openTestStore(kind);
      const row = (unit: string, kind: 'payout' | 'sweep', at: number) => ({
        unit, network: 'main' as const, kind, joint: '{}', status: 'sent' as const, fee: 500n, outputs_total: 1000n,
        attempts: 0, last_error: null, created_at: at, sent_at: at,
      });
      const units = Array.from({ length: 100 }, (_, i) => row(`P${i}`, 'payout', 1000 + i));
      units.push(row('S1', 'sweep', 1500), row('S2', 'sweep', 1501));
      await store.db.kysely.insertInto('units').values(units).execute();
    });
    after(() => store.dispose());

    const statuses = async () =>
      Object.fromEntries((await store.db.kysely.selectFrom('units').select(['unit', 'status']).execute()).map((r) => [r.unit, r.status]));

    test('the newest stable payout unit is found by a binary search, and every payout unit before it is stable too', async () => {
      const hub = new Hub(37, new Set(['S2']));
      assert.deepEqual(await markStableUnits(store.db, 'main', hub), { stable: 38, missing: [] });
      const s = await statuses();
      assert.equal(s.P0, 'stable');
      assert.equal(s.P36, 'stable');
      assert.equal(s.P37, 'sent');
      assert.equal(s.S1, 'sent');
      assert.equal(s.S2, 'stable');
      assert.ok(hub.asked.filter((u) => u.startsWith('P')).length <= 8, `asked ${hub.asked.length} times`);
    });

    test('later passes go on from there, and units the hub lost are reported', async () => {
      const hub = new Hub(100, new Set(['S1']), new Set(['P99']));
      const result = await markStableUnits(store.db, 'main', hub);
      assert.deepEqual(result, { stable: 62 + 1, missing: ['P99'] });
      assert.equal((await statuses()).P98, 'stable');
    });
  });
}
