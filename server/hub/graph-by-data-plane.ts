/**
 * The service graph of each data plane on its own, so the talk can set the sidecar graph
 * beside the ambient one: after the switch to ambient, the sidecar graph is the last one
 * seen while sidecars carried the traffic.
 */
import type { DataPlaneGraph, GraphDataPlane, GraphSnapshot } from '../protocol.ts';
import type { JaegerTrace } from '../embedded/tracing/jaeger-json.ts';
import { traceDataPlane } from './trace-data-plane.ts';

export const GRAPH_DATA_PLANES: readonly GraphDataPlane[] = ['sidecar', 'ambient'];

/**
 * The traces each data plane's graph is drawn from. A trace through both feeds both. One that
 * only a gateway recorded (an ambient pod behind it makes no span without a waypoint) feeds
 * the ambient graph while ambient traffic is seen (waypoint spans or ztunnel connections),
 * else the sidecar one.
 */
export function tracesByDataPlane(traces: readonly JaegerTrace[], ztunnelSawTraffic: boolean): Record<GraphDataPlane, JaegerTrace[]> {
  const out: Record<GraphDataPlane, JaegerTrace[]> = { sidecar: [], ambient: [] };
  const gatewayOnly: JaegerTrace[] = [];
  for (const t of traces) {
    const plane = traceDataPlane(t);
    if (plane === 'mixed') out.sidecar.push(t), out.ambient.push(t);
    else if (plane) out[plane].push(t);
    else gatewayOnly.push(t);
  }
  (ztunnelSawTraffic || out.ambient.length ? out.ambient : out.sidecar).push(...gatewayOnly);
  return out;
}

const planeGraph = (g: GraphSnapshot, current: boolean): DataPlaneGraph => ({ nodes: g.nodes, edges: g.edges, windowSeconds: g.windowSeconds, current });

/** The newest graph seen of each data plane, and what of them a snapshot carries. */
export class DataPlaneGraphs {
  private readonly newest = new Map<GraphDataPlane, DataPlaneGraph>();

  /** Data planes no graph is known of yet. */
  unknown(): GraphDataPlane[] {
    return GRAPH_DATA_PLANES.filter((p) => !this.newest.has(p));
  }

  /** A graph drawn from older traces, for a data plane that stopped before this deck started watching. */
  rememberPast(plane: GraphDataPlane, graph: GraphSnapshot): void {
    if (!this.newest.has(plane) && graph.edges.length) this.newest.set(plane, planeGraph(graph, false));
  }

  /**
   * Records this poll's graph of each data plane (one with no edges means that plane carries no
   * traffic now) and returns `snapshot` with them: when one plane alone carries the traffic the
   * snapshot is that plane's graph and only the other plane's newest graph rides along.
   */
  attach(snapshot: GraphSnapshot, current: Record<GraphDataPlane, GraphSnapshot>): GraphSnapshot {
    const live = GRAPH_DATA_PLANES.filter((p) => current[p].edges.length > 0);
    for (const p of GRAPH_DATA_PLANES) {
      if (live.includes(p)) this.newest.set(p, planeGraph(current[p], true));
      else if (this.newest.get(p)?.current) this.newest.set(p, { ...this.newest.get(p)!, current: false });
    }
    const only = live.length === 1 ? live[0] : undefined;
    const byDataPlane: Partial<Record<GraphDataPlane, DataPlaneGraph>> = {};
    for (const [p, g] of this.newest) if (p !== only) byDataPlane[p] = g;
    const out: GraphSnapshot = { ...snapshot };
    if (only) out.dataPlane = only;
    if (Object.keys(byDataPlane).length) out.byDataPlane = byDataPlane;
    return out;
  }
}
