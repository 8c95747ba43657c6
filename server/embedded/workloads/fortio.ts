import type { Mesh, RequestSource } from '../mesh/index.ts';

export interface LoadOptions {
  mesh: Mesh;
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
    while (issued < total) {
      issued++;
      const t0 = clock.now();
      try {
        const res = await mesh.request(opts.from, { method: 'GET', url: opts.url, headers: { 'user-agent': 'fortio.org/fortio-1.69.1', ...opts.headers } });
        codes[res.status] = (codes[res.status] ?? 0) + 1;
      } catch {
        codes[-1] = (codes[-1] ?? 0) + 1;
      }
      const took = clock.now() - t0;
      latencies.push(took);
      // fortio's own turnaround between a response and the next request on this connection.
      const wait = Math.max(0, perConnectionIntervalMs - took);
      await clock.sleep(wait + 1 + Math.random() * 2);
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
