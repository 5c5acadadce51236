// Shape tests with the exact semantics of ocore validation_utils.js, for values parsed from JSON.
import { isValidAddress } from '../../obyte/address.ts';

export type Obj = Record<string, unknown>;

export function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isNonemptyObject(v: unknown): v is Obj {
  return isObject(v) && Object.keys(v).length > 0;
}

export function isNonemptyArray(v: unknown): v is unknown[] {
  return Array.isArray(v) && v.length > 0;
}

export function isNonemptyString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}

export function isStringOfLength(v: unknown, length: number): v is string {
  return typeof v === 'string' && v.length === length;
}

export function isInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

export function isPositiveInteger(v: unknown): v is number {
  return isInteger(v) && v > 0;
}

export function isNonnegativeInteger(v: unknown): v is number {
  return isInteger(v) && v >= 0;
}

/** Upper-case base32 with a valid checksum (ocore isValidAddress). */
export function isAddress(v: unknown): v is string {
  return isValidAddress(v);
}

export function hasFieldsExcept(obj: Obj, allowed: readonly string[]): boolean {
  return Object.keys(obj).some((key) => !allowed.includes(key));
}

export function has(obj: Obj, key: string): boolean {
  return Object.hasOwn(obj, key);
}

// With the u flag a surrogate class matches only unpaired surrogates.
const LONE_SURROGATE_OR_NUL = /[\uD800-\uDFFF\0]/u;

/** ocore string_utils.isObjectWellFormed: no lone surrogate and no NUL in any string or key. */
export function isWellFormedDeep(v: unknown): boolean {
  if (typeof v === 'string') return !LONE_SURROGATE_OR_NUL.test(v);
  if (Array.isArray(v)) return v.every(isWellFormedDeep);
  if (isObject(v)) return Object.entries(v).every(([key, value]) => !LONE_SURROGATE_OR_NUL.test(key) && isWellFormedDeep(value));
  return true;
}
