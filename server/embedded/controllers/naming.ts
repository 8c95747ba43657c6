import { SAFE_ALPHABET } from '../apiserver/object-meta.ts';
import { utf8Bytes } from '../portable/bytes.ts';
import { sha256Hex } from '../portable/sha.ts';

/** FNV-1a 32-bit, the hash the Deployment controller uses for pod-template-hash. */
function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of utf8Bytes(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Like rand.SafeEncodeString(fmt.Sprint(hash)): gives names like `reviews-v1-545db77b95`. */
export function podTemplateHash(template: unknown): string {
  return [...String(fnv32a(stableJson(template)))].map((c) => SAFE_ALPHABET[c.charCodeAt(0) % SAFE_ALPHABET.length]).join('');
}

/** A stable hex id (container IDs, image digests) derived from `seed`. */
export function hexId(seed: string, len = 64): string {
  return sha256Hex(seed).slice(0, len);
}

/** JSON with sorted keys, so equal objects hash equally whatever their key order. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as any)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as any)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
