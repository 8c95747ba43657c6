import type { MeshCore, RequestSource } from '../mesh/mesh-core.ts';
import { utf8ByteLength } from '../portable/bytes.ts';

export interface LoadOptions {
  mesh: MeshCore;
  /** The calling pod (fortio-deploy in the task). */
  from: RequestSource;
  url: string;
  /** `-c`: concurrent connections. */
  connections: number;
  /** `-n`: total requests. */
  requests: number;
  /** `-qps`: 0 = as fast as possible. */
  qps?: number;
  headers?: Record<string, string>;
  /** `-t`: stop issuing requests after this much simulated time (used when `requests` is not given). */
  durationMs?: number;
  /** Each call as it completes: status (-1 = no HTTP response), simulated ms, response sizes. */
  onResponse?: (r: { status: number; ms: number; headerBytes: number; bodyBytes: number }) => void;
  signal?: AbortSignal;
}

export interface LoadResult {
  /** HTTP status → count; -1 counts calls that got no HTTP response at all. */
  codes: Record<number, number>;
  requests: number;
  /** Simulated wall time of the run, ms. */
  durationMs: number;
  latencyMs: { avg: number; p50: number; p90: number; p99: number; max: number };
}

const MAX_REQUESTS = 100_000;
export const FORTIO_VERSION = '1.69.1';
const FORTIO_USER_AGENT = `fortio.org/fortio-${FORTIO_VERSION}`;

/**
 * A fortio-like load generator (`fortio load -c N -n M -qps Q`): N connections each sending
 * requests back to back (or paced to Q/N per second) until M have been sent.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const { mesh } = opts;
  const clock = mesh.clock;
  const connections = Math.max(1, Math.min(64, Math.floor(opts.connections)));
  const total = Math.max(0, Math.min(MAX_REQUESTS, Math.floor(opts.requests)));
  const qps = opts.qps ?? 0;
  const perConnectionIntervalMs = qps > 0 ? (1000 * connections) / qps : 0;
  const codes: Record<number, number> = {};
  const latencies: number[] = [];
  let issued = 0;
  const started = clock.now();

  async function connection(): Promise<void> {
    let slot = 0;
    while (issued < total && !opts.signal?.aborted && (opts.durationMs === undefined || clock.now() - started < opts.durationMs)) {
      issued++;
      const t0 = clock.now();
      let status = -1;
      let headerBytes = 0;
      let bodyBytes = 0;
      try {
        const res = await mesh.request(opts.from, { method: 'GET', url: opts.url, headers: { 'user-agent': FORTIO_USER_AGENT, ...opts.headers }, signal: opts.signal });
        status = res.status;
        headerBytes = Object.entries(res.headers).reduce((n, [k, v]) => n + k.length + v.length + 4, 17);
        bodyBytes = utf8ByteLength(res.body);
      } catch {
        /* counted as -1, as fortio counts socket errors */
      }
      codes[status] = (codes[status] ?? 0) + 1;
      const took = clock.now() - t0;
      opts.onResponse?.({ status, ms: took, headerBytes, bodyBytes });
      latencies.push(took);
      // Paced: each connection's k-th call is due at start + k intervals, catching up after a slow
      // one (fortio's default). Unpaced: fortio's own turnaround before the next call.
      slot++;
      const wait = perConnectionIntervalMs > 0 ? started + slot * perConnectionIntervalMs - clock.now() : 1 + Math.random() * 2;
      if (wait > 0) await clock.sleep(wait, opts.signal).catch(() => {});
    }
  }

  await Promise.all(Array.from({ length: connections }, connection));
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] : 0);
  return {
    codes,
    requests: latencies.length,
    durationMs: clock.now() - started,
    latencyMs: {
      avg: latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : 0,
      p50: pct(50),
      p90: pct(90),
      p99: pct(99),
      max: latencies.at(-1) ?? 0,
    },
  };
}
