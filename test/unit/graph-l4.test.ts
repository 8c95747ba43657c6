import { describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { createMesh } from '../../server/embedded/mesh/index.ts';
import { formatZtunnelLine } from '../../server/embedded/mesh/ztunnel-log.ts';
import { toJaegerTrace } from '../../server/embedded/tracing/jaeger-json.ts';
import { buildGraph } from '../../server/hub/graph.ts';
import { NO_PEER_LABELS, type PeerLabels, l4Edges, mergeL4, nodeOfPeer } from '../../server/hub/graph-l4.ts';
import { type L4Connection, parseZtunnelLine } from '../../server/hub/ztunnel-access-log.ts';
import type { GraphNode, GraphSnapshot } from '../../server/protocol.ts';
import { SpanCollector, addPod, apply, bookinfoStore } from '../helpers/mesh-fixtures.ts';

// A line as ztunnel's own formatter writes it (tabs in the head, addresses bare, strings quoted).
const REAL_LINE =
  '2025-06-02T10:15:04.512345Z\tinfo\taccess\tconnection complete\tsrc.addr=10.244.1.12:58508 src.workload="curl-7656cf8794-r7zb9" src.namespace="default" ' +
  'src.identity="spiffe://cluster.local/ns/default/sa/curl" dst.addr=10.244.1.10:15008 dst.hbone_addr=10.244.1.10:9080 dst.service="productpage.default.svc.cluster.local" ' +
  'dst.workload="productpage-v1-87d54dd59-fn6vw" dst.namespace="default" dst.identity="spiffe://cluster.local/ns/default/sa/bookinfo-productpage" direction="outbound" bytes_sent=80 bytes_recv=175 duration="1ms"';
// The same as istio.io's docs print it (spaces, the HBONE address quoted).
const DOCS_LINE =
  '2024-05-04T09:59:05.028771Z info    access  connection complete src.addr=10.244.1.12:58508 src.workload="curl-7656cf8794-r7zb9" src.namespace="default" src.identity="spiffe://cluster.local/ns/default/sa/curl" dst.addr=10.244.1.10:15008 dst.hbone_addr="10.244.1.10:9080" dst.service="productpage.default.svc.cluster.local" dst.workload="productpage-v1-87d54dd59-fn6vw" dst.namespace="default" dst.identity="spiffe://cluster.local/ns/default/sa/bookinfo-productpage" direction="outbound" bytes_sent=80 bytes_recv=175 duration="1ms"';

const T0 = Date.parse('2025-06-02T10:15:00Z') * 1000;
const conn = (src: string, dst: string, direction: 'inbound' | 'outbound', atS: number, extra: Partial<L4Connection> = {}): L4Connection => ({
  endUs: T0 + atS * 1e6,
  direction,
  src: { workload: src, namespace: 'default' },
  dst: { workload: dst, namespace: 'default' },
  bytesSent: 100,
  bytesRecv: 400,
  ...extra,
});
const NO_LABELS = NO_PEER_LABELS;
/** A waypoint's pod labels as istiod deploys it. */
const WAYPOINT_POD_LABELS = { 'gateway.istio.io/managed': 'istio.io-mesh-controller', 'gateway.networking.k8s.io/gateway-name': 'waypoint', 'service.istio.io/canonical-name': 'waypoint' };

describe("ztunnel's access log", () => {
  it('reads a real ztunnel line and the docs sample alike', () => {
    for (const line of [REAL_LINE, DOCS_LINE]) {
      const c = parseZtunnelLine(line)!;
      expect(c.direction).toBe('outbound');
      expect(c.src).toEqual({ workload: 'curl-7656cf8794-r7zb9', namespace: 'default', identity: 'spiffe://cluster.local/ns/default/sa/curl' });
      expect(c.dst.workload).toBe('productpage-v1-87d54dd59-fn6vw');
      expect(c.dst.service).toBe('productpage.default.svc.cluster.local');
      expect([c.bytesSent, c.bytesRecv]).toEqual([80, 175]);
      expect(c.error).toBeUndefined();
    }
    expect(parseZtunnelLine(REAL_LINE)!.endUs).toBe(Date.parse('2025-06-02T10:15:04.512Z') * 1000 + 345);
  });

  it('keeps a rejection and ignores every other line', () => {
    const refused = parseZtunnelLine(REAL_LINE.replace('\tinfo\t', '\terror\t').replace('duration="1ms"', 'duration="0ms" error="connection closed due to policy rejection"'))!;
    expect(refused.error).toBe('connection closed due to policy rejection');
    expect(parseZtunnelLine('2025-06-02T10:15:04.512345Z\tinfo\txds::client\treceived response\ttype_url="type.googleapis.com/istio.workload.Address"')).toBeUndefined();
    expect(parseZtunnelLine(REAL_LINE.slice(0, 60))).toBeUndefined();
  });

  it('reads what the embedded ztunnel writes', () => {
    const w = (pod: string, ip: string, sa: string) => ({ pod, namespace: 'default', uid: pod, ip, labels: {}, app: pod.split('-')[0], version: 'v1', workload: pod, serviceAccount: sa, hasSidecar: false, ready: true });
    const line = formatZtunnelLine(
      { ztunnel: w('ztunnel-abcde', '10.244.0.2', 'ztunnel'), direction: 'outbound', src: w('curl-5b8d-x1', '10.244.0.9', 'curl'), srcIp: '10.244.0.9', srcIdentified: true, dst: w('productpage-v1-7d9f-x2', '10.244.0.7', 'bookinfo-productpage'), dstPort: 9080, hbone: true, service: 'productpage.default.svc.cluster.local', bytesSent: 195, bytesRecv: 3800, durationMs: 12, endMs: T0 / 1000 },
      41234,
    );
    expect(parseZtunnelLine(line)).toEqual({
      endUs: T0,
      direction: 'outbound',
      src: { workload: 'curl-5b8d-x1', namespace: 'default', identity: 'spiffe://cluster.local/ns/default/sa/curl' },
      dst: { workload: 'productpage-v1-7d9f-x2', namespace: 'default', identity: 'spiffe://cluster.local/ns/default/sa/bookinfo-productpage', service: 'productpage.default.svc.cluster.local' },
      bytesSent: 195,
      bytesRecv: 3800,
    });
  });
});

describe('TCP edges from ztunnel connections', () => {
  it('counts a connection once when both ends log it, over the window only', () => {
    const connections = [
      ...[1, 2, 3, 4].map((s) => conn('productpage-v1-87d54dd59-fn6vw', 'reviews-v2-6f9b55c5db-c2dfl', 'outbound', s)),
      ...[1, 2, 3, 4].map((s) => conn('productpage-v1-87d54dd59-fn6vw', 'reviews-v2-6f9b55c5db-c2dfl', 'inbound', s)),
      conn('productpage-v1-87d54dd59-fn6vw', 'details-v1-cf74bb974-nw94k', 'outbound', -30),
    ];
    const { nodes, edges } = l4Edges(connections, NO_LABELS, { windowSeconds: 10, nowUs: T0 + 5e6 });
    expect(edges).toEqual([{ source: 'productpage-v1', target: 'reviews-v2', rps: 0, errorPct: 0, p99Ms: 0, protocol: 'tcp', tcp: { connections: 4, connectionsPerSecond: 0.4, bytesPerSecond: 200, failedPct: 0 } }]);
    expect(nodes.map((n) => [n.id, n.app, n.version])).toEqual([
      ['productpage-v1', 'productpage', 'v1'],
      ['reviews-v2', 'reviews', 'v2'],
    ]);
  });

  it("names nodes by the pods' labels: a waypoint by its Gateway, an app by its canonical name", () => {
    const labels = {
      pods: new Map<string, Record<string, string>>([
        ['default/waypoint-5f89fbb8b5-nmdsg', { 'gateway.istio.io/managed': 'istio.io-mesh-controller', 'gateway.networking.k8s.io/gateway-name': 'waypoint' }],
        ['default/web-abc12-x9z8y', { app: 'frontend', version: 'v7' }],
      ]),
      deployments: new Map(),
    };
    expect(nodeOfPeer({ workload: 'waypoint-5f89fbb8b5-nmdsg', namespace: 'default' }, labels)).toEqual({ id: 'waypoint', app: 'waypoint', namespace: 'default', kind: 'waypoint' });
    expect(nodeOfPeer({ workload: 'web-abc12-x9z8y', namespace: 'default' }, labels)).toMatchObject({ id: 'frontend-v7', kind: 'workload' });
    expect(nodeOfPeer({ namespace: 'legacy' }, labels)).toMatchObject({ id: 'unknown' });
  });

  it('failed connections show as a failed share', () => {
    const connections = [conn('curl-1-abcde', 'productpage-v1-87d54dd59-fn6vw', 'inbound', 1, { error: 'connection closed due to policy rejection' }), conn('curl-1-abcde', 'productpage-v1-87d54dd59-fn6vw', 'inbound', 2)];
    expect(l4Edges(connections, NO_LABELS, { windowSeconds: 10, nowUs: T0 + 5e6 }).edges[0].tcp!.failedPct).toBe(50);
  });
});

describe('merging trace edges and TCP edges', () => {
  const traced: GraphSnapshot = {
    windowSeconds: 10,
    nodes: [
      { id: 'istio-ingressgateway', app: 'istio-ingressgateway', namespace: 'istio-system', kind: 'ingress' },
      { id: 'productpage.default', app: 'productpage', namespace: 'default', kind: 'service' },
    ],
    edges: [{ source: 'istio-ingressgateway', target: 'productpage.default', rps: 2, errorPct: 0, p99Ms: 20 }],
  };

  it('sends a trace edge that ended at a service to the workloads ztunnel saw, and adds the TCP edges no trace explains', () => {
    const l4 = l4Edges(
      [conn('istio-ingressgateway-6f9b5-abcde', 'productpage-v1-87d54dd59-fn6vw', 'inbound', 1), conn('productpage-v1-87d54dd59-fn6vw', 'details-v1-cf74bb974-nw94k', 'outbound', 1)].map((c, i) => (i === 0 ? { ...c, src: { ...c.src, namespace: 'istio-system' } } : c)),
      NO_LABELS,
      { windowSeconds: 10, nowUs: T0 + 5e6 },
    );
    const merged = mergeL4(traced, l4);
    expect(merged.edges.map((e) => [e.source, e.target, e.protocol ?? 'http', e.rps])).toEqual([
      ['istio-ingressgateway', 'productpage-v1', 'http', 2],
      ['productpage-v1', 'details-v1', 'tcp', 0],
    ]);
    expect(merged.nodes.map((n) => n.id)).toEqual(['details-v1', 'istio-ingressgateway', 'productpage-v1']);
  });

  it('leaves the traced graph as it is when ztunnel carried nothing', () => {
    expect(mergeL4(traced, { nodes: [], edges: [], services: new Map() })).toEqual(traced);
  });
});

describe('the graph of an ambient mesh', () => {
  /** `starting`: the waypoint's Gateway and Deployment exist, its pod is not Ready yet. */
  async function graphOf(waypoint: 'none' | 'ready' | 'starting'): Promise<GraphSnapshot & { lines: string[] }> {
    const withWaypoint = waypoint !== 'none';
    const clock = new ScaledClock(0.01);
    const store = bookinfoStore(clock, { ambient: true });
    if (withWaypoint) {
      apply(store, [{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'waypoint', namespace: 'default' }, spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] } }]);
      const type = store.registry.mustGet('', 'namespaces');
      const ns = structuredClone(store.get(type, undefined, 'default')!);
      ns.metadata.labels = { ...ns.metadata.labels, 'istio.io/use-waypoint': 'waypoint' };
      store.update(type, ns);
      // The waypoint's deployment as istiod makes it: its pods name their Gateway.
      if (waypoint === 'ready') addPod(store, { deployment: 'waypoint', namespace: 'default', labels: { 'gateway.networking.k8s.io/gateway-name': 'waypoint', 'gateway.istio.io/managed': 'istio.io-mesh-controller', 'istio.io/dataplane-mode': 'none' }, serviceAccount: 'waypoint', sidecar: false });
    }
    const spans = new SpanCollector();
    const lines: string[] = [];
    const mesh = createMesh({ store, clock, spans, connections: { connection: (r) => lines.push(formatZtunnelLine(r, 40000)) } });
    try {
      for (let i = 0; i < 6; i++) expect((await mesh.request('ingress', { url: '/productpage' })).status).toBe(200);
    } finally {
      await mesh.stop();
    }
    const nowUs = clock.now() * 1000 + 1;
    const traces = [...new Set(spans.spans.map((s) => s.traceID))].map((id) => toJaegerTrace(spans.trace(id)));
    const pods = new Map(store.list(store.registry.mustGet('', 'pods')).map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p.metadata.labels ?? {}]));
    const deployments = new Map(waypoint === 'starting' ? [['default/waypoint', WAYPOINT_POD_LABELS]] : []);
    const connections = lines.map(parseZtunnelLine).filter((c) => !!c);
    return { lines, ...mergeL4(buildGraph(traces, { windowSeconds: 600, nowUs }), l4Edges(connections, { pods, deployments }, { windowSeconds: 600, nowUs })) };
  }
  const edge = (g: GraphSnapshot) => g.edges.map((e) => `${e.source} > ${e.target} ${e.protocol ?? 'http'}`);

  it('without a waypoint: only the gateway has spans, the calls between workloads are TCP edges', async () => {
    const g = await graphOf('none');
    expect(edge(g)).toContain('istio-ingressgateway > productpage-v1 http');
    expect(edge(g)).toContain('productpage-v1 > details-v1 tcp');
    expect(edge(g).filter((e) => /^productpage-v1 > reviews-v\d tcp$/.test(e)).length).toBeGreaterThan(0);
    expect(g.edges.filter((e) => e.protocol === 'tcp').every((e) => e.rps === 0 && e.tcp!.connectionsPerSecond > 0 && e.tcp!.bytesPerSecond > 0)).toBe(true);
    expect(g.nodes.some((n) => n.kind === 'waypoint')).toBe(false);
  });

  it("with a waypoint: client → waypoint over HBONE, then the waypoint's HTTP edges to the services", async () => {
    const g = await graphOf('ready');
    expect(g.nodes.find((n) => n.id === 'waypoint')?.kind).toBe('waypoint');
    expect(edge(g)).toContain('productpage-v1 > waypoint tcp');
    expect(edge(g)).toContain('waypoint > details-v1 http');
    // The waypoint's requests to reviews, per version, adding up to what its spans counted.
    const toReviews = g.edges.filter((e) => e.source === 'waypoint' && /^reviews-v\d$/.test(e.target));
    expect(toReviews.every((e) => e.protocol !== 'tcp')).toBe(true);
    expect(toReviews.reduce((n, e) => n + e.rps, 0)).toBeCloseTo(6 / 600, 2);
    // The gateway called productpage, not the waypoint that productpage's own calls went through.
    expect(edge(g)).toContain('istio-ingressgateway > productpage-v1 http');
    expect(edge(g).some((e) => e.startsWith('istio-ingressgateway > waypoint'))).toBe(false);
    // What the waypoint's spans show is not drawn a second time from ztunnel's lines.
    expect(edge(g).some((e) => /^waypoint > (details|reviews)-v\d tcp$/.test(e))).toBe(false);
    expect(g.nodes.some((n) => n.kind === 'service')).toBe(false);
  });

  it("while the waypoint's pod starts: the Gateway stands for it under its own name, and no node is named after a pod that does not exist", async () => {
    const g = await graphOf('starting');
    expect(g.lines.some((l) => l.includes('dst.workload="waypoint"'))).toBe(true);
    expect(g.lines.join('\n')).not.toMatch(/waypoint-\d/);
    expect(g.nodes.filter((n) => n.app.startsWith('waypoint')).map((n) => `${n.id} ${n.kind}`)).toEqual(['waypoint waypoint']);
    expect(edge(g)).toContain('productpage-v1 > waypoint tcp');
    const bookinfo = /^(details-v1|productpage-v1|ratings-v1|reviews-v[123])$/;
    expect(g.nodes.filter((n) => !bookinfo.test(n.id) && n.id !== 'waypoint' && n.kind !== 'ingress')).toEqual([]);
  });
});

