import type { RejectedJoint } from '../dag-view.ts';

export function invalid(error: string): RejectedJoint {
  return { ok: false, error, transient: false, kind: 'invalid' };
}

/** ocore's transient errors: the same unit may pass later (clock, fee level, pending state). */
export function transientError(error: string): RejectedJoint {
  return { ok: false, error, transient: true, kind: 'invalid' };
}

export function doubleSpend(error: string): RejectedJoint {
  return { ok: false, error, transient: false, kind: 'double_spend' };
}

export const UNKNOWN_PARENTS: RejectedJoint = { ok: false, error: 'unknown parents', transient: true, kind: 'unknown_parents' };
export const KNOWN: RejectedJoint = { ok: false, error: 'known', transient: false, kind: 'known' };

/** How ocore prints a caught exception when it concatenates it into an error text. */
export function exceptionText(e: unknown): string {
  return String(e);
}
