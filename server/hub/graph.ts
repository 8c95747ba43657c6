/**
 * The service graph from traces, as Kiali's versioned-app graph draws it: a node per
 * workload version (plus the ingress gateway, plus a service node where a call never
 * reached a workload), and an edge per caller → callee with requests/s, error % and
 * p99 over a window. Built only from Jaeger JSON fetched over HTTP.
 */
import type { GraphEdge, GraphNode, GraphSnapshot } from '../protocol.ts';
import { tagOf, type JaegerSpan, type JaegerTrace } from '../embedded/tracing/jaeger-json.ts';
import { listServices, searchTraces } from '../embedded/tracing/jaeger-client.ts';
import { Poller } from './poller.ts';
import { l4Edges, mergeL4, roundTo as round } from './graph-l4.ts';
import type { L4Read, L4Source } from './l4-feed.ts';
import { DataPlaneGraphs, GRAPH_DATA_PLANES, tracesByDataPlane } from './graph-by-data-plane.ts';
import { traceDataPlane } from './trace-data-plane.ts';

export const INGRESS_SERVICE = 'istio-ingressgateway.istio-system';

interface EdgeStats {
  count: number;
  errors: number;
  durationsUs: number[];
}

export function buildGraph(traces: readonly JaegerTrace[], opts: { windowSeconds: number; nowUs: number }): GraphSnapshot {
  const windowUs = opts.windowSeconds * 1e6;
  const fromUs = opts.nowUs - windowUs;
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, EdgeStats & { source: string; target: string }>();

  for (const trace of traces) {
    const children = new Map<string, JaegerSpan[]>();
    for (const span of trace.spans) {
      const parent = span.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
      if (!parent) continue;
      const list = children.get(parent);
      if (list) list.push(span);
      else children.set(parent, [span]);
    }
    for (const span of trace.spans) {
      if (span.startTime <= fromUs || span.startTime > opts.nowUs) continue;
      const self = proxyNode(trace, span);
      nodes.set(self.id, self);
      if (!isRequestSpan(span, self)) continue;
      const served = (children.get(span.spanID) ?? [])
        .filter((c) => servedBy(span, c))
        .map((c) => proxyNode(trace, c))
        .find((n) => n.id !== self.id);
      const target = served ?? serviceNode(span);
      if (!target) continue;
      nodes.set(target.id, target);
      const key = `${self.id}\u0000${target.id}`;
      let e = edges.get(key);
      if (!e) edges.set(key, (e = { source: self.id, target: target.id, count: 0, errors: 0, durationsUs: [] }));
      e.count++;
      if (isError(span)) e.errors++;
      e.durationsUs.push(span.duration);
    }
  }

  const edgeList: GraphEdge[] = [...edges.values()].map((e) => ({
    source: e.source,
    target: e.target,
    rps: round(e.count / opts.windowSeconds, 3),
    errorPct: round((100 * e.errors) / e.count, 1),
    p99Ms: round(percentile(e.durationsUs, 0.99) / 1000, 1),
  }));
  edgeList.sort((a, b) => a.source.localeCompare(b.source) || a.target.localeCompare(b.target));
  const nodeList = [...nodes.values()].sort((a, b) => a.id.localeCompare(b.id));
  return { nodes: nodeList, edges: edgeList, windowSeconds: opts.windowSeconds };
}

/** The proxy that recorded a span: a workload version, or the ingress gateway. */
function proxyNode(trace: JaegerTrace, span: JaegerSpan): GraphNode {
  const serviceName = trace.processes[span.processID]?.serviceName ?? '';
  const [svcApp, svcNs] = splitServiceName(serviceName);
  const nodeId = tagOf(span, 'node_id') ?? '';
  const app = tagOf(span, 'istio.canonical_service') || svcApp || 'unknown';
  const namespace = tagOf(span, 'istio.namespace') || svcNs || nodeId.split('~')[3]?.split('.')[0] || '';
  if (nodeId.startsWith('waypoint~')) return { id: app, app, namespace, kind: 'waypoint' };
  if (nodeId.startsWith('router~') || serviceName === INGRESS_SERVICE || app === 'istio-ingressgateway') {
    return { id: app, app, namespace, kind: 'ingress' };
  }
  const revision = tagOf(span, 'istio.canonical_revision') || versionFromPod(nodeId, app);
  const version = revision && revision !== 'latest' ? revision : undefined;
  return { id: version ? `${app}-${version}` : app, app, version, namespace, kind: 'workload' };
}

/**
 * Whether a child span is the next proxy of its parent's request: the server sidecar's span,
 * or a waypoint's span for the same service (a waypoint's span under a call to an ambient pod
 * with no sidecar is that pod's own outgoing call).
 */
function servedBy(parent: JaegerSpan, child: JaegerSpan): boolean {
  const kind = tagOf(child, 'span.kind');
  if (kind === 'server') return true;
  return (tagOf(child, 'node_id') ?? '').startsWith('waypoint~') && destinationHost(child) === destinationHost(parent);
}

