/**
 * Go's parsers for the Jaeger query parameters, with Go's error texts, so a client
 * gets the same 400 messages as from a real Jaeger (durations: server/go-duration.ts).
 */

/** Go's strconv.Quote, near enough for error texts. */
function quote(s: string): string {
  return JSON.stringify(s);
}

/** strconv.ParseInt(s, 10, 64). */
export function parseGoInt(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.ParseInt: parsing ${quote(s)}: invalid syntax`);
  const n = Number(s);
  if (Math.abs(n) > 2 ** 63) throw new Error(`strconv.ParseInt: parsing ${quote(s)}: value out of range`);
  return n;
}

/** strconv.ParseInt(s, 10, 32), as Jaeger reads `limit`. */
export function parseGoInt32(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.ParseInt: parsing ${quote(s)}: invalid syntax`);
  const n = Number(s);
  if (n > 2 ** 31 - 1 || n < -(2 ** 31)) throw new Error(`strconv.ParseInt: parsing ${quote(s)}: value out of range`);
  return n;
}

/** Jaeger's model.TraceIDFromString: up to 32 hex digits. Returns the id lower-cased. */
export function parseTraceID(s: string): string {
  if (s.length > 32) throw new Error(`TraceID cannot be longer than 32 hex characters: ${s}`);
  const parts = s.length > 16 ? [s.slice(0, s.length - 16), s.slice(s.length - 16)] : [s];
  for (const p of parts) if (!/^[0-9a-fA-F]+$/.test(p)) throw new Error(`strconv.ParseUint: parsing ${quote(p)}: invalid syntax`);
  return s.toLowerCase();
}
