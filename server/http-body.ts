/** Reading an HTTP answer's body with a size limit: every network input has one. */
import { concatBytes, utf8Text } from './embedded/portable/bytes.ts';

/**
 * The body as text, stopping at `max` bytes: `truncated` says the rest was not read
 * (the text then holds only the whole chunks that fit). Callers decide whether a cut
 * body is an error (a JSON API) or still useful (a page to classify).
 */
export async function readLimited(res: Response, max: number): Promise<{ text: string; truncated: boolean }> {
  if (!res.body) return { text: '', truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      truncated = true;
      await reader.cancel();
      break;
    }
    chunks.push(value);
  }
  return { text: utf8Text(concatBytes(chunks)), truncated };
}

/**
 * How deeply a JSON text nests arrays and objects, counted without parsing it, so a body
 * nested thousands deep is refused before a recursive parser or walker sees it.
 * Stops counting once past `max` and reports `max + 1`.
 */
export function jsonNestingDepth(text: string | Uint8Array, max = Infinity): number {
  // Only ASCII brackets, quotes and backslashes count, so bytes are read as they are (no UTF-8 decoding).
  const s = typeof text === 'string' ? text : undefined;
  const bytes = text as Uint8Array;
  const length = s === undefined ? bytes.length : s.length;
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < length; i++) {
    const c = s === undefined ? bytes[i] : s.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > deepest) deepest = depth;
      if (deepest > max) return max + 1;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}
