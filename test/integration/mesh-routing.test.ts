import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { type Mesh, createMesh } from '../../server/embedded/mesh/index.ts';
import { SpanCollector, apply, bookinfoStore, manifest, readPage, remove, tag } from '../helpers/mesh-fixtures.ts';

const clock = new ScaledClock(0.05);
const store = bookinfoStore(clock);
const spans = new SpanCollector();
let mesh: Mesh;

beforeAll(() => {
  mesh = createMesh({ store, clock, spans });
});
afterAll(() => mesh.stop());

async function loginCookie(user: string): Promise<string> {
  const res = await mesh.request('ingress', { method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `username=${user}&passwd=x` });
  return res.headers['set-cookie'].split(';')[0];
}

async function page(cookie?: string) {
  const res = await mesh.request('ingress', { url: '/productpage', headers: cookie ? { cookie } : {} });
  expect(res.status).toBe(200);
  return readPage(res.body);
}

async function tally(n: number, cookie?: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = (await page(cookie)).reviews;
    counts[r] = (counts[r] ?? 0) + 1;
  }
  return counts;
}

describe('the talk’s traffic-management story', () => {
  it('after destination-rule-all and virtual-service-all-v1 everyone sees v1', async () => {
    apply(store, manifest('networking/destination-rule-all.yaml'));
    apply(store, manifest('networking/virtual-service-all-v1.yaml'));
    expect(await tally(30)).toEqual({ v1: 30 });
  });

  it('reviews-test-v2 sends jason to v2 (black stars) while anonymous users stay on v1', async () => {
    apply(store, manifest('networking/virtual-service-reviews-test-v2.yaml'));
    const jason = await loginCookie('jason');
    expect(await tally(10, jason)).toEqual({ v2: 10 });
    expect(await tally(10)).toEqual({ v1: 10 });
    expect(await tally(5, await loginCookie('alice'))).toEqual({ v1: 5 });
  });

  it('a 7 s ratings delay for jason makes the page give up on reviews after ~6 s, in two 3 s attempts', async () => {
    apply(store, manifest('networking/virtual-service-ratings-test-delay.yaml'));
    const jason = await loginCookie('jason');
    spans.clear();
    const t0 = clock.now();
    const res = await mesh.request('ingress', { url: '/productpage', headers: { cookie: jason } });
    const seconds = (clock.now() - t0) / 1000;
    expect(res.status).toBe(200);
    expect(res.body).toContain('Error fetching product reviews');
    expect(res.body).toContain('Sorry, product reviews are currently unavailable for this book.');
    expect(readPage(res.body).details).toBe(true);
    expect(seconds).toBeGreaterThan(5.9);
    expect(seconds).toBeLessThan(7.5);

    const root = spans.spans.find((s) => s.serviceName === 'istio-ingressgateway.istio-system')!;
    const trace = spans.trace(root.traceID);
    const attempts = trace.filter((s) => s.serviceName === 'productpage.default' && tag(s, 'span.kind') === 'client' && s.operationName.startsWith('reviews.'));
    expect(attempts).toHaveLength(2);
    for (const a of attempts) {
      expect(a.duration / 1e6).toBeGreaterThan(2.9);
      expect(a.duration / 1e6).toBeLessThan(3.6);
      expect(tag(a, 'response_flags')).toBe('DC');
    }
    const delayed = trace.filter((s) => s.serviceName === 'reviews.default' && tag(s, 'span.kind') === 'client');
    expect(delayed.length).toBeGreaterThan(0);
    expect(String(tag(delayed[0], 'response_flags'))).toContain('DI');
    // Anonymous users are untouched.
    expect(await tally(3)).toEqual({ v1: 3 });
  });

  it('the abort rule shows "Ratings service is currently unavailable" to jason at once', async () => {
    apply(store, manifest('networking/virtual-service-ratings-test-abort.yaml'));
    const jason = await loginCookie('jason');
    const t0 = clock.now();
    const p = await page(jason);
    expect(clock.now() - t0).toBeLessThan(1500);
    expect(p.reviews).toBe('ratings-unavailable');
    const abortSpan = spans.spans.filter((s) => tag(s, 'response_flags') === 'FI').at(-1)!;
    expect(tag(abortSpan, 'http.status_code')).toBe('500');
    expect(tag(abortSpan, 'error')).toBe(true);
    expect(await tally(3)).toEqual({ v1: 3 });
  });

  it('the legacy integer `percent` still injects the fault', async () => {
    const vs = structuredClone(manifest('networking/virtual-service-ratings-test-abort.yaml')[0]);
    vs.spec.http[0].fault.abort = { httpStatus: 500, percent: 100 };
    apply(store, [vs]);
    expect((await page(await loginCookie('jason'))).reviews).toBe('ratings-unavailable');
  });

  it('reviews-50-v3 splits about evenly between v1 and v3, then reviews-v3 sends everyone to v3', async () => {
    apply(store, manifest('networking/virtual-service-all-v1.yaml'));
    apply(store, manifest('networking/virtual-service-reviews-50-v3.yaml'));
    const n = 200;
    const counts = await tally(n);
    expect(Object.keys(counts).sort()).toEqual(['v1', 'v3']);
    expect(counts.v3 / n).toBeGreaterThan(0.38);
    expect(counts.v3 / n).toBeLessThan(0.62);
    apply(store, manifest('networking/virtual-service-reviews-v3.yaml'));
    expect(await tally(20)).toEqual({ v3: 20 });
  });

  it('a route timeout answers 504 "upstream request timeout" with flag UT', async () => {
    apply(store, manifest('networking/virtual-service-reviews-timeout.yaml'));
    apply(store, manifest('networking/virtual-service-ratings-delay-2s.yaml'));
    const res = await mesh.request({ workload: 'productpage' }, { url: 'http://reviews:9080/reviews/0' });
    expect(res.status).toBe(504);
    expect(res.body).toBe('upstream request timeout');
    const span = spans.spans.filter((s) => tag(s, 'response_flags') === 'UT').at(-1)!;
    expect(span.serviceName).toBe('productpage.default');
    expect(tag(span, 'http.status_code')).toBe('504');
    // The page: two 0.5 s attempts by productpage, then the reviews error (request-timeouts task).
    const t0 = clock.now();
    expect((await page()).reviews).toBe('error');
    expect(clock.now() - t0).toBeLessThan(2000);
    apply(store, manifest('networking/virtual-service-all-v1.yaml'));
  });

  it('a subset no DestinationRule declares gives 503 (NC), and the page shows both errors', async () => {
    remove(store, manifest('networking/destination-rule-all.yaml'));
    const res = await mesh.request({ workload: 'productpage' }, { url: 'http://reviews:9080/reviews/0' });
    expect(res.status).toBe(503);
    expect(tag(spans.spans.at(-1)!, 'response_flags')).toBe('NC');
    const p = await page();
    expect(p.details).toBe(false);
    expect(p.reviews).toBe('error');
    apply(store, manifest('networking/destination-rule-all.yaml'));
    expect((await page()).reviews).toBe('v1');
  });
});

