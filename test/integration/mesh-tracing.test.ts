import { afterAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { createMesh } from '../../server/embedded/mesh/index.ts';
import type { SpanRecord } from '../../server/embedded/tracing/types.ts';
import { SpanCollector, apply, bookinfoStore, manifest, tag } from '../helpers/mesh-fixtures.ts';

const clock = new ScaledClock(0.05);
const store = bookinfoStore(clock);
const spans = new SpanCollector();
const mesh = createMesh({ store, clock, spans });
afterAll(() => mesh.stop());

async function traceOfPage(headers: Record<string, string> = {}): Promise<SpanRecord[]> {
  spans.clear();
  await mesh.request('ingress', { url: '/productpage', headers: { 'user-agent': 'test-browser/1.0', ...headers } });
  return spans.spans;
}

const kind = (s: SpanRecord) => tag(s, 'span.kind');
const byId = (trace: SpanRecord[]) => new Map(trace.map((s) => [s.spanID, s]));

describe('spans per hop, as Istio sidecars make them', () => {
  it('v1: six spans rooted at the ingress gateway, client and server span per hop', async () => {
    apply(store, manifest('networking/destination-rule-all.yaml'));
    apply(store, manifest('networking/virtual-service-all-v1.yaml'));
    const trace = await traceOfPage();
    expect(trace).toHaveLength(6);
    expect(new Set(trace.map((s) => s.traceID)).size).toBe(1);
    expect(trace[0].traceID).toMatch(/^[0-9a-f]{32}$/);
    for (const s of trace) expect(s.spanID).toMatch(/^[0-9a-f]{16}$/);

    const roots = trace.filter((s) => !s.parentSpanID);
    expect(roots).toHaveLength(1);
    const root = roots[0];
    expect(root.serviceName).toBe('istio-ingressgateway.istio-system');
    expect(root.operationName).toBe('productpage.default.svc.cluster.local:9080/productpage');
    expect(tag(root, 'node_id')).toMatch(/^router~10\.244\.\d+\.\d+~istio-ingressgateway-[a-z0-9-]+\.istio-system~istio-system\.svc\.cluster\.local$/);
    expect(tag(root, 'upstream_cluster')).toBe('outbound|9080||productpage.default.svc.cluster.local');

    const ids = byId(trace);
    const pair = (client: string, server: string) => {
      const c = trace.find((s) => s.serviceName === client && kind(s) === 'client' && s.operationName.startsWith(server.split('.')[0]))!;
      const sv = trace.find((s) => s.serviceName === server && kind(s) === 'server' && s.parentSpanID === c.spanID)!;
      expect(sv).toBeDefined();
      return [c, sv];
    };
    const ppServer = trace.find((s) => s.serviceName === 'productpage.default' && kind(s) === 'server')!;
    expect(ppServer.parentSpanID).toBe(root.spanID);
    expect(ppServer.operationName).toBe('productpage.default.svc.cluster.local:9080/*');
    const [toReviews, reviewsServer] = pair('productpage.default', 'reviews.default');
    const [toDetails] = pair('productpage.default', 'details.default');
    // productpage's client spans hang off its server span via the forwarded B3 headers.
    expect(ids.get(toReviews.parentSpanID!)).toBe(ppServer);
    expect(ids.get(toDetails.parentSpanID!)).toBe(ppServer);

    expect(toReviews.operationName).toBe('reviews.default.svc.cluster.local:9080/*');
    expect(tag(toReviews, 'upstream_cluster')).toBe('outbound|9080|v1|reviews.default.svc.cluster.local');
    expect(tag(toReviews, 'http.url')).toBe('http://reviews:9080/reviews/0');
    expect(tag(toReviews, 'http.method')).toBe('GET');
    expect(tag(toReviews, 'http.status_code')).toBe('200');
    expect(tag(toReviews, 'http.protocol')).toBe('HTTP/1.1');
    expect(tag(toReviews, 'response_flags')).toBe('-');
    expect(tag(toReviews, 'component')).toBe('proxy');
    expect(tag(toReviews, 'user_agent')).toBe('test-browser/1.0');
    expect(tag(toReviews, 'istio.canonical_service')).toBe('productpage');
    expect(tag(toReviews, 'istio.canonical_revision')).toBe('v1');
    expect(tag(toReviews, 'istio.namespace')).toBe('default');
    expect(tag(toReviews, 'node_id')).toMatch(/^sidecar~10\.244\.\d+\.\d+~productpage-v1-[a-z0-9-]+\.default~default\.svc\.cluster\.local$/);
    expect(tag(reviewsServer, 'upstream_cluster')).toBe('inbound|9080||');
    expect(tag(reviewsServer, 'istio.canonical_revision')).toBe('v1');
    expect(tag(reviewsServer, 'peer.address')).toBe(tag(toReviews, 'peer.address'));
    expect(tag(toReviews, 'error')).toBeUndefined();
    // One request id across the whole trace.
    expect(new Set(trace.map((s) => tag(s, 'guid:x-request-id'))).size).toBe(1);
    // A client span encloses its server span.
    expect(toReviews.startTime).toBeLessThanOrEqual(reviewsServer.startTime);
    expect(toReviews.startTime + toReviews.duration).toBeGreaterThanOrEqual(reviewsServer.startTime + reviewsServer.duration);
  });

  it('v3: eight spans, reviews calls ratings under its own server span', async () => {
    apply(store, manifest('networking/virtual-service-reviews-v3.yaml'));
    const trace = await traceOfPage();
    expect(trace).toHaveLength(8);
    const reviewsServer = trace.find((s) => s.serviceName === 'reviews.default' && kind(s) === 'server')!;
    const toRatings = trace.find((s) => s.serviceName === 'reviews.default' && kind(s) === 'client')!;
    expect(toRatings.parentSpanID).toBe(reviewsServer.spanID);
    expect(tag(toRatings, 'istio.canonical_revision')).toBe('v3');
    expect(tag(toRatings, 'upstream_cluster')).toBe('outbound|9080|v1|ratings.default.svc.cluster.local');
  });

  it('continues a trace the caller started and marks faults with error=true and the flag', async () => {
    apply(store, [{ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'ratings' }, spec: { hosts: ['ratings'], http: [{ fault: { abort: { httpStatus: 503, percentage: { value: 100 } } }, route: [{ destination: { host: 'ratings', subset: 'v1' } }] }] } }]);
    const traceId = 'aaaabbbbccccdddd1111222233334444';
    const trace = await traceOfPage({ 'x-b3-traceid': traceId, 'x-b3-spanid': '1234567812345678', 'x-b3-sampled': '1' });
    expect(trace.every((s) => s.traceID === traceId)).toBe(true);
    expect(trace.find((s) => s.serviceName === 'istio-ingressgateway.istio-system')!.parentSpanID).toBe('1234567812345678');
    const aborted = trace.find((s) => tag(s, 'response_flags') === 'FI')!;
    expect(aborted.serviceName).toBe('reviews.default');
    expect(tag(aborted, 'http.status_code')).toBe('503');
    expect(tag(aborted, 'error')).toBe(true);
    // The faulted hop never reached ratings: 7 spans.
    expect(trace).toHaveLength(7);
  });

  it('ignores malformed B3 headers from clients and starts a fresh 128-bit trace', async () => {
    const trace = await traceOfPage({ 'x-b3-traceid': 'not-a-trace</script>', 'x-b3-spanid': 'zz' });
    expect(new Set(trace.map((s) => s.traceID)).size).toBe(1);
    expect(trace[0].traceID).toMatch(/^[0-9a-f]{32}$/);
    expect(trace.filter((s) => !s.parentSpanID)).toHaveLength(1);
  });

  it('weighted routes name the operation after the VirtualService', async () => {
    apply(store, manifest('networking/virtual-service-reviews-50-v3.yaml'));
    const trace = await traceOfPage();
    expect(trace.find((s) => s.serviceName === 'productpage.default' && kind(s) === 'client' && s.operationName.startsWith('reviews'))!.operationName).toBe('reviews:9080/*');
  });
});
