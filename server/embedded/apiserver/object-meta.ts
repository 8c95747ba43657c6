/** Values the API server and the controllers write into object metadata, written one way. */

/** Kubernetes' "safe" alphabet for generated names: no vowels, no look-alike characters. */
export const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** The 5-character suffix of generated names (`-x7k2q`), for generateName and the controllers' pods. */
export function randomSuffix(len = 5): string {
  let s = '';
  for (let i = 0; i < len; i++) s += SAFE_ALPHABET[Math.floor(Math.random() * SAFE_ALPHABET.length)];
  return s;
}

/** RFC 3339 with whole seconds, as real servers write timestamps. */
export const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
