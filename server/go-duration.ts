/**
 * Go's time.ParseDuration, the one duration grammar of the simulated cluster: Jaeger's query
 * parameters, the Istio CRDs' `duration()` checks, the mesh's timeouts and fortio's `-t` all
 * read durations with it, so each accepts and refuses exactly the same texts, with Go's errors.
 *
 * Grammar: an optional sign, then one or more `<number><unit>` parts (`1h30m`, `.5s`, `2.s`);
 * units ns, us, µs (U+00B5 or U+03BC), ms, s, m, h; a bare `0` alone needs no unit.
 */

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 MICRO SIGN
  'μs': 1_000n, // U+03BC GREEK SMALL LETTER MU
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** A Go Duration is an int64 of nanoseconds: magnitudes past 2^63 overflow. */
const LIMIT = 1n << 63n;

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

const utf8 = new TextEncoder();

/**
 * Go quotes the text in its errors with every byte outside printable ASCII as `\xNN`
 * (so `"1µ"` reads `"1\xc2\xb5"`), and `"` and `\` escaped.
 */
function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    if (ch < ' ' || ch > '~') {
      for (const byte of utf8.encode(ch)) out += `\\x${byte.toString(16).padStart(2, '0')}`;
    } else out += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
  }
  return `${out}"`;
}

/** The run of digits at `at`, and where it ends. */
function digitsAt(s: string, at: number): { digits: string; end: number } {
  let end = at;
  while (isDigit(s[end])) end++;
  return { digits: s.slice(at, end), end };
}

/**
 * The fraction's digits as Go keeps them: as many as fit an int64 (later ones are read and
 * dropped), with the power of ten they are scaled by.
 */
function fractionOf(digits: string): { value: bigint; scale: number } {
  let value = 0n;
  let scale = 1;
  for (const d of digits) {
    const next = value * 10n + BigInt(d);
    if (next > LIMIT) break;
    value = next;
    scale *= 10;
  }
  return { value, scale };
}

/** time.ParseDuration: exact nanoseconds, or an Error with Go's text (`time: invalid duration "abc"`). */
export function parseGoDurationNs(text: string): bigint {
  const invalid = () => new Error(`time: invalid duration ${goQuote(text)}`);
  let at = 0;
  const negative = text[0] === '-';
  if (text[0] === '-' || text[0] === '+') at = 1;
  if (text.slice(at) === '0') return 0n;
  if (at === text.length) throw invalid();
  let total = 0n;
  while (at < text.length) {
    if (!isDigit(text[at]) && text[at] !== '.') throw invalid();
    const whole = digitsAt(text, at);
    at = whole.end;
    let fraction = { value: 0n, scale: 1 };
    let hasFraction = false;
    if (text[at] === '.') {
      const after = digitsAt(text, at + 1);
      fraction = fractionOf(after.digits);
      hasFraction = after.digits !== '';
      at = after.end;
    }
    if (whole.digits === '' && !hasFraction) throw invalid(); // ".s", "-.s"
    let unitEnd = at;
    while (unitEnd < text.length && !isDigit(text[unitEnd]) && text[unitEnd] !== '.') unitEnd++;
    if (unitEnd === at) throw new Error(`time: missing unit in duration ${goQuote(text)}`);
    const unit = text.slice(at, unitEnd);
    at = unitEnd;
    const scale = UNIT_NS[unit];
    if (scale === undefined) throw new Error(`time: unknown unit ${goQuote(unit)} in duration ${goQuote(text)}`);
    const wholeValue = BigInt(whole.digits || '0');
    if (wholeValue > LIMIT / scale) throw invalid();
    let part = wholeValue * scale;
    // Go scales the fraction in float64 and truncates to whole nanoseconds.
    if (fraction.value > 0n) part += BigInt(Math.trunc(Number(fraction.value) * (Number(scale) / fraction.scale)));
    total += part;
    if (part > LIMIT || total > LIMIT) throw invalid();
  }
  if (!negative && total > LIMIT - 1n) throw invalid();
  return negative ? -total : total;
}

/** time.ParseDuration in nanoseconds as a number (exact up to about 104 days), throwing Go's error. */
export function parseGoDuration(text: string): number {
  return Number(parseGoDurationNs(text));
}

/** The duration in milliseconds, or undefined when Go would refuse the text (validation reports it). */
export function goDurationMs(text: string): number | undefined {
  try {
    return Number(parseGoDurationNs(text)) / 1e6;
  } catch {
    return undefined;
  }
}

/**
 * A configured duration (a timeout, an ejection time) in milliseconds; undefined when it is
 * missing, not a string, malformed or negative, so the caller's default applies: the API
 * server has already refused such config, and the data plane does not fail on it.
 */
export function optionalDurationMs(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const ms = goDurationMs(value);
  return ms !== undefined && ms >= 0 ? ms : undefined;
}
