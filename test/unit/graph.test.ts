import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../server/hub/graph.ts';
import { sampleBookinfoTrace } from '../helpers/sample-spans.ts';
import { toJaegerTrace } from '../../server/embedded/tracing/jaeger-json.ts';

const T0 = 1_750_000_000_000_000;

// 20 requests over 10 s: even ones to reviews v1, odd ones to reviews v3 whose ratings call fails.
const traces = Array.from({ length: 20 }, (_, i) =>
  toJaegerTrace(sampleBookinfoTrace({ startUs: T0 + 1 + i * 500_000, reviewsVersion: i % 2 ? 'v3' : 'v1', ratingsStatus: 503 })),
);

describe('buildGraph', () => {
  const g = buildGraph(traces, { windowSeconds: 10, nowUs: T0 + 10_000_000 });

  it('has a node per workload version and one for the ingress gateway', () => {
    expect(g.nodes.map((n) => n.id)).toEqual(['details-v1', 'istio-ingressgateway', 'productpage-v1', 'ratings-v1', 'reviews-v1', 'reviews-v3']);
    expect(g.nodes.find((n) => n.id === 'istio-ingressgateway')).toEqual({ id: 'istio-ingressgateway', app: 'istio-ingressgateway', namespace: 'istio-system', kind: 'ingress' });
    expect(g.nodes.find((n) => n.id === 'reviews-v3')).toEqual({ id: 'reviews-v3', app: 'reviews', version: 'v3', namespace: 'default', kind: 'workload' });
    expect(g.windowSeconds).toBe(10);
  });

  it('has caller → callee edges with requests per second, error % and p99', () => {
    const edge = (s: string, t: string) => g.edges.find((e) => e.source === s && e.target === t);
    expect(g.edges).toHaveLength(5);
    expect(edge('istio-ingressgateway', 'productpage-v1')).toMatchObject({ rps: 2, errorPct: 0 });
    expect(edge('productpage-v1', 'details-v1')).toMatchObject({ rps: 2, errorPct: 0, p99Ms: 1.5 });
    expect(edge('productpage-v1', 'reviews-v1')).toMatchObject({ rps: 1, errorPct: 0, p99Ms: 3 });
    expect(edge('productpage-v1', 'reviews-v3')).toMatchObject({ rps: 1, errorPct: 0 });
    expect(edge('reviews-v3', 'ratings-v1')).toMatchObject({ rps: 1, errorPct: 100 });
  });

  it('counts only requests inside the window', () => {
    const late = buildGraph(traces, { windowSeconds: 5, nowUs: T0 + 10_000_000 });
    // Requests 10..19 started in (T0+5 s, T0+10 s].
    expect(late.edges.find((e) => e.source === 'istio-ingressgateway')!.rps).toBe(2);
    const empty = buildGraph(traces, { windowSeconds: 5, nowUs: T0 + 60_000_000 });
    expect(empty).toEqual({ nodes: [], edges: [], windowSeconds: 5 });
  });

  it('points a call that never reached a workload at the service node', () => {
    // A fault abort at the caller's sidecar: the client span exists, the server span does not.
    const t = sampleBookinfoTrace({ startUs: T0 + 1000, reviewsVersion: 'v2', ratingsStatus: 500 });
    const ratingsClient = t.find((s) => s.serviceName === 'reviews.default' && s.tags.some((kv) => kv.key === 'span.kind' && kv.value === 'client'))!;
    ratingsClient.tags.find((kv) => kv.key === 'upstream_cluster')!.value = 'outbound|9080|v1|ratings.default.svc.cluster.local';
    const aborted = t.filter((s) => s.parentSpanID !== ratingsClient.spanID);
    const graph = buildGraph([toJaegerTrace(aborted)], { windowSeconds: 1, nowUs: T0 + 1_000_000 });
    expect(graph.nodes.find((n) => n.id === 'ratings.default')).toEqual({ id: 'ratings.default', app: 'ratings', namespace: 'default', kind: 'service' });
    expect(graph.edges.find((e) => e.source === 'reviews-v2')).toMatchObject({ target: 'ratings.default', rps: 1, errorPct: 100 });
  });
});
