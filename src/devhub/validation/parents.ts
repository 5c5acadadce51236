// ocore validateParentsExistAndOrdered + validateParents: parents known and unrelated, timestamps not
// decreasing, the last ball stable, matching and included, and the version 4 header rules.
import { MAX_PARENTS_PER_UNIT } from '../../obyte/constants.ts';
import { getOversizeFee } from '../../obyte/length.ts';
import type { DagUnit, DagView, RejectedJoint, ValidationContext } from '../dag-view.ts';
import type { CheckedUnit } from './envelope.ts';
import { UNKNOWN_PARENTS, invalid } from './outcome.ts';
import { has } from './predicates.ts';

/** `unit` is one of `descendants` or an ancestor of one of them (ocore graph.determineIfIncludedOrEqual). */
export function isIncludedOrEqual(dag: DagView, unit: string, descendants: string[]): boolean {
  return descendants.includes(unit) || dag.isAncestorOf(unit, descendants);
}

/** On success, the main chain index of the unit's last ball. */
export function checkParents(u: CheckedUnit, dag: DagView, ctx: ValidationContext): { lastBallMci: number } | RejectedJoint {
  const parents = u.parentUnits;
  if (parents.length > MAX_PARENTS_PER_UNIT) return invalid('too many parents: ' + parents.length);
  const parentProps: DagUnit[] = [];
  let missing = false;
  let prev = '';
  for (const parent of parents) {
    if (parent <= prev) return invalid('parent units not ordered');
    prev = parent;
    const props = dag.getUnit(parent);
    if (props) parentProps.push(props);
    else missing = true;
  }
  if (missing) return UNKNOWN_PARENTS;

  for (const [i, props] of parentProps.entries()) {
    if (u.timestamp < props.timestamp) return invalid('timestamp decreased from parent ' + props.unit);
    const related = parentProps
      .slice(0, i)
      .some((earlier) => dag.isAncestorOf(earlier.unit, [props.unit]) || dag.isAncestorOf(props.unit, [earlier.unit]));
    if (related) return invalid(`parent unit ${props.unit} is related to one of the other parent units`);
  }

  const lastBallUnit = dag.getUnit(u.lastBallUnit);
  if (!lastBallUnit) return invalid(`last ball unit ${u.lastBallUnit} not found`);
  if (lastBallUnit.isStable && !dag.isStableBall(u.lastBall, u.lastBallUnit))
    return invalid(`last_ball ${u.lastBall} and last_ball_unit ${u.lastBallUnit} do not match`);
  if (!isIncludedOrEqual(dag, u.lastBallUnit, parents))
    return invalid(`last ball unit ${u.lastBallUnit} is not included in parents, unit ${u.unit}`);

  const v4 = checkVersion4Header(u, ctx.thresholdSize);
  if (v4) return v4;
  if (!lastBallUnit.isStable || lastBallUnit.mci === null)
    return invalid(`${u.unit}: last ball unit ${u.lastBallUnit} is not stable in view of your parents ${parents.join(',')}`);
  const sameAuthor = authorInSeveralParents(parentProps);
  if (sameAuthor) return invalid('some addresses found more than once in parents, e.g. ' + sameAuthor);
  return { lastBallMci: lastBallUnit.mci };
}

function checkVersion4Header(u: CheckedUnit, thresholdSize: number): RejectedJoint | null {
  if (has(u.raw, 'witnesses')) return invalid('should have no per-unit witnesses since version 4.0');
  if (has(u.raw, 'witness_list_unit')) return invalid('should have no witness_list_unit since version 4.0');
  const oversizeFee = getOversizeFee(u.asUnit, thresholdSize);
  if (oversizeFee) {
    if (u.raw.oversize_fee !== oversizeFee)
      return invalid(`oversize_fee mismatch: expected ${oversizeFee}, found ${String(u.raw.oversize_fee)}`);
  } else if (has(u.raw, 'oversize_fee')) return invalid('zero oversize fee should be omitted');
  if (!has(u.raw, 'tps_fee')) return invalid('no tps_fee field');
  return null;
}

// Merging two units of one author is how a nonserial pair would be hidden; ocore refuses such parents.
function authorInSeveralParents(parents: DagUnit[]): string | null {
  if (parents.length === 1) return null;
  const seen = new Set<string>();
  for (const parent of parents) {
    let found: string | null = null;
    for (const address of parent.authors) {
      if (seen.has(address)) found = address;
      seen.add(address);
    }
    if (found) return found;
  }
  return null;
}
