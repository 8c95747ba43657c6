/** Reading an HTTP answer's body with a size limit: every network input has one. */

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
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
}

/**
 * How deeply a JSON text nests arrays and objects, counted without parsing it, so a body
 * nested thousands deep is refused before a recursive parser or walker sees it.
 * Stops counting once past `max` and reports `max + 1`.
 */
export function jsonNestingDepth(text: string | Uint8Array, max = Infinity): number {
  const s = typeof text === 'string' ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('latin1');
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
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
