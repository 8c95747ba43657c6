import type { ProcessIo } from '../apiserver/pod-runtime.ts';
import type { MeshCore, RequestSource } from '../mesh/mesh-core.ts';
import { optionalDurationMs } from '../../go-duration.ts';
import { FORTIO_VERSION, runLoad } from './fortio.ts';
import { STATUS_TEXTS } from '../portable/status-text.ts';

const LOG_LEVELS = ['Debug', 'Verbose', 'Info', 'Warning', 'Error', 'Critical', 'Fatal'];
const VALUE_FLAGS = new Set(['c', 'qps', 'n', 't', 'loglevel', 'H', 'p', 'timeout', 'a']);
const BOOL_FLAGS = new Set(['quiet', 'json', 'k', 'a', 'keepalive', 'stdclient', 'h2']);

/** Go's flag package: `-name value`, `-name=value` or `--name`, stopping at the first argument. */
function parseFlags(argv: string[]): { flags: Map<string, string[]>; rest: string[] } | string {
  const flags = new Map<string, string[]>();
  let i = 0;
  for (; i < argv.length && argv[i].startsWith('-') && argv[i] !== '-'; i++) {
    const [name, inline] = argv[i].replace(/^--?/, '').split(/=(.*)/s);
    if (VALUE_FLAGS.has(name) && !BOOL_FLAGS.has(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) return `flag needs an argument: -${name}`;
      flags.set(name, [...(flags.get(name) ?? []), value]);
    } else if (BOOL_FLAGS.has(name)) {
      flags.set(name, ['true']);
    } else {
      return `flag provided but not defined: -${name}`;
    }
  }
  return { flags, rest: argv.slice(i) };
}

const g = (n: number) => String(Number(n.toPrecision(6)));
const clockTime = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/** fortio's latency histogram buckets, in seconds. */
const BUCKETS = [
  0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.007, 0.008, 0.009, 0.01, 0.011, 0.012, 0.014, 0.016, 0.018, 0.02, 0.025, 0.03, 0.035, 0.04, 0.045, 0.05, 0.06,
  0.07, 0.08, 0.09, 0.1, 0.12, 0.14, 0.16, 0.18, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60,
];

/** `count N avg A +/- S min M max X sum T`, fortio's one-line summary of a sample. */
function summary(values: number[]): string {
  const n = values.length;
  if (!n) return 'count 0 avg NaN +/- NaN min 0 max 0 sum 0';
  const sum = values.reduce((a, b) => a + b, 0);
  const avg = sum / n;
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - avg) ** 2, 0) / n);
  return `count ${n} avg ${g(avg)} +/- ${g(Number(sd.toPrecision(4)))} min ${g(Math.min(...values))} max ${g(Math.max(...values))} sum ${g(sum)}`;
}

/** The histogram lines and percentile targets fortio prints for the call durations (seconds). */
function histogram(seconds: number[]): string[] {
  if (!seconds.length) return [];
  const sorted = [...seconds].sort((a, b) => a - b);
  const min = sorted[0];
  const max = sorted.at(-1)!;
  const rows: Array<{ start: number; end: number; pct: number; count: number }> = [];
  let start = min;
  let seen = 0;
  for (const edge of [...BUCKETS.filter((b) => b > min && b < max), max]) {
    const count = sorted.filter((s) => s > (rows.length ? start : -Infinity) && s <= edge).length;
    if (count) {
      seen += count;
      rows.push({ start, end: edge, pct: (100 * seen) / sorted.length, count });
    }
    start = edge;
  }
  const lines = ['# range, mid point, percentile, count'];
  for (const r of rows) lines.push(`>= ${g(r.start)} <= ${g(r.end)} , ${g((r.start + r.end) / 2)} , ${r.pct.toFixed(2)}, ${r.count}`);
  for (const target of [50, 75, 90, 99, 99.9]) {
    let prevPct = 0;
    let value = max;
    for (const r of rows) {
      if (r.pct >= target) {
        value = r.start + ((target - prevPct) / (r.pct - prevPct)) * (r.end - r.start);
        break;
      }
      prevPct = r.pct;
    }
    lines.push(`# target ${target}% ${g(value)}`);
  }
  return lines;
}

/**
 * The fortio CLI in the fortio container: `load` (the circuit-breaking task's load test,
 * on the simulated clock) and `curl`. Output follows fortio's text format.
 */