// outbound|9080|v2|reviews.default.svc.cluster.local
function destinationHost(span: JaegerSpan): string | undefined {
  const cluster = tagOf(span, 'upstream_cluster') ?? '';
  const m = /^outbound\|\d+\|[^|]*\|([^|]+)$/.exec(cluster);
  return m?.[1] ?? hostFromOperation(span.operationName);
}

/** Where a request was headed when no workload span answers it: the service in `upstream_cluster`. */
function serviceNode(span: JaegerSpan): GraphNode | undefined {
  const host = destinationHost(span);
  if (!host) return undefined;
  const [app, namespace = ''] = host.split('.');
  return { id: `${app}.${namespace || 'svc'}`, app, namespace, kind: 'service' };
}

function hostFromOperation(op: string): string | undefined {
  const m = /^([a-z0-9.-]+\.svc\.cluster\.local):\d+/.exec(op);
  return m?.[1];
}

/** Client-side spans carry the caller's view of one request; so does the gateway's span. */
function isRequestSpan(span: JaegerSpan, self: GraphNode): boolean {
  const kind = tagOf(span, 'span.kind');
  if (kind === 'client') return true;
  return self.kind === 'ingress' && kind !== 'server';
}

function isError(span: JaegerSpan): boolean {
  if (tagOf(span, 'error') === 'true') return true;
  const status = Number(tagOf(span, 'http.status_code') ?? 0);
  return status >= 500 || status === 0;
}

function splitServiceName(name: string): [string, string] {
  const i = name.indexOf('.');
  return i < 0 ? [name, ''] : [name.slice(0, i), name.slice(i + 1)];
}

// sidecar~10.1.0.21~reviews-v2-5b64f47978-8x7rm.default~default.svc.cluster.local
function versionFromPod(nodeId: string, app: string): string | undefined {
  const pod = nodeId.split('~')[2] ?? '';
  const m = new RegExp(`^${app.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(v\\d+)-`).exec(pod);
  return m?.[1];
}

