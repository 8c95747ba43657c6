import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ScaledClock } from '../../server/clock.ts';
import type { ObjectStore } from '../../server/embedded/apiserver/store.ts';
import type { KubeObject } from '../../server/embedded/apiserver/types.ts';
import { type Mesh, createMesh } from '../../server/embedded/mesh/index.ts';
import { bindRoutes } from '../../server/embedded/mesh/gateway-api-binding.ts';
import type { ForwardAction } from '../../server/embedded/mesh/plan.ts';
import { buildSnapshot } from '../../server/embedded/mesh/snapshot.ts';
import { BOOKINFO_GATEWAY_SERVICE, gatewayApiStore as bookinfoGatewayApiStore } from '../helpers/gateway-api-fixtures.ts';
import { until } from '../helpers/until.ts';
import { SpanCollector, apply, ensureNamespace, manifest, readPage, tag } from '../helpers/mesh-fixtures.ts';

const GATEWAY = BOOKINFO_GATEWAY_SERVICE;
const yaml = (text: string): KubeObject[] => parseAllDocuments(text).map((d) => d.toJS());
const gatewayApiStore = () => bookinfoGatewayApiStore(new ScaledClock(0.01));

function bindings(store: ObjectStore) {
  const list = (plural: string) => store.list(store.registry.mustGet('gateway.networking.k8s.io', plural));
  const services = store.list(store.registry.mustGet('', 'services'));
  return bindRoutes({
    gatewayClasses: list('gatewayclasses'),
    gateways: list('gateways'),
    routes: list('httproutes'),
    grants: list('referencegrants'),
    namespaceLabels: new Map(store.list(store.registry.mustGet('', 'namespaces')).map((n) => [n.metadata.name, n.metadata.labels ?? {}])),
    servicePorts: new Map(services.map((s) => [`${s.metadata.name}.${s.metadata.namespace}.svc.cluster.local`, s.spec.ports.map((p: any) => p.port)])),
  });
}

