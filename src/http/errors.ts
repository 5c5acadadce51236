import type { ErrorCode, Failure } from '../domain/errors.ts';

/**
 * The one mapping from the error vocabulary to HTTP. Application outcomes are HTTP 200 with a JSON body,
 * because several real clients show nothing on any other status; only rate limiting (429) and an
 * unexpected fault (500) differ, and they still carry the JSON body. Outside the purchase paths, an
 * unknown path is 404 and a method the path does not serve 405 (contract §4).
 */
const STATUS: Partial<Record<ErrorCode, number>> = { rate_limited: 429, internal: 500, not_found: 404, wrong_method: 405 };

export function statusOf(code: ErrorCode): number {
  return STATUS[code] ?? 200;
}

export function errorBody(f: Failure): { result: 'error'; error: string } {
  return { result: 'error', error: f.message };
}