// Written by the embedded cluster's ztunnel in scene ambient-waypoint-jason, Gateway API tab, where
// the HTTPRoute sends jason to the Service reviews-v2 and everyone else to reviews-v1.
const WAYPOINT_SCENE_LINES = [
  '2026-12-03T15:58:19.062000Z\tinfo\taccess\tconnection complete\tsrc.addr=10.244.0.17:43832 src.workload="waypoint-56dddc9b88-l69kk" src.namespace="default" src.identity="spiffe://cluster.local/ns/default/sa/waypoint" dst.addr=10.244.0.10:9080 dst.service="reviews-v1.default.svc.cluster.local" dst.workload="reviews-v1-7477b9744c-qsmd8" dst.namespace="default" dst.identity="spiffe://cluster.local/ns/default/sa/bookinfo-reviews" direction="inbound" bytes_sent=406 bytes_recv=350 duration="1ms"',
  '2026-12-03T15:58:19.066000Z\tinfo\taccess\tconnection complete\tsrc.addr=10.244.0.13:39227 src.workload="productpage-v1-6b96dd6bcb-9w46l" src.namespace="default" src.identity="spiffe://cluster.local/ns/default/sa/bookinfo-productpage" dst.addr=10.244.0.17:15008 dst.hbone_addr=10.244.0.17:9080 dst.service="reviews.default.svc.cluster.local" dst.workload="waypoint-56dddc9b88-l69kk" dst.namespace="default" dst.identity="spiffe://cluster.local/ns/default/sa/waypoint" direction="outbound" bytes_sent=213 bytes_recv=461 duration="8ms"',
  '2026-12-03T15:58:19.069000Z\tinfo\taccess\tconnection complete\tsrc.addr=10.244.0.14:45247 src.workload="bookinfo-gateway-istio-7fc7dcb87-sq4nl" src.namespace="default" src.identity="spiffe://cluster.local/ns/default/sa/bookinfo-gateway-istio" dst.addr=10.244.0.13:9080 dst.service="productpage.default.svc.cluster.local" dst.workload="productpage-v1-6b96dd6bcb-9w46l" dst.namespace="default" dst.identity="spiffe://cluster.local/ns/default/sa/bookinfo-productpage" direction="inbound" bytes_sent=4131 bytes_recv=556 duration="28ms"',
  '2026-12-03T15:58:34.273000Z\tinfo\taccess\tconnection complete\tsrc.addr=10.244.0.17:59098 src.workload="waypoint-56dddc9b88-l69kk" src.namespace="default" src.identity="spiffe://cluster.local/ns/default/sa/waypoint" dst.addr=10.244.0.8:9080 dst.service="details.default.svc.cluster.local" dst.workload="details-v1-86dc867b89-ml8th" dst.namespace="default" dst.identity="spiffe://cluster.local/ns/default/sa/bookinfo-details" direction="inbound" bytes_sent=226 bytes_recv=448 duration="3ms"',
  '2026-12-03T15:58:34.282000Z\tinfo\taccess\tconnection complete\tsrc.addr=10.244.0.13:58744 src.workload="productpage-v1-6b96dd6bcb-9w46l" src.namespace="default" src.identity="spiffe://cluster.local/ns/default/sa/bookinfo-productpage" dst.addr=10.244.0.17:15008 dst.hbone_addr=10.244.0.17:9080 dst.service="details.default.svc.cluster.local" dst.workload="waypoint-56dddc9b88-l69kk" dst.namespace="default" dst.identity="spiffe://cluster.local/ns/default/sa/waypoint" direction="outbound" bytes_sent=314 bytes_recv=281 duration="16ms"',
  '2026-12-03T15:58:34.299000Z\tinfo\taccess\tconnection complete\tsrc.addr=10.244.0.17:40625 src.workload="waypoint-56dddc9b88-l69kk" src.namespace="default" src.identity="spiffe://cluster.local/ns/default/sa/waypoint" dst.addr=10.244.0.9:9080 dst.service="ratings.default.svc.cluster.local" dst.workload="ratings-v1-7c6f87c6d9-x7s87" dst.namespace="default" dst.identity="spiffe://cluster.local/ns/default/sa/bookinfo-ratings" direction="inbound" bytes_sent=96 bytes_recv=448 duration="2ms"',
  '2026-12-03T15:58:34.303000Z\tinfo\taccess\tconnection complete\tsrc.addr=10.244.0.11:45963 src.workload="reviews-v2-6db56d6f57-pjp5f" src.namespace="default" src.identity="spiffe://cluster.local/ns/default/sa/bookinfo-reviews" dst.addr=10.244.0.17:15008 dst.hbone_addr=10.244.0.17:9080 dst.service="ratings.default.svc.cluster.local" dst.workload="waypoint-56dddc9b88-l69kk" dst.namespace="default" dst.identity="spiffe://cluster.local/ns/default/sa/waypoint" direction="outbound" bytes_sent=351 bytes_recv=151 duration="9ms"',
  '2026-12-03T15:58:34.306000Z\tinfo\taccess\tconnection complete\tsrc.addr=10.244.0.17:58396 src.workload="waypoint-56dddc9b88-l69kk" src.namespace="default" src.identity="spiffe://cluster.local/ns/default/sa/waypoint" dst.addr=10.244.0.11:9080 dst.service="reviews-v2.default.svc.cluster.local" dst.workload="reviews-v2-6db56d6f57-pjp5f" dst.namespace="default" dst.identity="spiffe://cluster.local/ns/default/sa/bookinfo-reviews" direction="inbound" bytes_sent=490 bytes_recv=451 duration="14ms"',
  '2026-12-03T15:58:34.310000Z\tinfo\taccess\tconnection complete\tsrc.addr=10.244.0.13:47508 src.workload="productpage-v1-6b96dd6bcb-9w46l" src.namespace="default" src.identity="spiffe://cluster.local/ns/default/sa/bookinfo-productpage" dst.addr=10.244.0.17:15008 dst.hbone_addr=10.244.0.17:9080 dst.service="reviews.default.svc.cluster.local" dst.workload="waypoint-56dddc9b88-l69kk" dst.namespace="default" dst.identity="spiffe://cluster.local/ns/default/sa/waypoint" direction="outbound" bytes_sent=314 bytes_recv=546 duration="23ms"',
  '2026-12-03T15:58:34.315000Z\tinfo\taccess\tconnection complete\tsrc.addr=10.244.0.14:46029 src.workload="bookinfo-gateway-istio-7fc7dcb87-sq4nl" src.namespace="default" src.identity="spiffe://cluster.local/ns/default/sa/bookinfo-gateway-istio" dst.addr=10.244.0.13:9080 dst.service="productpage.default.svc.cluster.local" dst.workload="productpage-v1-6b96dd6bcb-9w46l" dst.namespace="default" dst.identity="spiffe://cluster.local/ns/default/sa/bookinfo-productpage" direction="inbound" bytes_sent=6496 bytes_recv=640 duration="62ms"',
];
/** The labels the cluster's pods had: Bookinfo's app and version, the waypoint's as istiod deploys it. */
function sceneLabels(): PeerLabels {
  const pods = new Map<string, Record<string, string>>();
  for (const c of WAYPOINT_SCENE_LINES.map((l) => parseZtunnelLine(l)!)) {
    for (const pod of [c.src.workload!, c.dst.workload!]) {
      const m = /^(details|productpage|ratings|reviews)-(v\d)-/.exec(pod);
      pods.set(`default/${pod}`, m ? { app: m[1], version: m[2] } : pod.startsWith('waypoint-') ? WAYPOINT_POD_LABELS : { 'gateway.networking.k8s.io/gateway-name': 'bookinfo-gateway', 'gateway.istio.io/managed': 'istio.io-gateway-controller', 'service.istio.io/canonical-name': 'bookinfo-gateway-istio' });
    }
  }
  return { pods, deployments: new Map() };
}
const SCENE_NOW_US = Date.parse('2026-12-03T15:58:40Z') * 1000;
const service = (app: string): GraphNode => ({ id: `${app}.default`, app, namespace: 'default', kind: 'service' });
// What the waypoint's and the gateway's spans give: every callee is ambient (no span answers), so each edge ends at the Service called.
const SCENE_TRACED: GraphSnapshot = {
  windowSeconds: 30,
  nodes: [{ id: 'bookinfo-gateway-istio', app: 'bookinfo-gateway-istio', namespace: 'default', kind: 'ingress' }, { id: 'waypoint', app: 'waypoint', namespace: 'default', kind: 'waypoint' }, ...['details', 'productpage', 'ratings', 'reviews-v1', 'reviews-v2'].map(service)],
  edges: [
    { source: 'bookinfo-gateway-istio', target: 'productpage.default', rps: 0.067, errorPct: 0, p99Ms: 600 },
    { source: 'waypoint', target: 'details.default', rps: 0.067, errorPct: 0, p99Ms: 20 },
    { source: 'waypoint', target: 'ratings.default', rps: 0.033, errorPct: 0, p99Ms: 5 },
    { source: 'waypoint', target: 'reviews-v1.default', rps: 0.033, errorPct: 0, p99Ms: 8 },
    { source: 'waypoint', target: 'reviews-v2.default', rps: 0.033, errorPct: 0, p99Ms: 30 },
  ],
};