const route = (name: string, rules: string, parent = '- name: bookinfo-gateway', namespace = 'default') =>
  yaml(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  parentRefs:
  ${parent}
  rules:
${rules}`);

describe('HTTPRoutes in the compiled plan', () => {
  let mesh: Mesh | undefined;
  afterEach(async () => {
    await mesh?.stop();
    mesh = undefined;
  });
  const start = (store: ObjectStore) => (mesh = createMesh({ store, clock: new ScaledClock(0.01), spans: new SpanCollector(), realisticLatency: false }));
  const get = (path: string, headers: Record<string, string> = {}) => mesh!.gatewayRequest(GATEWAY, 80, { url: path, headers });

  it('compiles the Bookinfo route onto the listener of its Gateway, exact paths before prefixes', () => {
    const snap = buildSnapshot(gatewayApiStore());
    const gw = snap.routes.gateways.find((g) => g.name === 'default/bookinfo-gateway-istio')!;
    expect(gw.listeners).toEqual([{ key: 'k8s-gateway/default/bookinfo-gateway/http', port: 80, hosts: ['*'] }]);
    const [vhost] = snap.routes.listeners.get('k8s-gateway/default/bookinfo-gateway/http')!;
    expect(vhost.hosts).toEqual(['*']);
    expect(vhost.routes.map((r) => r.matches![0].uri)).toEqual([
      { exact: '/productpage' }, { exact: '/logout' }, { exact: '/login' },
      { segmentPrefix: '/api/v1/products' }, { segmentPrefix: '/static' },
    ]);
    const action = vhost.routes[0].action as ForwardAction;
    expect(action.destinations).toEqual([expect.objectContaining({ host: 'productpage.default.svc.cluster.local', port: 9080, weight: 1 })]);
  });

  it('serves the product page through the gateway; a PathPrefix takes whole segments only', async () => {
    start(gatewayApiStore());
    const page = await get('/productpage');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Simple Bookstore App</title>');
    // Forwarded to productpage (whatever it answers), not the gateway's own 404.
    expect((await get('/static/tailwind.css')).headers['x-envoy-upstream-service-time']).toBeDefined();
    expect((await get('/staticfiles')).status).toBe(404);
    expect((await get('/productpage/x')).status).toBe(404);
  });

  it('orders rules across routes by precedence: the longer prefix wins whichever route is older', async () => {
    const store = gatewayApiStore();
    apply(store, route('catch-all', `  - backendRefs: [{name: details, port: 9080}]`));
    apply(store, route('reviews-api', `  - matches: [{path: {type: PathPrefix, value: /reviews}}]\n    backendRefs: [{name: reviews-v2, port: 9080}]`));
    start(store);
    const r = await get('/reviews/0');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).reviews[0].rating.color).toBe('black');
    // Everything else falls to the oldest route's `/`.
    expect(JSON.parse((await get('/details/0')).body).id).toBe(0);
  });

  it('matches headers, query parameters and method together', async () => {
    const store = gatewayApiStore();
    apply(store, route('reviews-api', `  - matches:
    - path: {type: PathPrefix, value: /reviews}
      method: GET
      headers: [{name: End-User, value: jason}]
      queryParams: [{name: v, type: RegularExpression, value: "[23]"}]
    backendRefs: [{name: reviews-v3, port: 9080}]
  - matches: [{path: {type: PathPrefix, value: /reviews}}]
    backendRefs: [{name: reviews-v1, port: 9080}]`));
    start(store);
    const color = async (path: string, headers: Record<string, string>) => JSON.parse((await get(path, headers)).body).reviews[0].rating?.color;
    expect(await color('/reviews/0?v=2', { 'end-user': 'jason' })).toBe('red');
    expect(await color('/reviews/0?v=1', { 'end-user': 'jason' })).toBeUndefined();
    expect(await color('/reviews/0?v=2', { 'end-user': 'maria' })).toBeUndefined();
  });

  it('splits by weight: 90/10 sends about a tenth to reviews-v2', async () => {
    const store = gatewayApiStore();
    apply(store, manifest('bookinfo/gateway-api/route-reviews-90-10.yaml'));
    start(store);
    const seen = { v1: 0, v2: 0, v3: 0, error: 0, 'ratings-unavailable': 0 };
    for (let i = 0; i < 300; i++) seen[readPage((await get('/productpage')).body).reviews]++;
    expect(seen.v3).toBe(0);
    expect(seen.v2).toBeGreaterThan(10);
    expect(seen.v2).toBeLessThan(70);
    expect(seen.v1 + seen.v2).toBe(300);
  });

  it('applies header modifiers, a URL rewrite and a redirect', async () => {
    const store = gatewayApiStore();
    apply(store, route('edits', `  - matches: [{path: {type: PathPrefix, value: /old-details}}]
    filters:
    - type: URLRewrite
      urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /details}}
    - type: ResponseHeaderModifier
      responseHeaderModifier: {set: [{name: X-Served, value: rewritten}], remove: [x-envoy-upstream-service-time]}
    backendRefs: [{name: details, port: 9080}]
  - matches: [{path: {type: Exact, value: /moved}}]
    filters:
    - type: RequestRedirect
      requestRedirect: {scheme: https, hostname: bookinfo.example.com, path: {type: ReplaceFullPath, replaceFullPath: /productpage}}`));
    start(store);
    const rewritten = await get('/old-details/0');
    expect(rewritten.status).toBe(200);
    expect(JSON.parse(rewritten.body).id).toBe(0);
    expect(rewritten.headers['x-served']).toBe('rewritten');
    expect(rewritten.headers['x-envoy-upstream-service-time']).toBeUndefined();
    const moved = await get('/moved');
    expect(moved.status).toBe(302);
    expect(moved.headers.location).toBe('https://bookinfo.example.com/productpage');
  });

  it('mirrors a copy of each request to another backend and answers from the first', async () => {
    const store = gatewayApiStore();
    apply(store, route('mirrored', `  - matches: [{path: {type: PathPrefix, value: /details}}]
    filters:
    - type: RequestMirror
      requestMirror: {backendRef: {name: details-v1, port: 9080}}
    backendRefs: [{name: details, port: 9080}]`));
    const spans = new SpanCollector();
    mesh = createMesh({ store, clock: new ScaledClock(0.01), spans, realisticLatency: false });
    expect((await get('/details/0')).status).toBe(200);
    const clusters = () => spans.spans.filter((sp) => tag(sp, 'span.kind') === 'client').map((sp) => tag(sp, 'upstream_cluster'));
    // The copy is fire-and-forget: its span may land after the answer.
    await until(() => clusters().includes('outbound|9080||details-v1.default.svc.cluster.local'), 'the mirrored copy sent to details-v1', 5000, 10);
    expect(clusters()).toContain('outbound|9080||details.default.svc.cluster.local');
  });

  it("times reviews out after the route's timeouts.request while ratings is delayed by a VirtualService (request-timeouts)", async () => {
    const store = gatewayApiStore();
    apply(store, yaml(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ratings, namespace: default}
spec:
  hosts: [ratings]
  http:
  - fault: {delay: {fixedDelay: 2s, percentage: {value: 100}}}
    route: [{destination: {host: ratings}}]`));
    apply(store, route('reviews', `  - backendRefs: [{name: reviews-v2, port: 9080}]\n    timeouts: {request: 500ms}`, '- {group: "", kind: Service, name: reviews, port: 9080}'));
    start(store);
    const slow = await mesh!.request({ workload: 'productpage-v1' }, { url: 'http://reviews:9080/reviews/0' });
    expect(slow.status).toBe(504);
    expect(slow.body).toBe('upstream request timeout');
  });

  it('accepts a route to a missing backend, reports BackendNotFound, and answers its requests 500', async () => {
    const store = gatewayApiStore();
    apply(store, route('ghost', `  - matches: [{path: {type: Exact, value: /ghost}}]\n    backendRefs: [{name: nowhere, port: 9080}]`));
    const ghost = bindings(store).find((b) => b.route.metadata.name === 'ghost')!;
    expect(ghost.parents[0].accepted).toEqual({ status: 'True', reason: 'Accepted', message: 'Route was valid' });
    expect(ghost.resolvedRefs).toEqual({ status: 'False', reason: 'BackendNotFound', message: 'backend(nowhere.default.svc.cluster.local) not found' });
    start(store);
    expect((await get('/ghost')).status).toBe(500);
  });

  it('needs a ReferenceGrant for a backend in another namespace', async () => {
    const store = gatewayApiStore();
    ensureNamespace(store, 'other');
    apply(store, yaml(`apiVersion: v1
kind: Service
metadata: {name: details-elsewhere, namespace: other}
spec: {ports: [{port: 9080}]}`));
    apply(store, route('cross', `  - matches: [{path: {type: PathPrefix, value: /details}}]\n    backendRefs: [{name: details-elsewhere, namespace: other, port: 9080}]`));
    const cross = () => bindings(store).find((b) => b.route.metadata.name === 'cross')!.resolvedRefs;
    expect(cross()).toMatchObject({ status: 'False', reason: 'RefNotPermitted' });
    start(store);
    expect((await get('/details/0')).status).toBe(500);
    apply(store, yaml(`apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: routes-from-default, namespace: other}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}]
  to: [{group: "", kind: Service}]`));
    expect(cross()).toEqual({ status: 'True', reason: 'ResolvedRefs', message: 'All references resolved' });
    // No endpoints behind it: the backend resolves now, and Envoy finds no healthy host.
    expect((await get('/details/0')).status).toBe(503);
  });

  it("refuses a route whose host names match no listener's", () => {
    const store = gatewayApiStore();
    apply(store, yaml(`apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: shop, namespace: default}
spec:
  gatewayClassName: istio
  listeners: [{name: web, port: 8080, protocol: HTTP, hostname: "*.shop.example"}]`));
    apply(store, route('elsewhere', `  - backendRefs: [{name: details, port: 9080}]`, '- name: shop').map((r) => ({ ...r, spec: { ...r.spec, hostnames: ['bookinfo.example'] } })));
    const b = bindings(store).find((x) => x.route.metadata.name === 'elsewhere')!;
    expect(b.parents[0].accepted).toEqual({ status: 'False', reason: 'NoMatchingListenerHostname', message: 'no hostnames matched parent hostname "*.shop.example"' });
  });

  it('routes mesh traffic to a Service by a route whose parent is that Service (GAMMA)', async () => {
    const store = gatewayApiStore();
    apply(store, manifest('bookinfo/gateway-api/route-reviews-v3.yaml'));
    start(store);
    for (let i = 0; i < 10; i++) expect(readPage((await get('/productpage')).body).reviews).toBe('v3');
    const fromPod = await mesh!.request({ workload: 'productpage-v1' }, { url: 'http://reviews:9080/reviews/0' });
    expect(JSON.parse(fromPod.body).reviews[0].rating.color).toBe('red');
  });

  it('works beside VirtualServices: the Istio ingress serves Bookinfo by its VirtualService, the reviews route still applies', async () => {
    const store = gatewayApiStore();
    apply(store, manifest('networking/bookinfo-gateway.yaml'));
    apply(store, manifest('bookinfo/gateway-api/route-reviews-v1.yaml'));
    start(store);
    for (let i = 0; i < 5; i++) {
      const viaIstio = await mesh!.request('ingress', { url: '/productpage' });
      expect(readPage(viaIstio.body).reviews).toBe('v1');
    }
  });
});
