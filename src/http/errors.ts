import type { ErrorCode, Failure } from '../domain/errors.ts';

/**
 * The one mapping from the error vocabulary to HTTP. Application outcomes are HTTP 200 with a JSON body,
 * because several real clients show nothing on any other status; only rate limiting (429) and an
 * unexpected fault (500) differ, and they still carry the JSON body.
 */
export function statusOf(code: ErrorCode): number {
  if (code === 'rate_limited') return 429;
  if (code === 'internal') return 500;
  return 200;
}

export function errorBody(f: Failure): { result: 'error'; error: string } {
  return { result: 'error', error: f.message };
}
