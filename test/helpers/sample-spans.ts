/**
 * Bookinfo traces shaped like Istio's sidecar spans (a client and a server span per hop,
 * with the tags Envoy writes: node id, upstream cluster, canonical service and revision),
 * for the benchmark and for tests that need realistic data without running the mesh.
 */
import { newRequestId, newSpanId, newTraceId } from '../../server/embedded/mesh/spans.ts';
import type { KeyValue, SpanRecord } from '../../server/embedded/tracing/types.ts';

export interface SampleTraceOptions {
  traceID?: string;
  /** µs since epoch of the gateway span. */
  startUs: number;
  reviewsVersion?: 'v1' | 'v2' | 'v3';
  /** Status the ratings call answers with (v2/v3 only). */
  ratingsStatus?: number;
  user?: string;
  namespace?: string;
}

/** One /productpage request: 6 spans for reviews v1, 8 for v2/v3, root at the ingress gateway. */
export function sampleBookinfoTrace(o: SampleTraceOptions): SpanRecord[] {
  const ns = o.namespace ?? 'default';
  const traceID = o.traceID ?? newTraceId();
  const version = o.reviewsVersion ?? 'v1';
  const ratingsStatus = o.ratingsStatus ?? 200;
  const requestId = newRequestId();
  const spans: SpanRecord[] = [];
  const t0 = o.startUs;

  const hop = (a: {
    parent: string;
    fromService: string;
    fromWorkload: string;
    fromVersion: string;
    fromNode: string;
    toApp: string;
    toVersion: string;
    toNode: string;
    path: string;
    start: number;
    duration: number;
    status: number;
    flags?: string;
  }): { client: SpanRecord; server: SpanRecord } => {
    const host = `${a.toApp}.${ns}.svc.cluster.local`;
    const clientId = newSpanId();
    const serverId = newSpanId();
    const common = (kind: 'client' | 'server', node: string, canonical: string, revision: string, cluster: string): KeyValue[] => {
      const tags: KeyValue[] = [
        { key: 'component', type: 'string', value: 'proxy' },
        { key: 'node_id', type: 'string', value: node },
        { key: 'zone', type: 'string', value: '' },
        { key: 'guid:x-request-id', type: 'string', value: requestId },
        { key: 'http.url', type: 'string', value: `http://${a.toApp}:9080${a.path}` },
        { key: 'http.method', type: 'string', value: 'GET' },
        { key: 'downstream_cluster', type: 'string', value: '-' },
        { key: 'user_agent', type: 'string', value: 'python-requests/2.31.0' },
        { key: 'http.protocol', type: 'string', value: 'HTTP/1.1' },
        { key: 'peer.address', type: 'string', value: '10.1.0.7' },
        { key: 'request_size', type: 'string', value: '0' },
        { key: 'upstream_cluster', type: 'string', value: cluster },
        { key: 'upstream_cluster.name', type: 'string', value: cluster },
        { key: 'http.status_code', type: 'string', value: String(a.status) },
        { key: 'response_size', type: 'string', value: '295' },
        { key: 'response_flags', type: 'string', value: a.flags ?? '-' },
        { key: 'istio.canonical_revision', type: 'string', value: revision },
        { key: 'istio.canonical_service', type: 'string', value: canonical },
        { key: 'istio.mesh_id', type: 'string', value: 'cluster.local' },
        { key: 'istio.namespace', type: 'string', value: ns },
        { key: 'span.kind', type: 'string', value: kind },
      ];
      if (a.status >= 500) tags.push({ key: 'error', type: 'bool', value: true });
      if (o.user) tags.push({ key: 'end-user', type: 'string', value: o.user });
      return tags;
    };
    const client: SpanRecord = {
      traceID,
      spanID: clientId,
      parentSpanID: a.parent,
      operationName: `${host}:9080/*`,
      serviceName: a.fromService,
      startTime: a.start,
      duration: a.duration,
      tags: common('client', a.fromNode, a.fromWorkload, a.fromVersion, `outbound|9080||${host}`),
    };
    const server: SpanRecord = {
      traceID,
      spanID: serverId,
      parentSpanID: clientId,
      operationName: `${host}:9080/*`,
      serviceName: `${a.toApp}.${ns}`,
      startTime: a.start + 150,
      duration: Math.max(1, a.duration - 300),
      tags: common('server', a.toNode, a.toApp, a.toVersion, `inbound|9080||`),
    };
    return { client, server };
  };

  const node = (app: string, v: string, ip: string) => `sidecar~${ip}~${app}-${v}-7d9f8c6b5-x2k4p.${ns}~${ns}.svc.cluster.local`;
  const gatewayNode = 'router~10.1.0.2~istio-ingressgateway-5b7d8f8c9-abcde.istio-system~istio-system.svc.cluster.local';
  const ratingsMs = version === 'v1' ? 0 : ratingsStatus === 200 ? 1.2 : 0.4;
  const reviewsMs = version === 'v1' ? 3 : 5 + ratingsMs;
  const pageMs = 2 + 1.5 + reviewsMs + 2;

  const gatewayId = newSpanId();
  spans.push({
    traceID,
    spanID: gatewayId,
    operationName: `productpage.${ns}.svc.cluster.local:9080/productpage`,
    serviceName: 'istio-ingressgateway.istio-system',
    startTime: t0,
    duration: Math.round(pageMs * 1000 + 600),
    tags: [
      { key: 'component', type: 'string', value: 'proxy' },
      { key: 'node_id', type: 'string', value: gatewayNode },
      { key: 'guid:x-request-id', type: 'string', value: requestId },
      { key: 'http.url', type: 'string', value: 'http://192.168.49.2:31380/productpage' },
      { key: 'http.method', type: 'string', value: 'GET' },
      { key: 'http.protocol', type: 'string', value: 'HTTP/1.1' },
      { key: 'upstream_cluster', type: 'string', value: `outbound|9080||productpage.${ns}.svc.cluster.local` },
      { key: 'http.status_code', type: 'string', value: '200' },
      { key: 'response_flags', type: 'string', value: '-' },
      { key: 'istio.canonical_revision', type: 'string', value: 'latest' },
      { key: 'istio.canonical_service', type: 'string', value: 'istio-ingressgateway' },
      { key: 'istio.namespace', type: 'string', value: 'istio-system' },
      { key: 'span.kind', type: 'string', value: 'client' },
      ...(o.user ? [{ key: 'end-user', type: 'string' as const, value: o.user }] : []),
    ],
  });
  const page = hop({
    parent: gatewayId, fromService: 'istio-ingressgateway.istio-system', fromWorkload: 'istio-ingressgateway', fromVersion: 'latest',
    fromNode: gatewayNode, toApp: 'productpage', toVersion: 'v1', toNode: node('productpage', 'v1', '10.1.0.11'),
    path: '/productpage', start: t0 + 300, duration: Math.round(pageMs * 1000), status: 200,
  });
  // The gateway span is the client side of the gateway → productpage hop.
  spans.push(page.server);
  page.server.parentSpanID = gatewayId;
  const pageNode = node('productpage', 'v1', '10.1.0.11');
  const details = hop({
    parent: page.server.spanID, fromService: `productpage.${ns}`, fromWorkload: 'productpage', fromVersion: 'v1', fromNode: pageNode,
    toApp: 'details', toVersion: 'v1', toNode: node('details', 'v1', '10.1.0.12'), path: '/details/0',
    start: t0 + 1000, duration: 1500, status: 200,
  });
  const reviews = hop({
    parent: page.server.spanID, fromService: `productpage.${ns}`, fromWorkload: 'productpage', fromVersion: 'v1', fromNode: pageNode,
    toApp: 'reviews', toVersion: version, toNode: node('reviews', version, `10.1.0.${20 + Number(version[1])}`), path: '/reviews/0',
    start: t0 + 2700, duration: Math.round(reviewsMs * 1000), status: 200,
  });
  spans.push(details.client, details.server, reviews.client, reviews.server);
  if (version !== 'v1') {
    const ratings = hop({
      parent: reviews.server.spanID, fromService: `reviews.${ns}`, fromWorkload: 'reviews', fromVersion: version,
      fromNode: node('reviews', version, `10.1.0.${20 + Number(version[1])}`), toApp: 'ratings', toVersion: 'v1',
      toNode: node('ratings', 'v1', '10.1.0.30'), path: '/ratings/0', start: t0 + 4000, duration: Math.round(ratingsMs * 1000),
      status: ratingsStatus, flags: ratingsStatus === 200 ? '-' : 'FI',
    });
    spans.push(ratings.client, ratings.server);
  }
  return spans;
}
