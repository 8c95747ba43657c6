/** Go's time.ParseDuration, as the Istio CRDs' CEL `duration()` uses it. Returns milliseconds, or undefined when malformed. */
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const m = /^([-+]?)(.+)$/.exec(text);
  if (!m || !m[2]) return undefined;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  const body = m[2];
  while (at < body.length) {
    part.lastIndex = at;
    const p = part.exec(body);
    if (!p) return undefined;
    total += Number(p[1]) * UNIT_MS[p[2]];
    at = part.lastIndex;
  }
  return m[1] === '-' ? -total : total;
}