export async function fortioCommand(mesh: MeshCore, from: RequestSource, argv: string[], io: ProcessIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'version') {
    io.stdout(`${FORTIO_VERSION}\n`);
    return 0;
  }
  if (sub !== 'load' && sub !== 'curl') {
    io.stderr(`fortio: unknown command "${sub ?? ''}"; the embedded fortio runs: load, curl, version\n`);
    return 1;
  }
  const parsed = parseFlags(rest);
  if (typeof parsed === 'string') {
    io.stderr(`${parsed}\nUsage: fortio ${sub} [flags] url\n`);
    return 1;
  }
  const { flags, rest: positional } = parsed;
  const url = positional[0];
  if (!url) {
    io.stderr(`Error: fortio ${sub} needs a url or destination\n`);
    return 1;
  }
  const level = flags.get('loglevel')?.[0] ?? 'Info';
  const levelIndex = LOG_LEVELS.findIndex((l) => l.toLowerCase() === level.toLowerCase());
  if (levelIndex < 0) {
    io.stderr(`invalid value "${level}" for flag -loglevel: should be one of ${LOG_LEVELS.join(', ')}\n`);
    return 1;
  }
  const headers: Record<string, string> = {};
  for (const h of flags.get('H') ?? []) {
    const colon = h.indexOf(':');
    if (colon > 0) headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
  }
  const target = /^https?:\/\//.test(url) ? url : `http://${url}`;
  const log = (letter: string, text: string) => {
    if (LOG_LEVELS.findIndex((l) => l[0] === letter) >= levelIndex) io.stderr(`${clockTime(mesh.clock.now())} ${letter} ${text}\n`);
  };
  if (sub === 'curl') return fortioCurl(mesh, from, target, headers, flags.has('quiet'), io);

  const num = (name: string, fallback: number) => {
    const v = flags.get(name)?.[0];
    return v === undefined ? fallback : Number(v);
  };
  const connections = num('c', 4);
  const qps = num('qps', 8);
  const requests = flags.has('n') ? num('n', 0) : undefined;
  const durationMs = requests === undefined ? optionalDurationMs(flags.get('t')?.[0] ?? '5s') ?? null : undefined;
  for (const [name, v] of [['c', connections], ['qps', qps], ['n', requests ?? 0]] as const) {
    if (!Number.isFinite(v) || v < 0) {
      io.stderr(`invalid value for flag -${name}: ${v}\n`);
      return 1;
    }
  }
  if (durationMs === null) {
    io.stderr(`invalid value "${flags.get('t')?.[0]}" for flag -t: parse error\n`);
    return 1;
  }
  const threads = Math.max(1, Math.min(64, Math.floor(connections)));
  const qpsText = qps > 0 ? `${qps} qps` : 'max qps';
  io.stdout(`Fortio ${FORTIO_VERSION} running at ${qps} queries per second, 2->2 procs, ${requests !== undefined ? `for ${requests} calls` : `for ${flags.get('t')?.[0] ?? '5s'}`}: ${url}\n`);
  io.stdout(
    requests !== undefined
      ? `Starting at ${qpsText} with ${threads} thread(s) [gomax 2] for exactly ${requests} calls (${Math.floor(requests / threads)} per thread + ${requests % threads})\n`
      : `Starting at ${qpsText} with ${threads} thread(s) [gomax 2] for ${flags.get('t')?.[0] ?? '5s'}\n`,
  );
  const seconds: number[] = [];
  const headerSizes: number[] = [];
  const bodySizes: number[] = [];
  const errorSeconds: number[] = [];
  const result = await runLoad({
    mesh,
    from,
    url: target,
    connections: threads,
    requests: requests ?? Number.MAX_SAFE_INTEGER,
    durationMs: durationMs ?? undefined,
    qps,
    headers,
    signal: io.signal,
    onResponse: (r) => {
      seconds.push(r.ms / 1000);
      headerSizes.push(r.headerBytes);
      bodySizes.push(r.headerBytes + r.bodyBytes);
      if (r.status !== 200) errorSeconds.push(r.ms / 1000);
      if (r.status === -1) log('E', 'http_client.go:1202> Unable to connect to the server: connection reset by peer');
      else if (r.status !== 200) log('W', `http_client.go:1151> Non ok http code ${r.status} (HTTP/1.1 ${r.status})`);
    },
  });
  const calls = result.requests;
  const durationS = result.durationMs / 1000;
  const rate = durationS > 0 ? calls / durationS : 0;
  const nonOk = calls - (result.codes[200] ?? 0);
  const out = [
    `Ended after ${g(result.durationMs)}ms : ${calls} calls. qps=${rate.toFixed(2)}`,
    `Aggregated Function Time : ${summary(seconds)}`,
    ...histogram(seconds),
    errorSeconds.length ? `Error cases : ${summary(errorSeconds)}` : 'Error cases : no data',
    `Sockets used: ${Math.max(threads, nonOk + 1)} (for perfect keepalive, would be ${threads})`,
    'Uniform: false, Jitter: false, Catchup allowed: true',
    ...Object.keys(result.codes)
      .map(Number)
      .sort((a, b) => a - b)
      .map((code) => `Code ${code} : ${result.codes[code]} (${((100 * result.codes[code]) / Math.max(1, calls)).toFixed(1)} %)`),
    `Response Header Sizes : ${summary(headerSizes)}`,
    `Response Body/Total Sizes : ${summary(bodySizes)}`,
    `All done ${calls} calls (plus 0 warmup) ${(result.latencyMs.avg).toFixed(3)} ms avg, ${rate.toFixed(1)} qps`,
  ];
  io.stdout(out.join('\n') + '\n');
  return 0;
}

/** `fortio curl URL`: the status line and headers, then the body; -quiet drops the log line. */
async function fortioCurl(mesh: MeshCore, from: RequestSource, url: string, headers: Record<string, string>, quiet: boolean, io: ProcessIo): Promise<number> {
  try {
    const res = await mesh.request(from, { method: 'GET', url, headers: { 'user-agent': `fortio.org/fortio-${FORTIO_VERSION}`, ...headers }, signal: io.signal });
    if (!quiet) io.stderr(`${clockTime(mesh.clock.now())} I http_client.go:1151> fortio curl ${url}\n`);
    const head = [`HTTP/1.1 ${res.status} ${STATUS_TEXTS[res.status] ?? ''}`.trimEnd(), ...Object.entries(res.headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
    io.stdout(`${head}\r\n\r\n${res.body}`);
    return res.status === 200 ? 0 : 1;
  } catch (err) {
    io.stderr(`${clockTime(mesh.clock.now())} E http_client.go:1202> Unable to connect to ${url}: ${(err as Error).message}\n`);
    return 1;
  }
}
