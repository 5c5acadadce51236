import type { Failure } from './errors.ts';

/** An expected outcome: either a value or a failure from the closed vocabulary in errors.ts. */
export type Result<T, E = Failure> = { ok: true; value: T } | { ok: false; error: E };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}
