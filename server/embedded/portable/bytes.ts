/**
 * Bytes as both Node and a browser's Web Worker have them (Uint8Array, TextEncoder, btoa):
 * the cluster core counts and converts with these instead of Node's Buffer, giving the
 * same numbers and text Buffer gave.
 */

const encoder = new TextEncoder();
// Buffer keeps a leading byte-order mark when it decodes; TextDecoder drops it unless told.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** `text`'s length in UTF-8, as Buffer.byteLength counts it: a lone surrogate is written as U+FFFD, 3 bytes. */
export function utf8ByteLength(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) bytes += 1;
    else if (unit >= 0xd800 && unit <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      // Two units, four bytes.
      bytes += 2;
      i++;
    } else bytes += 2;
  }
  return bytes;
}

const isLowSurrogate = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;

/** `text` as UTF-8 bytes. */
export const utf8Bytes = (text: string): Uint8Array<ArrayBuffer> => encoder.encode(text);

/** UTF-8 bytes as text, invalid sequences replaced by U+FFFD. */
export const utf8Text = (bytes: Uint8Array): string => decoder.decode(bytes);

/** Standard base64 with padding; a string is encoded as its UTF-8 bytes first. */
export function base64Encode(data: Uint8Array | string): string {
  const bytes = typeof data === 'string' ? utf8Bytes(data) : data;
  // btoa takes a "binary string"; built in slices so a big array never overflows the call stack.
  let binary = '';
  for (let at = 0; at < bytes.length; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return btoa(binary);
}

/** Standard base64 (or base64url) decoded; throws on text atob refuses. */
export function base64Decode(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** base64url without padding, as Buffer's 'base64url' encoding writes it. */
export const base64UrlEncode = (data: Uint8Array | string): string => base64Encode(data).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/**
 * How many bytes Buffer.from(text, 'base64') gives, without decoding. Node's decoder is
 * lenient: it skips characters outside both base64 alphabets (whitespace, say), stops at
 * the first '=', and reads only the low byte of each UTF-16 unit. So the length is three
 * bytes per four alphabet characters before the first '=' (a final 2 or 3 give 1 or 2).
 */
export function base64DecodedLength(text: string): number {
  let sextets = 0;
  for (let i = 0; i < text.length; i++) {
    const low = text.charCodeAt(i) & 0xff;
    if (low === 0x3d) break;
    if (isBase64Char(low)) sextets++;
  }
  return Math.floor((sextets * 3) / 4);
}

function isBase64Char(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f || c === 0x2d || c === 0x5f;
}

/** Bytes as lowercase hex, two digits each. */
export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** The chunks one after another in one array (the only chunk itself, uncopied). */
export function concatBytes(chunks: readonly Uint8Array[], size = chunks.reduce((n, c) => n + c.byteLength, 0)): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
