// The devhub's DAG in SQLite. Every unit sits on the main chain: it gets the next main chain index when
// accepted, and units become stable in that order. A file-backed database keeps the DAG across restarts.
import { baseOutputs } from '../obyte/payments.ts';
import Database from 'better-sqlite3';
import type { Joint, Unit } from '../obyte/types.ts';
import { getBase64Hash } from '../obyte/unit-hash.ts';
import type { DagDefinition, DagOutput, DagUnit, DagView, DataFeedValue, OutputRef } from './dag-view.ts';
import { tpsFeeRecipients } from './tps-fee.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS units (
  unit TEXT PRIMARY KEY,
  mci INTEGER NOT NULL UNIQUE,
  timestamp INTEGER NOT NULL,
  accepted_at_ms INTEGER NOT NULL,
  is_stable INTEGER NOT NULL DEFAULT 0,
  is_free INTEGER NOT NULL DEFAULT 1,
  ball TEXT UNIQUE,
  actual_tps_fee INTEGER,
  json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS units_free ON units(is_free) WHERE is_free = 1;
CREATE INDEX IF NOT EXISTS units_timestamp ON units(timestamp);
CREATE TABLE IF NOT EXISTS parenthoods (
  child TEXT NOT NULL REFERENCES units(unit),
  parent TEXT NOT NULL REFERENCES units(unit),
  PRIMARY KEY (child, parent)
);
CREATE TABLE IF NOT EXISTS unit_authors (
  unit TEXT NOT NULL REFERENCES units(unit),
  address TEXT NOT NULL,
  PRIMARY KEY (unit, address)
);
CREATE INDEX IF NOT EXISTS unit_authors_address ON unit_authors(address);
CREATE TABLE IF NOT EXISTS outputs (
  unit TEXT NOT NULL REFERENCES units(unit),
  message_index INTEGER NOT NULL,
  output_index INTEGER NOT NULL,
  address TEXT NOT NULL,
  amount INTEGER NOT NULL,
  spent_by TEXT REFERENCES units(unit),
  PRIMARY KEY (unit, message_index, output_index)
);
CREATE INDEX IF NOT EXISTS outputs_address ON outputs(address, spent_by);
CREATE TABLE IF NOT EXISTS definitions (
  address TEXT PRIMARY KEY,
  definition TEXT NOT NULL,
  unit TEXT NOT NULL REFERENCES units(unit)
);
CREATE TABLE IF NOT EXISTS data_feeds (
  unit TEXT NOT NULL REFERENCES units(unit),
  address TEXT NOT NULL,
  feed_name TEXT NOT NULL,
  value TEXT NOT NULL,
  is_number INTEGER NOT NULL,
  PRIMARY KEY (unit, address, feed_name)
);
CREATE INDEX IF NOT EXISTS data_feeds_name ON data_feeds(feed_name, address);
CREATE TABLE IF NOT EXISTS tps_fees_balances (
  address TEXT NOT NULL,
  mci INTEGER NOT NULL,
  tps_fees_balance INTEGER NOT NULL,
  PRIMARY KEY (address, mci)
);
`;

/** Columns added after the first release: a DAG file made before them gets them on open. */
const ADDED_COLUMNS: ReadonlyArray<{ table: string; column: string; type: string }> = [{ table: 'units', column: 'actual_tps_fee', type: 'INTEGER' }];

function addMissingColumns(db: Database.Database): void {
  for (const { table, column, type } of ADDED_COLUMNS) {
    const columns = db.prepare<[], { name: string }>(`PRAGMA table_info(${table})`).all();
    if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  }
}

export interface StoredUnitProps {
  unit: string;
  mci: number;
  timestamp: number;
  acceptedAtMs: number;
  isStable: boolean;
  ball: string | null;
}

export interface UnspentOutput extends OutputRef {
  address: string;
  amount: number;
  mci: number;
  isStable: boolean;
}

/** What an accepted unit changes, beyond the unit itself. */
export interface UnitEffects {
  spent: OutputRef[];
  definitions: Array<{ address: string; definition: unknown }>;
  dataFeeds: Record<string, DataFeedValue>;
}

interface UnitRow {
  unit: string;
  mci: number;
  timestamp: number;
  accepted_at_ms: number;
  is_stable: number;
  ball: string | null;
  actual_tps_fee: number | null;
  json: string;
}

function toProps(row: UnitRow): StoredUnitProps {
  return {
    unit: row.unit,
    mci: row.mci,
    timestamp: row.timestamp,
    acceptedAtMs: row.accepted_at_ms,
    isStable: row.is_stable === 1,
    ball: row.ball,
  };
}

/** ocore main_chain.getSimilarMcis: the earlier main chain indexes a unit's skiplist points to (mci 20 → 10; 100 → 90, 0). */
export function similarMcis(mci: number): number[] {
  const mcis: number[] = [];
  for (let divisor = 10; mci > 0 && mci % divisor === 0; divisor *= 10) mcis.push(mci - divisor);
  return mcis;
}

/** ocore object_hash.getBallHash: the unit with the balls of its parents and of its skiplist units, each sorted. */
function ballOf(unit: string, parentBalls: string[], skiplistBalls: string[]): string {
  const ball: Record<string, unknown> = { unit };
  if (parentBalls.length) ball.parent_balls = [...parentBalls].sort();
  if (skiplistBalls.length) ball.skiplist_balls = [...skiplistBalls].sort();
  return getBase64Hash(ball);
}

/** One element of a proof chain (ocore proof_chain.js): a stable main chain unit, its ball and what the ball hashes. */
export interface ProofBall {
  unit: string;
  ball: string;
  parent_balls?: string[];
  skiplist_balls?: string[];
}

export class DagStore implements DagView {
  private readonly db: Database.Database;
  private readonly stmt;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    addMissingColumns(this.db);
    const db = this.db;
    this.stmt = {
      getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare<[string, string]>('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      unitRow: db.prepare<[string], UnitRow>('SELECT * FROM units WHERE unit = ?'),
      unitByMci: db.prepare<[number], UnitRow>('SELECT * FROM units WHERE mci = ?'),
      mciOf: db.prepare<[string], { mci: number }>('SELECT mci FROM units WHERE unit = ?'),
      parents: db.prepare<[string], { parent: string }>('SELECT parent FROM parenthoods WHERE child = ? ORDER BY parent'),
      authors: db.prepare<[string], { address: string }>('SELECT address FROM unit_authors WHERE unit = ? ORDER BY address'),
      output: db.prepare<[string, number, number], { address: string; amount: number; spent_by: string | null; is_stable: number }>(
        `SELECT o.address, o.amount, o.spent_by, u.is_stable FROM outputs o JOIN units u USING (unit)
         WHERE o.unit = ? AND o.message_index = ? AND o.output_index = ?`,
      ),
      definition: db.prepare<[string], { definition: string; unit: string; is_stable: number }>(
        'SELECT d.definition, d.unit, u.is_stable FROM definitions d JOIN units u USING (unit) WHERE d.address = ?',
      ),
      hasAuthored: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM unit_authors WHERE address = ? LIMIT 1'),
      lastStable: db.prepare<[], UnitRow>('SELECT * FROM units WHERE is_stable = 1 ORDER BY mci DESC LIMIT 1'),
      lastMci: db.prepare<[], { mci: number | null }>('SELECT MAX(mci) AS mci FROM units'),
      isStableBall: db.prepare<[string, string], { one: number }>('SELECT 1 AS one FROM units WHERE unit = ? AND ball = ? AND is_stable = 1'),
      freeUnits: db.prepare<[], { unit: string }>('SELECT unit FROM units WHERE is_free = 1 ORDER BY unit'),
      unstable: db.prepare<[], UnitRow>('SELECT * FROM units WHERE is_stable = 0 ORDER BY mci'),
      insertUnit: db.prepare<[string, number, number, number, string]>(
        'INSERT INTO units (unit, mci, timestamp, accepted_at_ms, json) VALUES (?, ?, ?, ?, ?)',
      ),
      insertParent: db.prepare<[string, string]>('INSERT INTO parenthoods (child, parent) VALUES (?, ?)'),
      notFree: db.prepare<[string]>('UPDATE units SET is_free = 0 WHERE unit = ?'),
      insertAuthor: db.prepare<[string, string]>('INSERT INTO unit_authors (unit, address) VALUES (?, ?)'),
      insertOutput: db.prepare<[string, number, number, string, number]>(
        'INSERT INTO outputs (unit, message_index, output_index, address, amount) VALUES (?, ?, ?, ?, ?)',
      ),
      spend: db.prepare<[string, string, number, number]>(
        'UPDATE outputs SET spent_by = ? WHERE unit = ? AND message_index = ? AND output_index = ? AND spent_by IS NULL',
      ),
      // a second unit may carry the initial definition while the first is unstable: the first one revealed it
      insertDefinition: db.prepare<[string, string, string]>('INSERT OR IGNORE INTO definitions (address, definition, unit) VALUES (?, ?, ?)'),
      insertFeed: db.prepare<[string, string, string, string, number]>(
        'INSERT INTO data_feeds (unit, address, feed_name, value, is_number) VALUES (?, ?, ?, ?, ?)',
      ),
      stabilize: db.prepare<[string, number | null, string]>('UPDATE units SET is_stable = 1, ball = ?, actual_tps_fee = ? WHERE unit = ?'),
      tpsFeesBalance: db.prepare<[string, number], { tps_fees_balance: number }>(
        'SELECT tps_fees_balance FROM tps_fees_balances WHERE address = ? AND mci <= ? ORDER BY mci DESC LIMIT 1',
      ),
      setTpsFeesBalance: db.prepare<[string, number, number]>(
        'INSERT INTO tps_fees_balances (address, mci, tps_fees_balance) VALUES (?, ?, ?) ON CONFLICT(address, mci) DO UPDATE SET tps_fees_balance = excluded.tps_fees_balance',
      ),
      parentBalls: db.prepare<[string], { ball: string | null }>(
        'SELECT u.ball FROM parenthoods p JOIN units u ON u.unit = p.parent WHERE p.child = ?',
      ),
      unspent: db.prepare<[string], { unit: string; message_index: number; output_index: number; address: string; amount: number; mci: number; is_stable: number }>(
        `SELECT o.unit, o.message_index, o.output_index, o.address, o.amount, u.mci, u.is_stable
         FROM outputs o JOIN units u USING (unit) WHERE o.address = ? AND o.spent_by IS NULL`,
      ),
      balance: db.prepare<[string], { is_stable: number; total: number; count: number }>(
        `SELECT u.is_stable, SUM(o.amount) AS total, COUNT(*) AS count FROM outputs o JOIN units u USING (unit)
         WHERE o.address = ? AND o.spent_by IS NULL GROUP BY u.is_stable`,
      ),
      outputAddresses: db.prepare<[string], { address: string }>('SELECT DISTINCT address FROM outputs WHERE unit = ?'),
      unitsPayingTo: db.prepare<[string], { unit: string }>('SELECT DISTINCT unit FROM outputs WHERE address = ?'),
      unitsAuthoredBy: db.prepare<[string], { unit: string }>('SELECT unit FROM unit_authors WHERE address = ?'),
      countRecent: db.prepare<[number, number], { count: number }>('SELECT COUNT(*) AS count FROM units WHERE mci <= ? AND timestamp > ?'),
      feeds: db.prepare<[string, string], { unit: string; value: string; is_number: number; mci: number }>(
        `SELECT f.unit, f.value, f.is_number, u.mci FROM data_feeds f JOIN units u USING (unit)
         WHERE f.feed_name = ? AND f.address = ?`,
      ),
    };
  }

  close(): void {
    this.db.close();
  }

  getMeta(key: string): string | null {
    return this.stmt.getMeta.get(key)?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.stmt.setMeta.run(key, value);
  }

  isEmpty(): boolean {
    return this.stmt.lastMci.get()?.mci == null;
  }

  // ---- DagView ----

  getUnit(unit: string): DagUnit | null {
    const row = this.stmt.unitRow.get(unit);
    if (!row) return null;
    return {
      unit,
      timestamp: row.timestamp,
      mci: row.mci,
      isStable: row.is_stable === 1,
      authors: this.stmt.authors.all(unit).map((r) => r.address),
      parents: this.stmt.parents.all(unit).map((r) => r.parent),
    };
  }

  getOutput(unit: string, messageIndex: number, outputIndex: number): DagOutput | null {
    const row = this.stmt.output.get(unit, messageIndex, outputIndex);
    if (!row) return null;
    return { address: row.address, amount: row.amount, spentBy: row.spent_by, isStable: row.is_stable === 1 };
  }

  isAncestorOf(unit: string, descendants: string[]): boolean {
    const target = this.stmt.mciOf.get(unit)?.mci;
    if (target === undefined) return false;
    // parents always have smaller main chain indexes than their children, so the walk stops below the target
    const seen = new Set<string>();
    const queue = [...descendants];
    while (queue.length) {
      const current = queue.pop()!;
      if (current === unit) return true;
      if (seen.has(current)) continue;
      seen.add(current);
      const mci = this.stmt.mciOf.get(current)?.mci;
      if (mci === undefined || mci <= target) continue;
      for (const { parent } of this.stmt.parents.all(current)) queue.push(parent);
    }
    return false;
  }

  getDefinition(address: string): DagDefinition | null {
    const row = this.stmt.definition.get(address);
    if (!row) return null;
    return { definition: JSON.parse(row.definition), unit: row.unit, isStable: row.is_stable === 1 };
  }

  hasAuthored(address: string): boolean {
    return this.stmt.hasAuthored.get(address) !== undefined;
  }

  lastStable(): { unit: string; ball: string; mci: number } {
    const row = this.stmt.lastStable.get();
    if (!row || row.ball === null) throw new Error('the DAG has no stable unit: genesis is missing');
    return { unit: row.unit, ball: row.ball, mci: row.mci };
  }

  isStableBall(ball: string, unit: string): boolean {
    return this.stmt.isStableBall.get(unit, ball) !== undefined;
  }

  tpsFeesBalance(address: string, mci: number): number {
    return this.stmt.tpsFeesBalance.get(address, mci)?.tps_fees_balance ?? 0;
  }

  // ---- reads for the hub ----

  unitProps(unit: string): StoredUnitProps | null {
    const row = this.stmt.unitRow.get(unit);
    return row ? toProps(row) : null;
  }

  /**
   * The joint as a hub serves it (ocore storage.readJoint): the unit with its main_chain_index and actual_tps_fee
   * (null until the unit is stable and charged), and the ball once stable.
   */
  getJoint(unit: string): Joint | null {
    const row = this.stmt.unitRow.get(unit);
    if (!row) return null;
    const joint: Joint = { unit: { ...(JSON.parse(row.json) as Unit), main_chain_index: row.mci, actual_tps_fee: row.actual_tps_fee } };
    if (row.ball) {
      joint.ball = row.ball;
      const skiplist = this.skiplistUnits(row.mci);
      if (skiplist.length) joint.skiplist_units = skiplist.map((u) => u.unit);
    }
    return joint;
  }

  /** The stable units at the skiplist indexes of `mci`, with their balls (every devhub unit is on the main chain). */
  private skiplistUnits(mci: number): Array<{ unit: string; ball: string; mci: number }> {
    return similarMcis(mci).map((m) => {
      const row = this.stmt.unitByMci.get(m);
      if (!row || row.ball === null) throw new Error(`the skiplist unit at mci ${m} is not stable`);
      return { unit: row.unit, ball: row.ball, mci: m };
    });
  }

  /** The proof chain element of the stable unit at `mci`, and the skiplist indexes it can jump to. */
  proofBallAt(mci: number): { proof: ProofBall; skiplistMcis: number[] } {
    const row = this.stmt.unitByMci.get(mci);
    if (!row || row.ball === null) throw new Error(`no stable unit at mci ${mci}`);
    const proof: ProofBall = { unit: row.unit, ball: row.ball };
    const parentBalls = this.stmt.parentBalls.all(row.unit).map((r) => r.ball!).sort();
    if (parentBalls.length) proof.parent_balls = parentBalls;
    const skiplist = this.skiplistUnits(mci);
    if (skiplist.length) proof.skiplist_balls = skiplist.map((u) => u.ball).sort();
    return { proof, skiplistMcis: skiplist.map((u) => u.mci) };
  }

  /** The joint of the unit at this main chain index (every devhub unit is on the main chain). */
  getJointAt(mci: number): Joint | null {
    const row = this.stmt.unitByMci.get(mci);
    return row ? this.getJoint(row.unit) : null;
  }

  lastMci(): number {
    return this.stmt.lastMci.get()?.mci ?? -1;
  }

  freeUnits(): string[] {
    return this.stmt.freeUnits.all().map((r) => r.unit);
  }

  unstableUnits(): StoredUnitProps[] {
    return this.stmt.unstable.all().map(toProps);
  }

  parentsOf(unit: string): string[] {
    return this.stmt.parents.all(unit).map((r) => r.parent);
  }

  unspentOutputs(address: string): UnspentOutput[] {
    return this.stmt.unspent.all(address).map((r) => ({
      unit: r.unit,
      message_index: r.message_index,
      output_index: r.output_index,
      address: r.address,
      amount: r.amount,
      mci: r.mci,
      isStable: r.is_stable === 1,
    }));
  }

  /** Unspent outputs of an address, summed by stability. */
  balance(address: string): { stable: number; pending: number; stableCount: number; pendingCount: number } {
    const result = { stable: 0, pending: 0, stableCount: 0, pendingCount: 0 };
    for (const row of this.stmt.balance.all(address)) {
      if (row.is_stable) {
        result.stable = row.total;
        result.stableCount = row.count;
      } else {
        result.pending = row.total;
        result.pendingCount = row.count;
      }
    }
    return result;
  }

  /** Units that pay to or are authored by any of the addresses, newest first. */
  unitsTouching(addresses: readonly string[]): string[] {
    const units = new Set<string>();
    for (const address of addresses) {
      for (const { unit } of this.stmt.unitsPayingTo.all(address)) units.add(unit);
      for (const { unit } of this.stmt.unitsAuthoredBy.all(address)) units.add(unit);
    }
    return [...units]
      .map((unit) => ({ unit, mci: this.stmt.mciOf.get(unit)!.mci }))
      .sort((a, b) => b.mci - a.mci)
      .map((u) => u.unit);
  }

  /** The authors of a unit and the addresses it pays to. */
  addressesTouchedBy(unit: string): string[] {
    const addresses = new Set(this.stmt.authors.all(unit).map((r) => r.address));
    for (const { address } of this.stmt.outputAddresses.all(unit)) addresses.add(address);
    return [...addresses];
  }

  /** The values the oracles posted under a feed name, newest first. */
  feedValues(oracles: readonly string[], feedName: string): Array<{ unit: string; value: DataFeedValue; mci: number }> {
    return oracles
      .flatMap((address) => this.stmt.feeds.all(feedName, address))
      .sort((a, b) => b.mci - a.mci)
      .map((row) => ({ unit: row.unit, value: row.is_number ? Number(row.value) : row.value, mci: row.mci }));
  }

  /**
   * Counts the accepted units up to the newest of `parents` (by main chain index) whose timestamp is after
   * `sinceTimestamp`. Main chain indexes never change once given, so the count depends on the parents only.
   */
  countRecentUnits(parents: readonly string[], sinceTimestamp: number): number {
    let newest = -1;
    for (const parent of parents) newest = Math.max(newest, this.stmt.mciOf.get(parent)?.mci ?? -1);
    return newest < 0 ? 0 : this.stmt.countRecent.get(newest, sinceTimestamp)!.count;
  }

  // ---- writes ----

  /**
   * Stores an accepted unit and its effects in one transaction, at the next main chain index.
   * Throws if an input was spent meanwhile: validation and application run in the same tick, so that is a bug.
   */
  insertUnit(unit: Unit & { unit: string }, effects: UnitEffects, acceptedAtMs: number): number {
    return this.db.transaction(() => {
      const mci = this.lastMci() + 1;
      const hash = unit.unit;
      this.stmt.insertUnit.run(hash, mci, unit.timestamp ?? 0, acceptedAtMs, JSON.stringify(unit));
      for (const parent of unit.parent_units ?? []) {
        this.stmt.insertParent.run(hash, parent);
        this.stmt.notFree.run(parent);
      }
      for (const author of unit.authors) this.stmt.insertAuthor.run(hash, author.address);
      // the devhub keeps bytes only
      for (const o of baseOutputs(unit)) this.stmt.insertOutput.run(hash, o.message_index, o.output_index, o.address, o.amount);
      for (const ref of effects.spent) {
        const { changes } = this.stmt.spend.run(hash, ref.unit, ref.message_index, ref.output_index);
        if (changes !== 1) throw new Error(`output ${ref.unit}:${ref.message_index}:${ref.output_index} is already spent or missing`);
      }
      for (const d of effects.definitions) this.stmt.insertDefinition.run(d.address, JSON.stringify(d.definition), hash);
      for (const address of unit.authors.map((a) => a.address)) {
        for (const [name, value] of Object.entries(effects.dataFeeds)) {
          this.stmt.insertFeed.run(hash, address, name, String(value), typeof value === 'number' ? 1 : 0);
        }
      }
      return mci;
    })();
  }

  /**
   * Makes every unit up to `mci` stable, in main chain order, gives each its ball and charges its tps fee:
   * `actualTpsFee` prices it, and each paying address's balance moves by its share of what the unit paid
   * beyond that (ocore storage.updateTpsFees; the genesis unit pays none). Returns the units stabilised.
   */
  stabilizeUpTo(mci: number, actualTpsFee: (unit: Unit) => number): string[] {
    return this.db.transaction(() => {
      const done: string[] = [];
      for (const row of this.stmt.unstable.all()) {
        if (row.mci > mci) break;
        const parentBalls = this.stmt.parentBalls.all(row.unit).map((r) => {
          if (r.ball === null) throw new Error(`a parent of ${row.unit} is not stable`);
          return r.ball;
        });
        const fee = row.mci === 0 ? null : this.chargeTpsFee(JSON.parse(row.json) as Unit, row.mci, actualTpsFee);
        this.stmt.stabilize.run(ballOf(row.unit, parentBalls, this.skiplistUnits(row.mci).map((u) => u.ball)), fee, row.unit);
        done.push(row.unit);
      }
      return done;
    })();
  }

  private chargeTpsFee(unit: Unit, mci: number, actualTpsFee: (unit: Unit) => number): number {
    const fee = actualTpsFee(unit);
    // can be negative: a unit that paid less than its fee (covered by the balance) draws the balance down
    const delta = (unit.tps_fee ?? 0) - fee;
    const recipients = tpsFeeRecipients(
      unit.authors.map((a) => a.address),
      unit.earned_headers_commission_recipients,
    );
    for (const [address, share] of Object.entries(recipients)) {
      const balance = this.tpsFeesBalance(address, mci);
      this.stmt.setTpsFeesBalance.run(address, mci, balance + Math.floor((delta * share) / 100));
    }
    return fee;
  }
}