function percentile(values: number[], q: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

// ---- polling ------------------------------------------------------------------------

/** Traces per in-mesh service and poll: such calls are rarer than the gateway's demo traffic. */
const IN_MESH_LIMIT = 100;
/** Traces per service the first poll looks back through for a data plane that no longer carries traffic. */
const HISTORY_LIMIT = 200;

function servicesIn(traces: readonly JaegerTrace[]): Set<string> {
  const names = new Set<string>();
  for (const t of traces) for (const p of Object.values(t.processes)) names.add(p.serviceName);
  return names;
}

export interface GraphPollerOptions {
  jaegerUrl: string;
  intervalMs: number;
  windowSeconds: number;
  fetchImpl?: typeof fetch;
  /** Traces fetched per poll at most; default 500. */
  limit?: number;
  /** Epoch ms of "now" for the window; by default the newest span seen, moving on with the wall clock while idle. */
  now?: () => number;
  /** ztunnel's connections, for the TCP edges of ambient traffic no span describes. */
  l4?: L4Source;
}

/**
 * Polls the traces that entered through the ingress gateway (and those that started inside
 * the mesh) and emits 'change' with a
 * GraphSnapshot whenever the graph changed in a way a viewer would see. Emits
 * 'status' (FeedStatus) when Jaeger becomes usable or unusable.
 */
export class GraphPoller extends Poller {
  private lastKey: string | undefined;
  private dataNowUs = 0;
  private dataNowAtRealMs = 0;
  private readonly byDataPlane = new DataPlaneGraphs();
  private historyRead = false;
  latest: GraphSnapshot | undefined;

  constructor(private readonly opts: GraphPollerOptions) {
    super(opts.intervalMs);
    if (!(opts.windowSeconds > 0)) throw new Error(`windowSeconds must be positive, got ${opts.windowSeconds}`);
  }

  /** One poll; resolves with the snapshot built (emitted only if it changed). */
  poll(): Promise<GraphSnapshot | undefined> {
    return this.runPoll(async (signal) => {
      const guessUs = this.nowUs();
      const limit = this.opts.limit ?? 500;
      const start = Math.floor(guessUs - this.opts.windowSeconds * 2e6);
      const fetchOpts = { fetchImpl: this.opts.fetchImpl, signal };
      const traces = await searchTraces(this.opts.jaegerUrl, { service: INGRESS_SERVICE, start, limit }, fetchOpts);
      // Calls that start inside the mesh (fortio → httpbin, sleep → productpage) never pass
      // the gateway: look up the services its traces do not already cover.
      const covered = servicesIn(traces);
      const seen = new Set(traces.map((t) => t.traceID));
      // Asked every poll (a small answer): a workload's first calls must show at once.
      for (const service of await listServices(this.opts.jaegerUrl, fetchOpts)) {
        if (service === INGRESS_SERVICE || covered.has(service)) continue;
        for (const t of await searchTraces(this.opts.jaegerUrl, { service, start, limit: IN_MESH_LIMIT }, fetchOpts)) {
          if (seen.has(t.traceID)) continue;
          seen.add(t.traceID);
          traces.push(t);
          for (const s of servicesIn([t])) covered.add(s);
        }
      }
      const l4 = await this.readL4(signal);
      this.observe(traces, l4.read?.connections ?? []);
      const nowUs = this.nowUs();
      // With the limit reached the answer covers less than the window: rate over what it covers.
      let windowSeconds = this.opts.windowSeconds;
      if (traces.length >= limit) {
        const oldest = Math.min(...traces.map((t) => Math.min(...t.spans.map((s) => s.startTime))));
        windowSeconds = Math.max(1, Math.min(windowSeconds, (nowUs - oldest) / 1e6));
      }
      const tcp = l4.read ? l4Edges(l4.read.connections, l4.read.labels, { windowSeconds: Math.min(this.opts.windowSeconds, l4.read.coveredSeconds), nowUs }) : undefined;
      const withTcp = (g: GraphSnapshot) => (tcp ? mergeL4(g, tcp) : g);
      const window = { windowSeconds, nowUs };
      const perPlane = tracesByDataPlane(traces, Boolean(tcp?.edges.length));
      await this.readHistory(fetchOpts);
      const snapshot = this.byDataPlane.attach(withTcp(buildGraph(traces, window)), {
        sidecar: buildGraph(perPlane.sidecar, window),
        ambient: withTcp(buildGraph(perPlane.ambient, window)),
      });
      if (l4.error) snapshot.l4Error = l4.error;
      this.latest = snapshot;
      const key = meaningfulKey(snapshot);
      if (key !== this.lastKey) {
        this.lastKey = key;
        this.emit('change', snapshot);
      }
      return snapshot;
    });
  }

  /**
   * Once, when a data plane has no graph yet: the newest window of its older traces, so a
   * deck started after the talk moved to ambient still has the sidecar graph to compare.
   */
  private async readHistory(fetchOpts: { fetchImpl?: typeof fetch; signal: AbortSignal }): Promise<void> {
    if (this.historyRead || !this.byDataPlane.unknown().length) return;
    this.historyRead = true;
    const byId = new Map<string, JaegerTrace>();
    for (const service of await listServices(this.opts.jaegerUrl, fetchOpts)) {
      for (const t of await searchTraces(this.opts.jaegerUrl, { service, limit: HISTORY_LIMIT }, fetchOpts)) byId.set(t.traceID, t);
    }
    for (const plane of this.byDataPlane.unknown()) {
      const traces = [...byId.values()].filter((t) => traceDataPlane(t) === plane);
      if (!traces.length) continue;
      const newestUs = Math.max(...traces.flatMap((t) => t.spans.map((s) => s.startTime + s.duration)));
      this.byDataPlane.rememberPast(plane, buildGraph(traces, { windowSeconds: this.opts.windowSeconds, nowUs: newestUs }));
    }
  }

  /** A failure to read ztunnel's logs costs the TCP edges only: the graph says why and keeps its traced edges. */
  private async readL4(signal: AbortSignal): Promise<{ read?: L4Read; error?: string }> {
    if (!this.opts.l4) return {};
    try {
      return { read: await this.opts.l4.read(this.opts.windowSeconds, signal) };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }

  private nowUs(): number {
    if (this.opts.now) return this.opts.now() * 1000;
    if (!this.dataNowUs) return Date.now() * 1000;
    return this.dataNowUs + (Date.now() - this.dataNowAtRealMs) * 1000;
  }

  /** Follows the clock the spans are stamped with (a scaled simulated clock, or a real cluster's). */
  private observe(traces: JaegerTrace[], connections: readonly { endUs: number }[]): void {
    let newest = 0;
    for (const t of traces) for (const s of t.spans) newest = Math.max(newest, s.startTime + s.duration);
    for (const c of connections) newest = Math.max(newest, c.endUs);
    if (newest > this.nowUs()) {
      this.dataNowUs = newest;
      this.dataNowAtRealMs = Date.now();
    }
  }
}

/** What a viewer would notice: nodes, edges, rps and connections/s to 0.1, whole error %, p99 and bytes/s to two significant digits. */
function meaningfulKey(g: GraphSnapshot): string {
  const sig = (n: number) => (n === 0 ? 0 : Number(n.toPrecision(2)));
  const drawn = (d: Pick<GraphSnapshot, 'nodes' | 'edges'>) => [
    d.nodes.map((n) => n.id),
    d.edges.map((e) => [e.source, e.target, Math.round(e.rps * 10) / 10, Math.round(e.errorPct), sig(e.p99Ms), e.tcp && [Math.round(e.tcp.connectionsPerSecond * 10) / 10, sig(e.tcp.bytesPerSecond), Math.round(e.tcp.failedPct)]]),
  ];
  const planes = GRAPH_DATA_PLANES.map((p) => g.byDataPlane?.[p] && [p, g.byDataPlane[p]!.current, drawn(g.byDataPlane[p]!)]);
  return JSON.stringify([drawn(g), g.l4Error, g.dataPlane, planes]);
}