describe('the graph of scene ambient-waypoint-jason', () => {
  const merged = () => mergeL4(SCENE_TRACED, l4Edges(WAYPOINT_SCENE_LINES.map((l) => parseZtunnelLine(l)!), sceneLabels(), { windowSeconds: 30, nowUs: SCENE_NOW_US }));

  it('draws one reviews workload: the routes to the Services reviews-v1 and reviews-v2 land on its v1 and v2', () => {
    const g = merged();
    expect(g.nodes.map((n) => `${n.id} ${n.kind} ${n.app}${n.version ? ` ${n.version}` : ''}`)).toEqual([
      'bookinfo-gateway-istio ingress bookinfo-gateway-istio',
      'details-v1 workload details v1',
      'productpage-v1 workload productpage v1',
      'ratings-v1 workload ratings v1',
      'reviews-v1 workload reviews v1',
      'reviews-v2 workload reviews v2',
      'waypoint waypoint waypoint',
    ]);
    expect(g.edges.map((e) => `${e.source} > ${e.target} ${e.protocol ?? 'http'} ${e.protocol === 'tcp' ? e.tcp!.connections : e.rps}`)).toEqual([
      'bookinfo-gateway-istio > productpage-v1 http 0.067',
      'productpage-v1 > waypoint tcp 3',
      'reviews-v2 > waypoint tcp 1',
      'waypoint > details-v1 http 0.067',
      'waypoint > ratings-v1 http 0.033',
      'waypoint > reviews-v1 http 0.033',
      'waypoint > reviews-v2 http 0.033',
    ]);
  });

  it("shares a route's requests by the connections ztunnel logged for that Service only", () => {
    // jason's Service reviews-v2 had one connection and reviews-v1 one: a route to reviews-v1 never shows on v2.
    const traced = { ...SCENE_TRACED, edges: SCENE_TRACED.edges.filter((e) => e.target !== 'reviews-v2.default') };
    const g = mergeL4(traced, l4Edges(WAYPOINT_SCENE_LINES.map((l) => parseZtunnelLine(l)!), sceneLabels(), { windowSeconds: 30, nowUs: SCENE_NOW_US }));
    expect(g.edges.filter((e) => e.source === 'waypoint' && e.target.startsWith('reviews')).map((e) => `${e.target} ${e.rps}`)).toEqual(['reviews-v1 0.033']);
  });
});
