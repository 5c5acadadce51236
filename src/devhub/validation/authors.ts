// ocore validateAuthors / validateAuthor: author fields, the definition that binds each address, and
// the signatures over the unit.
import { getChash160 } from '../../obyte/chash.ts';
import { MAX_AUTHENTIFIER_LENGTH, MAX_AUTHORS_PER_UNIT } from '../../obyte/constants.ts';
import { getUnitHashToSignSourceString } from '../../obyte/unit-hash.ts';
import type { DagView, RejectedJoint } from '../dag-view.ts';
import { checkAuthentifiers } from './definition.ts';
import type { CheckedUnit } from './envelope.ts';
import { exceptionText, invalid } from './outcome.ts';
import { has, hasFieldsExcept, isNonemptyArray, isNonemptyObject, isNonemptyString, type Obj } from './predicates.ts';

export interface RevealedDefinition {
  address: string;
  definition: unknown;
}

/** On success, the definitions this unit reveals. */
export function checkAuthors(u: CheckedUnit, dag: DagView, lastBallMci: number): RevealedDefinition[] | RejectedJoint {
  if (u.authors.length > MAX_AUTHORS_PER_UNIT) return invalid('too many authors');
  let prev = '';
  for (const address of u.authorAddresses) {
    if (address <= prev) return invalid('author addresses not sorted');
    prev = address;
  }
  const signedText = getUnitHashToSignSourceString(u.asUnit);
  const revealed: RevealedDefinition[] = [];
  for (const [i, author] of u.authors.entries()) {
    const address = u.authorAddresses[i];
    if (address === undefined) throw new Error('author without address');
    const error = checkAuthor(author, address, dag, lastBallMci, signedText);
    if (error) return invalid(error);
    if (has(author, 'definition')) revealed.push({ address, definition: author.definition });
  }
  return revealed;
}

function checkAuthor(author: Obj, address: string, dag: DagView, lastBallMci: number, signedText: string): string | null {
  if (hasFieldsExcept(author, ['address', 'authentifiers', 'definition'])) return 'unknown fields in author';
  const authentifiers = author.authentifiers;
  if (!isNonemptyObject(authentifiers)) return 'no authentifiers';
  for (const value of Object.values(authentifiers)) {
    if (!isNonemptyString(value)) return 'authentifiers must be nonempty strings';
    if (value.length > MAX_AUTHENTIFIER_LENGTH) return 'authentifier too long';
  }
  // every value was just checked to be a string
  const signatures = authentifiers as Record<string, string>;
  // Since pemCurvesFixMci ocore reads the definition as of the last ball only, and no longer checks for a pending
  // definition: a unit carrying the initial definition passes while another unit carrying it is unstable (if the
  // two spend the same output, the second is a double spend), and a unit without it waits for it to be stable.
  const known = definitionBeforeLastBall(dag, address, lastBallMci);
  if (isNonemptyArray(author.definition)) {
    const definition = author.definition;
    if (definition[0] === 'autonomous agent') return 'AA cannot be defined in authors';
    const signatureError = checkAuthentifiers(definition, signatures, signedText);
    if (signatureError) return signatureError;
    if (known) return `duplicate definition of address ${address}, bNonserial=false`;
    return definitionHashError(definition, address);
  }
  if (has(author, 'definition')) return 'bad type of definition';
  if (!known) return `definition ${address} bound to address ${address} not found before last ball`;
  return checkAuthentifiers(known.definition, signatures, signedText);
}

/** The definition that is stable at or before the unit's last ball; the address is its definition chash. */
function definitionBeforeLastBall(dag: DagView, address: string, lastBallMci: number): { definition: unknown } | null {
  const found = dag.getDefinition(address);
  if (!found || !found.isStable) return null;
  const mci = dag.getUnit(found.unit)?.mci;
  return mci !== undefined && mci !== null && mci <= lastBallMci ? found : null;
}

function definitionHashError(definition: unknown, address: string): string | null {
  let chash: string;
  try {
    chash = getChash160(definition);
  } catch (e) {
    return 'definition hash failed: ' + exceptionText(e);
  }
  return chash === address ? null : `wrong definition: ${chash}!==${address}`;
}
