// The devhub's full node: it owns the DAG, accepts posted joints through validation, gives accepted units
// their main chain index, makes them stable after a delay, and quotes parents and tps fees to light clients.
import { EventEmitter } from 'node:events';
import { MAX_PARENTS_PER_UNIT } from '../obyte/constants.ts';
import type { Joint, Unit } from '../obyte/types.ts';
import type { JointValidation } from './dag-view.ts';
import type { DagStore } from './store.ts';
import { actualTpsFeeFor, tpsFeeFor, type TpsFeeVars } from './tps-fee.ts';
import { validateJoint } from './validation.ts';

export interface ParentsAnswer {
  timestamp: number;
  parent_units: string[];
  last_stable_mc_ball: string;
  last_stable_mc_ball_unit: string;
  last_stable_mc_ball_mci: number;
  tps_fee: number;
  count_primary_aa_triggers: number;
}

export type PostOutcome = { ok: true; unit: string; mci: number } | { ok: false; error: string; transient: boolean };

/** 'units': (event: 'accepted' | 'stable', units: string[], addresses: Set<string>) */
export class HubNode extends EventEmitter {
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    readonly store: DagStore,
    readonly params: { version: string; alt: string },
    private readonly tpsVars: TpsFeeVars,
    readonly stabilityDelayMs: number,
    readonly now: () => number,
    /** ocore conf.min_acceptable_tps_fee_multiplier */
    private readonly minAcceptableTpsFeeMultiplier: number,
    /** the system variable op_list: the hub's witnesses */
    private readonly opList: readonly string[],
    /** the system variable threshold_size */
    readonly thresholdSize: number,
  ) {
    super();
    for (const u of store.unstableUnits()) this.scheduleStability(u.mci, u.acceptedAtMs + stabilityDelayMs - now());
  }

  nowSec(): number {
    return Math.round(this.now() / 1000);
  }

  /** The tps fee a unit with these parents and timestamp must cover (see tps-fee.ts). */
  tpsFee(parents: readonly string[], timestamp: number): number {
    return tpsFeeFor(this.store.countRecentUnits(parents, timestamp - this.tpsVars.windowSec), this.tpsVars);
  }

  /** What a stable unit is charged: the same rate as its tps fee was priced at, without tps_fee_multiplier. */
  private actualTpsFee(unit: Unit): number {
    const recent = this.store.countRecentUnits(unit.parent_units ?? [], (unit.timestamp ?? 0) - this.tpsVars.windowSec);
    return actualTpsFeeFor(recent, this.tpsVars);
  }

  /** Below this a unit is soft-rejected: ocore's current tps fee (no multiplier) × min_acceptable_tps_fee_multiplier. */
  private minAcceptableTpsFee(): number {
    const nowSec = this.nowSec();
    const current = actualTpsFeeFor(this.store.countRecentUnits(this.store.freeUnits(), nowSec - this.tpsVars.windowSec), this.tpsVars);
    return current * this.minAcceptableTpsFeeMultiplier;
  }

  /**
   * light.js: the tps fee quoted is what the first paying address's balance as of the last stable unit
   * does not cover, so an address that overpaid before is quoted 0.
   */
  parents(fromAddress: string): ParentsAnswer {
    const timestamp = this.nowSec();
    const parentUnits = this.store.freeUnits().slice(0, MAX_PARENTS_PER_UNIT);
    const lastStable = this.store.lastStable();
    const balance = this.store.tpsFeesBalance(fromAddress, lastStable.mci);
    return {
      timestamp,
      parent_units: parentUnits,
      last_stable_mc_ball: lastStable.ball,
      last_stable_mc_ball_unit: lastStable.unit,
      last_stable_mc_ball_mci: lastStable.mci,
      tps_fee: Math.max(this.tpsFee(parentUnits, timestamp) - balance, 0),
      count_primary_aa_triggers: 0,
    };
  }

  /** Runs ocore's validation on a joint and, if it passes, stores it atomically. */
  post(joint: Joint): PostOutcome {
    const validation = this.validate(joint);
    if (!validation.ok) {
      const error = validation.kind === 'unknown_parents' ? 'unknown parents' : validation.kind === 'known' ? 'known' : validation.error;
      return { ok: false, error, transient: validation.transient };
    }
    const unit = validation.unit as Unit & { unit: string };
    const mci = this.store.insertUnit(unit, validation, this.now());
    this.emit('units', 'accepted', [unit.unit], this.addressesOf([unit.unit]));
    this.scheduleStability(mci, this.stabilityDelayMs);
    return { ok: true, unit: unit.unit, mci };
  }

  validate(joint: Joint): JointValidation {
    const unit = joint.unit as Partial<Unit> | undefined;
    const parents = Array.isArray(unit?.parent_units) ? unit.parent_units.filter((p): p is string => typeof p === 'string') : [];
    const timestamp = typeof unit?.timestamp === 'number' ? unit.timestamp : this.nowSec();
    return validateJoint(joint, this.store, {
      version: this.params.version,
      alt: this.params.alt,
      nowSec: this.nowSec(),
      minTpsFee: this.tpsFee(parents, timestamp),
      minAcceptableTpsFee: this.minAcceptableTpsFee(),
      opList: this.opList,
      thresholdSize: this.thresholdSize,
    });
  }

  /** Makes every accepted unit stable now. */
  stabilize(): void {
    this.stabilizeUpTo(this.store.lastMci());
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private stabilizeUpTo(mci: number): void {
    if (this.closed) return;
    const units = this.store.stabilizeUpTo(mci, (unit) => this.actualTpsFee(unit));
    if (units.length) this.emit('units', 'stable', units, this.addressesOf(units));
  }

  private scheduleStability(mci: number, delayMs: number): void {
    if (delayMs <= 0) {
      this.stabilizeUpTo(mci);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.stabilizeUpTo(mci);
    }, delayMs);
    this.timers.add(timer);
  }

  private addressesOf(units: readonly string[]): Set<string> {
    const addresses = new Set<string>();
    for (const unit of units) for (const a of this.store.addressesTouchedBy(unit)) addresses.add(a);
    return addresses;
  }
}
