import type { Workload } from '../app-runtime/types.ts';

export interface EdgeEnd {
  workload: string;
  app: string;
  version: string;
  namespace: string;
}

/** Cumulative traffic on one edge, as the destination reports it (istio_requests_total, in effect). */
export interface EdgeCounters {
  source: EdgeEnd;
  destination: EdgeEnd & { service: string };
  requests: number;
  /** Responses with status ≥ 500 or no response at all. */
  errors: number;
  codes: Record<string, number>;
  /** Envoy response flags seen (`UO`, `FI`, `UT`, ...). */
  flags: Record<string, number>;
  /** The most recent latencies, simulated ms (bounded). */
  latencyMs: number[];
  /** Simulated epoch ms of the last request. */
  lastSeen: number;
}

const MAX_SAMPLES = 256;
const MAX_EDGES = 2000;

export const endOf = (w: Workload | undefined): EdgeEnd =>
  w ? { workload: w.workload, app: w.app, version: w.version, namespace: w.namespace } : { workload: 'unknown', app: 'unknown', version: 'unknown', namespace: 'unknown' };

/** The mesh's per-edge counters: what the deck's service graph and traffic splits are drawn from. */
export class MeshCounters {
  private readonly edges = new Map<string, EdgeCounters>();

  record(source: EdgeEnd, destination: EdgeEnd & { service: string }, status: number, flags: string[], latencyMs: number, now: number): void {
    const key = `${source.namespace}/${source.workload}>${destination.namespace}/${destination.workload}/${destination.version}/${destination.service}`;
    let e = this.edges.get(key);
    if (!e) {
      if (this.edges.size >= MAX_EDGES) this.edges.delete(this.edges.keys().next().value!);
      this.edges.set(key, (e = { source, destination, requests: 0, errors: 0, codes: {}, flags: {}, latencyMs: [], lastSeen: now }));
    }
    e.requests++;
    if (status >= 500 || status === 0) e.errors++;
    e.codes[status] = (e.codes[status] ?? 0) + 1;
    for (const f of flags) e.flags[f] = (e.flags[f] ?? 0) + 1;
    e.latencyMs.push(Math.round(latencyMs * 1000) / 1000);
    if (e.latencyMs.length > MAX_SAMPLES) e.latencyMs.splice(0, e.latencyMs.length - MAX_SAMPLES);
    e.lastSeen = now;
  }

  /** A copy, safe to serialise. */
  snapshot(): EdgeCounters[] {
    return [...this.edges.values()].map((e) => structuredClone(e));
  }

  reset(): void {
    this.edges.clear();
  }
}
