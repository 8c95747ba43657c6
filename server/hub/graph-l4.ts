/**
 * The L4 half of the service graph: ztunnel's connections turned into TCP edges, as Kiali
 * draws the traffic of ambient workloads that no waypoint sees, and merged with the edges the
 * traces give. A connection through a waypoint shows as client → waypoint; the waypoint's own
 * spans give waypoint → service.
 */
import type { GraphEdge, GraphNode, GraphSnapshot } from '../protocol.ts';
import type { L4Connection, L4Peer } from './ztunnel-access-log.ts';

/** The labels of a pod, by `<namespace>/<pod>`, where the feed could read them. */
export type PodLabels = ReadonlyMap<string, Record<string, string>>;

const WAYPOINT_MANAGER = 'istio.io-mesh-controller';
const GATEWAY_NAME = 'gateway.networking.k8s.io/gateway-name';

/** `reviews-v2-5b64f47978-8x7rm` → `reviews-v2` (ReplicaSet hash and pod suffix), `ztunnel-5m27h` → `ztunnel`. */
function ownerName(pod: string): string {
  return pod.replace(/-[a-z0-9]{5,10}-[a-z0-9]{5}$/, '').replace(/-[a-z0-9]{5}$/, '');
}

/** The graph node of one end of a connection: by the pod's labels, else by its name, as the trace nodes are named. */
export function nodeOfPeer(peer: L4Peer, labels: PodLabels): GraphNode {
  const namespace = peer.namespace ?? '';
  if (!peer.workload) return { id: 'unknown', app: 'unknown', namespace, kind: 'workload' };
  const l = labels.get(`${namespace}/${peer.workload}`) ?? {};
  const owner = ownerName(peer.workload);
  if (l['gateway.istio.io/managed'] === WAYPOINT_MANAGER) {
    const name = l[GATEWAY_NAME] ?? owner;
    return { id: name, app: name, namespace, kind: 'waypoint' };
  }
  const app = l['service.istio.io/canonical-name'] ?? l.app ?? owner.replace(/-v\d+$/, '');
  if (app === 'istio-ingressgateway' || l.istio === 'ingressgateway' || l[GATEWAY_NAME]) return { id: app, app, namespace, kind: 'ingress' };
  const revision = l['service.istio.io/canonical-revision'] ?? l.version ?? /-(v\d+)$/.exec(owner)?.[1];
  const version = revision && revision !== 'latest' ? revision : undefined;
  return { id: version ? `${app}-${version}` : app, app, version, namespace, kind: 'workload' };
}

interface PairCount {
  source: GraphNode;
  target: GraphNode;
  /** Each side's ztunnel logs the same connection: counted per side, the larger taken. */
  outbound: { n: number; bytes: number; failed: number };
  inbound: { n: number; bytes: number; failed: number };
}

/** TCP edges from the connections that ended inside the window. */
export function l4Edges(connections: readonly L4Connection[], labels: PodLabels, opts: { windowSeconds: number; nowUs: number }): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const fromUs = opts.nowUs - opts.windowSeconds * 1e6;
  const pairs = new Map<string, PairCount>();
  for (const c of connections) {
    if (c.endUs <= fromUs || c.endUs > opts.nowUs) continue;
    const source = nodeOfPeer(c.src, labels);
    const target = nodeOfPeer(c.dst, labels);
    if (source.id === target.id) continue;
    const key = `${source.id}\u0000${target.id}`;
    let p = pairs.get(key);
    if (!p) pairs.set(key, (p = { source, target, outbound: { n: 0, bytes: 0, failed: 0 }, inbound: { n: 0, bytes: 0, failed: 0 } }));
    const side = p[c.direction];
    side.n++;
    side.bytes += c.bytesSent + c.bytesRecv;
    if (c.error) side.failed++;
  }
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  for (const p of pairs.values()) {
    nodes.set(p.source.id, p.source);
    nodes.set(p.target.id, p.target);
    const side = p.outbound.n >= p.inbound.n ? p.outbound : p.inbound;
    edges.push({
      source: p.source.id,
      target: p.target.id,
      rps: 0,
      errorPct: 0,
      p99Ms: 0,
      protocol: 'tcp',
      tcp: {
        connections: side.n,
        connectionsPerSecond: Number((side.n / opts.windowSeconds).toPrecision(3)),
        bytesPerSecond: Number((side.bytes / opts.windowSeconds).toPrecision(3)),
        failedPct: roundTo((100 * side.failed) / side.n, 1),
      },
    });
  }
  return { nodes: [...nodes.values()], edges };
}

/**
 * The traces' graph plus what ztunnel saw. A trace edge that ends at a service (no proxy
 * span answered it: the pod is ambient) goes to the workloads ztunnel saw that caller reach,
 * its requests shared out by their connections, so a version split through a waypoint still
 * shows per version. A TCP edge is then left out where a trace edge already runs from the same
 * node to the same app: that traffic is shown once, as HTTP.
 */
export function mergeL4(traced: GraphSnapshot, l4: { nodes: GraphNode[]; edges: GraphEdge[] }): GraphSnapshot {
  const l4Nodes = new Map(l4.nodes.map((n) => [n.id, n]));
  const nodes = new Map(traced.nodes.map((n) => [n.id, n]));
  const appOf = (id: string) => nodes.get(id)?.app ?? l4Nodes.get(id)?.app;
  const edges: GraphEdge[] = [];
  for (const e of traced.edges) {
    const target = nodes.get(e.target);
    const reached = target?.kind === 'service' ? l4.edges.filter((l) => l.source === e.source && l4Nodes.get(l.target)?.kind === 'workload' && appOf(l.target) === target.app) : [];
    const total = reached.reduce((n, l) => n + (l.tcp?.connections ?? 0), 0);
    if (!total) {
      edges.push(e);
      continue;
    }
    for (const l of reached) {
      nodes.set(l.target, l4Nodes.get(l.target)!);
      edges.push({ ...e, target: l.target, rps: roundTo((e.rps * (l.tcp?.connections ?? 0)) / total, 3) });
    }
  }
  const tracedTo = new Set(edges.map((e) => `${e.source}\u0000${appOf(e.target)}`));
  for (const e of l4.edges) {
    if (tracedTo.has(`${e.source}\u0000${appOf(e.target)}`)) continue;
    edges.push(e);
    for (const id of [e.source, e.target]) if (!nodes.has(id)) nodes.set(id, l4Nodes.get(id)!);
  }
  // A waypoint known from traces by its spans' service name is the same node the connections name.
  for (const n of l4.nodes) if (n.kind === 'waypoint' && nodes.get(n.id)?.kind === 'workload') nodes.set(n.id, n);
  // A service node every edge now bypasses is gone from the picture.
  const used = new Set(edges.flatMap((e) => [e.source, e.target]));
  for (const [id, n] of nodes) if (n.kind === 'service' && !used.has(id)) nodes.delete(id);
  edges.sort((a, b) => a.source.localeCompare(b.source) || a.target.localeCompare(b.target));
  return { ...traced, nodes: [...nodes.values()].sort((a, b) => a.id.localeCompare(b.id)), edges };
}

/** `n` to `digits` decimals (the graph's figures). */
export function roundTo(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
