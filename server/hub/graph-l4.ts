/**
 * The L4 half of the service graph: ztunnel's connections turned into TCP edges, as Kiali
 * draws the traffic of ambient workloads that no waypoint sees, and merged with the edges the
 * traces give. A connection through a waypoint shows as client → waypoint; the waypoint's own
 * spans give waypoint → service.
 */
import type { GraphEdge, GraphNode, GraphSnapshot } from '../protocol.ts';
import type { L4Connection, L4Peer } from './ztunnel-access-log.ts';

/** What the feed could read of the workloads ztunnel names, each by `<namespace>/<name>`. */
export interface PeerLabels {
  /** A pod's labels, by its name. */
  pods: ReadonlyMap<string, Record<string, string>>;
  /** A Deployment's pod template labels, by its name: for a pod gone or not yet read, and a waypoint with no pod yet. */
  deployments: ReadonlyMap<string, Record<string, string>>;
}

export const NO_PEER_LABELS: PeerLabels = { pods: new Map(), deployments: new Map() };

const WAYPOINT_MANAGER = 'istio.io-mesh-controller';
const GATEWAY_NAME = 'gateway.networking.k8s.io/gateway-name';

/** `reviews-v2-5b64f47978-8x7rm` → `reviews-v2` (ReplicaSet hash and pod suffix), `ztunnel-5m27h` → `ztunnel`. */
function ownerName(pod: string): string {
  // One or the other: `bookinfo-gateway-istio-7fc7dcb87-sq4nl` keeps its `-istio`.
  const replicaSetPod = /^(.+)-[a-z0-9]{5,10}-[a-z0-9]{5}$/.exec(pod);
  return replicaSetPod ? replicaSetPod[1] : pod.replace(/-[a-z0-9]{5}$/, '');
}

/**
 * The graph node of one end of a connection: by the pod's labels, else by its Deployment's
 * (the name less its ReplicaSet hash and pod suffix), else by the name alone, as the trace
 * nodes are named.
 */
