/**
 * What kind of failure an error from the cluster is, read from its structure (HTTP status,
 * socket error codes), never from its words: health, topic errors and HTTP statuses all
 * decide on this.
 */
import type { FeedFailure } from '../protocol.ts';
import { errorStatus } from './connection.ts';

/** Socket and fetch error codes that mean the other end could not be reached or went away. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT']);

/** True when the error, or an error it wraps, is a network failure (no answer at all). */
export function isNetworkError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, name } = e as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    // AbortSignal.timeout(): no answer in time.
    if (name === 'TimeoutError') return true;
  }
  return false;
}

/** The failure an error from the Kubernetes API stands for (a 404 is a missing kind). */
export function clusterFailure(err: unknown): FeedFailure {
  if (isNetworkError(err)) return 'unreachable';
  const status = errorStatus(err);
  if (status === 401 || status === 403) return 'forbidden';
  if (status === 404) return 'kind-missing';
  return 'error';
}