describe('HTTP match conditions', () => {
  const vsType = () => store.registry.mustGet('networking.istio.io', 'virtualservices');
  const reviewsVs = (http: any[]) =>
    apply(store, [{ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'reviews' }, spec: { hosts: ['reviews.default.svc.cluster.local'], http } }]);
  const to = (subset: string) => ({ route: [{ destination: { host: 'reviews', subset } }] });
  const served = async (headers: Record<string, string> = {}, path = '/reviews/0', method = 'GET') => {
    const res = await mesh.request({ workload: 'productpage' }, { method, url: `http://reviews:9080${path}`, headers });
    return res.status === 200 ? JSON.parse(res.body).podname.split('-')[1] : `http-${res.status}`;
  };

  it('matches headers exactly, by prefix and by a regex that must match the whole value', async () => {
    reviewsVs([
      { match: [{ headers: { 'x-team': { exact: 'red' } } }], ...to('v3') },
      { match: [{ headers: { 'x-team': { prefix: 'bl' } } }], ...to('v2') },
      { match: [{ headers: { 'x-id': { regex: '\\d+' } } }], ...to('v2') },
      to('v1'),
    ]);
    expect(await served({ 'x-team': 'red' })).toBe('v3');
    expect(await served({ 'x-team': 'Red' })).toBe('v1');
    expect(await served({ 'x-team': 'blue' })).toBe('v2');
    expect(await served({ 'x-id': '123' })).toBe('v2');
    expect(await served({ 'x-id': 'a123' })).toBe('v1');
    expect(await served({ 'x-id': '123a' })).toBe('v1');
  });

  it('matches uri, method, queryParams and withoutHeaders; rules are ordered; no match is 404', async () => {
    reviewsVs([
      { match: [{ uri: { prefix: '/reviews/1' } }], ...to('v3') },
      { match: [{ method: { exact: 'POST' } }], ...to('v2') },
      { match: [{ queryParams: { canary: { exact: 'yes' } } }], ...to('v2') },
      { match: [{ uri: { regex: '/reviews/[0-9]+' }, withoutHeaders: { 'x-legacy': {} } }], ...to('v1') },
    ]);
    expect(await served({}, '/reviews/17')).toBe('v3');
    expect(await served({}, '/reviews/0', 'POST')).toBe('http-404'); // v2 answers 404 for POST
    expect(await served({}, '/reviews/0?canary=yes')).toBe('v2');
    expect(await served({}, '/reviews/0')).toBe('v1');
    expect(await served({ 'x-legacy': '1' }, '/reviews/0')).toBe('http-404');
  });

  it('splits by weight / sum(weights) and never sends to weight 0', async () => {
    reviewsVs([{ route: [{ destination: { host: 'reviews', subset: 'v1' }, weight: 1 }, { destination: { host: 'reviews', subset: 'v2' }, weight: 3 }, { destination: { host: 'reviews', subset: 'v3' }, weight: 0 }] }]);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 200; i++) {
      const v = await served();
      counts[v] = (counts[v] ?? 0) + 1;
    }
    expect(counts.v3).toBeUndefined();
    expect(counts.v2 / 200).toBeGreaterThan(0.62);
    expect(counts.v2 / 200).toBeLessThan(0.87);
  });

  it('a rule change applies to the very next request', async () => {
    reviewsVs([to('v1')]);
    expect(await served()).toBe('v1');
    reviewsVs([to('v3')]);
    expect(await served()).toBe('v3');
    store.delete(vsType(), 'default', 'reviews');
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) seen.add(await served());
    expect([...seen].sort()).toEqual(['v1', 'v2', 'v3']);
  });

  it('binds gateway VirtualServices only to their gateway, and mesh ones only to sidecars', async () => {
    // A mesh-only VS for productpage does not affect ingress routing, and vice versa.
    apply(store, [{ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'productpage' }, spec: { hosts: ['productpage'], http: [{ fault: { abort: { httpStatus: 418, percentage: { value: 100 } } }, route: [{ destination: { host: 'productpage' } }] }] } }]);
    expect((await mesh.request('ingress', { url: '/productpage' })).status).toBe(200);
    expect((await mesh.request({ workload: 'reviews-v1' }, { url: 'http://productpage:9080/health' })).status).toBe(418);
    remove(store, [{ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'productpage' } }]);
    // Without the Gateway the ingress has no route: 404.
    remove(store, manifest('networking/bookinfo-gateway.yaml').filter((o) => o.kind === 'Gateway'));
    expect((await mesh.request('ingress', { url: '/productpage' })).status).toBe(404);
    apply(store, manifest('networking/bookinfo-gateway.yaml'));
    expect((await mesh.request('ingress', { url: '/productpage' })).status).toBe(200);
  });
});