export function nodeOfPeer(peer: L4Peer, labels: PeerLabels): GraphNode {
  const namespace = peer.namespace ?? '';
  if (!peer.workload) return { id: 'unknown', app: 'unknown', namespace, kind: 'workload' };
  const owner = ownerName(peer.workload);
  const l = labels.pods.get(`${namespace}/${peer.workload}`) ?? labels.deployments.get(`${namespace}/${owner}`) ?? {};
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

interface SideCount {
  n: number;
  bytes: number;
  failed: number;
  /** Connections by the Service the client addressed (`<name>.<namespace>`), `''` where ztunnel logged none. */
  services: Map<string, number>;
}

interface PairCount {
  source: GraphNode;
  target: GraphNode;
  /** Each side's ztunnel logs the same connection: counted per side, the larger taken. */
  outbound: SideCount;
  inbound: SideCount;
}

/** What ztunnel saw: TCP edges, their nodes, and per edge (`source>target`) its connections by the Service addressed. */
export interface L4Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  services: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

const edgeKey = (source: string, target: string) => `${source}>${target}`;

/** `reviews-v1.default.svc.cluster.local` → `reviews-v1.default`, the id the traced graph gives that Service's node. */
function serviceKey(fqdn: string | undefined): string {
  const [name, namespace] = (fqdn ?? '').split('.');
  return name && namespace ? `${name}.${namespace}` : '';
}

const emptySide = (): SideCount => ({ n: 0, bytes: 0, failed: 0, services: new Map() });

/** TCP edges from the connections that ended inside the window. */
export function l4Edges(connections: readonly L4Connection[], labels: PeerLabels, opts: { windowSeconds: number; nowUs: number }): L4Graph {
  const fromUs = opts.nowUs - opts.windowSeconds * 1e6;
  const pairs = new Map<string, PairCount>();
  for (const c of connections) {
    if (c.endUs <= fromUs || c.endUs > opts.nowUs) continue;
    const source = nodeOfPeer(c.src, labels);
    const target = nodeOfPeer(c.dst, labels);
    if (source.id === target.id) continue;
    const key = `${source.id}\u0000${target.id}`;
    let p = pairs.get(key);
    if (!p) pairs.set(key, (p = { source, target, outbound: emptySide(), inbound: emptySide() }));
    const side = p[c.direction];
    side.n++;
    side.bytes += c.bytesSent + c.bytesRecv;
    if (c.error) side.failed++;
    const service = serviceKey(c.dst.service);
    side.services.set(service, (side.services.get(service) ?? 0) + 1);
  }
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  const services = new Map<string, ReadonlyMap<string, number>>();
  for (const p of pairs.values()) {
    nodes.set(p.source.id, p.source);
    nodes.set(p.target.id, p.target);
    const side = p.outbound.n >= p.inbound.n ? p.outbound : p.inbound;
    services.set(edgeKey(p.source.id, p.target.id), side.services);
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
  return { nodes: [...nodes.values()], edges, services };
}

/**
 * The traces' graph plus what ztunnel saw. A trace edge that ends at a Service (no proxy span
 * answered it: the pod is ambient) goes to the workloads ztunnel saw that caller reach for that
 * same Service (the `dst.service` it logged), its requests shared out by their connections, so
 * a version split through a waypoint shows on the versions of the one workload box, whether the
 * route named subsets of `reviews` or the Services `reviews-v1` and `reviews-v2`. A TCP edge is
 * then left out where a trace edge already runs from the same node to the same app: that
 * traffic is shown once, as HTTP.
 */
export function mergeL4(traced: GraphSnapshot, l4: L4Graph): GraphSnapshot {
  const l4Nodes = new Map(l4.nodes.map((n) => [n.id, n]));
  const nodes = new Map(traced.nodes.map((n) => [n.id, n]));
  const appOf = (id: string) => nodes.get(id)?.app ?? l4Nodes.get(id)?.app;
  const edges = new Map<string, GraphEdge>();
  const add = (e: GraphEdge) => {
    const key = edgeKey(e.source, e.target);
    const had = edges.get(key);
    edges.set(key, had ? sumOfTraced(had, e) : e);
  };
  for (const e of traced.edges) {
    const target = nodes.get(e.target);
    const reached = target?.kind === 'service' ? workloadsReached(l4, l4Nodes, e.source, target) : [];
    const total = reached.reduce((n, r) => n + r.connections, 0);
    if (!total) {
      add(e);
      continue;
    }
    for (const r of reached) {
      nodes.set(r.target, l4Nodes.get(r.target)!);
      add({ ...e, target: r.target, rps: roundTo((e.rps * r.connections) / total, 3) });
    }
  }
  const tracedTo = new Set([...edges.values()].map((e) => `${e.source}\u0000${appOf(e.target)}`));
  for (const e of l4.edges) {
    if (tracedTo.has(`${e.source}\u0000${appOf(e.target)}`)) continue;
    edges.set(edgeKey(e.source, e.target), e);
    for (const id of [e.source, e.target]) if (!nodes.has(id)) nodes.set(id, l4Nodes.get(id)!);
  }
  // A waypoint known from traces by its spans' service name is the same node the connections name.
  for (const n of l4.nodes) if (n.kind === 'waypoint' && nodes.get(n.id)?.kind === 'workload') nodes.set(n.id, n);
  // A service node every edge now bypasses is gone from the picture.
  const list = [...edges.values()];
  const used = new Set(list.flatMap((e) => [e.source, e.target]));
  for (const [id, n] of nodes) if (n.kind === 'service' && !used.has(id)) nodes.delete(id);
  list.sort((a, b) => a.source.localeCompare(b.source) || a.target.localeCompare(b.target));
  return { ...traced, nodes: [...nodes.values()].sort((a, b) => a.id.localeCompare(b.id)), edges: list };
}

/**
 * The workloads `source`'s connections for the Service `service` reached, with how many each:
 * by the Service ztunnel logged, or, for connections it logged none for, by the Service's app.
 */
function workloadsReached(l4: L4Graph, l4Nodes: ReadonlyMap<string, GraphNode>, source: string, service: GraphNode): { target: string; connections: number }[] {
  const from = l4.edges.filter((l) => l.source === source && l4Nodes.get(l.target)?.kind === 'workload');
  const count = (pick: (l: GraphEdge, services: ReadonlyMap<string, number>) => number) =>
    from.map((l) => ({ target: l.target, connections: pick(l, l4.services.get(edgeKey(l.source, l.target)) ?? new Map()) })).filter((r) => r.connections > 0);
  const named = count((_, services) => services.get(service.id) ?? 0);
  return named.length ? named : count((l, services) => (l4Nodes.get(l.target)?.app === service.app ? (services.get('') ?? 0) : 0));
}

/** Two traced edges that now end at the same workload (one caller's routes to several Services of its versions): one edge. */
function sumOfTraced(a: GraphEdge, b: GraphEdge): GraphEdge {
  const rps = a.rps + b.rps;
  const errorPct = rps ? (a.errorPct * a.rps + b.errorPct * b.rps) / rps : Math.max(a.errorPct, b.errorPct);
  return { ...a, rps: roundTo(rps, 3), errorPct: roundTo(errorPct, 1), p99Ms: Math.max(a.p99Ms, b.p99Ms) };
}

/** `n` to `digits` decimals (the graph's figures). */
export function roundTo(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
