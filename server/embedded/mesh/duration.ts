/** Parses a protobuf/Go duration as Istio accepts it (`7s`, `0.5s`, `180.000s`, `3m`, `100ms`, `1h30m`) into ms. */
export function parseDurationMs(value: unknown, where = 'duration'): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000; // bare seconds
  if (typeof value !== 'string' || !value.trim()) throw new Error(`${where}: expected a duration like "7s", got ${JSON.stringify(value)}`);
  const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = value.trim();
  const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/;
  while (rest) {
    const m = part.exec(rest);
    if (!m) throw new Error(`${where}: invalid duration ${JSON.stringify(value)}`);
    total += Number(m[1]) * unitMs[m[2]];
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** Like parseDurationMs, but undefined for a missing or malformed value (config is validated elsewhere). */
export function optionalDurationMs(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  try {
    return parseDurationMs(value);
  } catch {
    return undefined;
  }
}
