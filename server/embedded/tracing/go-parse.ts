/**
 * Go's parsers for the Jaeger query parameters, with Go's error texts, so a client
 * gets the same 400 messages as from a real Jaeger.
 */

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5
  'μs': 1e3, // U+03BC
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's strconv.Quote, near enough for error texts. */
function quote(s: string): string {
  return JSON.stringify(s);
}

/** time.ParseDuration, returning nanoseconds. */
export function parseGoDuration(input: string): number {
  const orig = input;
  const invalid = () => new Error(`time: invalid duration ${quote(orig)}`);
  let s = input;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let total = 0;
  while (s !== '') {
    const num = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    if (num[0] === '' || num[0] === '.' || (num[1] === '' && !num[2])) throw invalid();
    s = s.slice(num[0].length);
    const unitMatch = /^[^\d.]+/.exec(s);
    if (!unitMatch) throw new Error(`time: missing unit in duration ${quote(orig)}`);
    const unit = unitMatch[0];
    const scale = UNIT_NS[unit];
    if (scale === undefined) throw new Error(`time: unknown unit ${quote(unit)} in duration ${quote(orig)}`);
    s = s.slice(unit.length);
    total += Number(`${num[1] || '0'}.${num[2] || '0'}`) * scale;
  }
  if (total > 2 ** 63) throw invalid();
  return neg ? -total : total;
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
