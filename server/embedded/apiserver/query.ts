/**
 * Query parameters read as the kube-apiserver reads them, in one place for the whole
 * embedded API. Clients spell booleans differently (kubectl `true`, the Python client
 * `True`, the kubelet's forwarded `1`), and the apiserver accepts them all: only an absent
 * parameter, `0` or `false` (any case) is false; anything else, even an empty value, is
 * true. Only the first value of a repeated parameter counts.
 */
import { badRequest } from './errors.ts';

/** A boolean option such as `watch`, `follow` or `stdout`. */
export function queryBool(params: URLSearchParams, name: string): boolean {
  const first = params.get(name);
  if (first === null) return false;
  return !(first === '0' || first.toLowerCase() === 'false');
}

/**
 * A whole-number option (`tailLines`, `sinceSeconds`, `limitBytes`, `limit`): undefined
 * when absent or empty; a value that is not an integer in [min, max] is the client's mistake.
 */
export function queryInt(params: URLSearchParams, name: string, bounds: { min?: number; max?: number } = {}): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n)) throw badRequest(`${name}: Invalid value: "${raw}": must be an integer`);
  if (bounds.min !== undefined && n < bounds.min) throw badRequest(`${name}: Invalid value: ${n}: must be greater than or equal to ${bounds.min}`);
  if (bounds.max !== undefined && n > bounds.max) throw badRequest(`${name}: Invalid value: ${n}: must be less than or equal to ${bounds.max}`);
  return n;
}
