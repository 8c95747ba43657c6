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
