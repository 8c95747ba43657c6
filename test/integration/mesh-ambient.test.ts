import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { ObjectStore } from '../../server/embedded/apiserver/store.ts';
import type { KubeObject } from '../../server/embedded/apiserver/types.ts';
import { createMesh } from '../../server/embedded/mesh/index.ts';
import { curl } from '../../server/embedded/workloads/index.ts';
import { ContainerLogs } from '../../server/embedded/workloads/container-logs.ts';
import { SpanCollector, addPod, apply, ensureNamespace, manifest, podsFor, readPage, remove } from '../helpers/mesh-fixtures.ts';

/**
 * Bookinfo and the curl sample in an ambient namespace (no sidecars), a node ztunnel in
 * istio-system, a client outside the mesh (legacy) and one with a sidecar (sidecar-ns).
 */
const clock = new ScaledClock(0.05);
const store = new ObjectStore({ clock });
ensureNamespace(store, 'default', { 'istio.io/dataplane-mode': 'ambient' });
ensureNamespace(store, 'istio-system');
ensureNamespace(store, 'legacy');
ensureNamespace(store, 'sidecar-ns', { 'istio-injection': 'enabled' });
addPod(store, { deployment: 'istio-ingressgateway', namespace: 'istio-system', labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' }, serviceAccount: 'istio-ingressgateway-service-account', sidecar: false });
const ztunnelPod = addPod(store, { deployment: 'ztunnel', namespace: 'istio-system', labels: { app: 'ztunnel' }, serviceAccount: 'ztunnel', sidecar: false, containerName: 'istio-proxy' });
const bookinfo = manifest('bookinfo/bookinfo.yaml');
const curlApp = manifest('curl/curl.yaml');
apply(store, [...bookinfo, ...curlApp].filter((o) => o.kind !== 'Deployment'));
podsFor(store, [...bookinfo, ...curlApp], { sidecar: false });
const sleepApp = manifest('sleep/sleep.yaml');
for (const ns of ['legacy', 'sidecar-ns']) {
  apply(store, sleepApp.filter((o) => o.kind !== 'Deployment'), ns);
  podsFor(store, sleepApp, { namespace: ns, sidecar: ns === 'sidecar-ns' });
}
apply(store, manifest('networking/bookinfo-gateway.yaml'));

const logs = new ContainerLogs(store, clock);
const spans = new SpanCollector();
const mesh = createMesh({ store, clock, spans, connections: logs });
afterAll(async () => {
  logs.stop();
  await mesh.stop();
});

const curlPod = { workload: 'curl', namespace: 'default' };
const legacy = { workload: 'sleep', namespace: 'legacy' };
const withSidecar = { workload: 'sleep', namespace: 'sidecar-ns' };
const productpage = 'http://productpage.default:9080/productpage';
const ztunnelLog = () => logs.store.read(ztunnelPod.metadata.uid!, 'istio-proxy').map((e) => e.line);

const ap = (name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: 'default' }, spec });
const strict: KubeObject = { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'default' }, spec: { mtls: { mode: 'STRICT' } } };
const waypoint: KubeObject = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'waypoint', namespace: 'default' },
  spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] },
};

function labelNamespace(labels: Record<string, string | undefined>): void {
  const type = store.registry.mustGet('', 'namespaces');
  const ns = structuredClone(store.get(type, undefined, 'default')!);
  for (const [k, v] of Object.entries(labels)) {
    if (v === undefined) delete ns.metadata.labels![k];
    else ns.metadata.labels![k] = v;
  }
  store.update(type, ns);
}

async function loginCookie(user: string): Promise<string> {
  const res = await mesh.request('ingress', { method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `username=${user}&passwd=x` });
  return res.headers['set-cookie'].split(';')[0];
}

async function reviewsTally(n: number, cookie?: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const res = await mesh.request('ingress', { url: '/productpage', headers: cookie ? { cookie } : {} });
    expect(res.status).toBe(200);
    const r = readPage(res.body).reviews;
    counts[r] = (counts[r] ?? 0) + 1;
  }
  return counts;
}

beforeEach(() => spans.clear());
// Each test's policies go, whatever it asserted.
afterEach(() => {
  for (const plural of ['authorizationpolicies', 'peerauthentications']) {
    const type = store.registry.mustGet('security.istio.io', plural);
    for (const o of store.list(type, 'default')) store.delete(type, 'default', o.metadata.name);
  }
});

describe('ztunnel: ambient pods without sidecars', () => {
  it('the whole product page works through ztunnel, and ztunnel logs each connection, outbound and inbound', async () => {
    const res = await curl(mesh, curlPod, productpage);
    expect(res.exitCode).toBe(0);
    expect(res.status).toBe(200);
    const page = readPage(res.body);
    expect(page.details).toBe(true);
    expect(page.reviews).not.toBe('error');
    const lines = ztunnelLog();
    const outbound = lines.find((l) => l.includes('src.workload="curl-') && l.includes('direction="outbound"'));
    expect(outbound).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z\tinfo\taccess\tconnection complete\tsrc\.addr=10\.244\.\d+\.\d+:\d+ /);
    expect(outbound).toContain('src.identity="spiffe://cluster.local/ns/default/sa/curl"');
    expect(outbound).toMatch(/dst\.addr=10\.244\.\d+\.\d+:15008 dst\.hbone_addr=10\.244\.\d+\.\d+:9080 dst\.service="productpage\.default\.svc\.cluster\.local" dst\.workload="productpage-v1-/);
    expect(outbound).toContain('dst.identity="spiffe://cluster.local/ns/default/sa/bookinfo-productpage"');
    expect(outbound).toMatch(/bytes_sent=\d+ bytes_recv=\d+ duration="\d+ms"$/);
    const inbound = lines.find((l) => l.includes('src.workload="curl-') && l.includes('direction="inbound"'));
    expect(inbound).toMatch(/dst\.addr=10\.244\.\d+\.\d+:9080 /);
    // productpage's own calls to details and reviews are ambient connections too.
    expect(lines.some((l) => l.includes('src.workload="productpage-v1-') && l.includes('dst.service="details.default.svc.cluster.local"'))).toBe(true);
  });

  it('no sidecar spans for ambient hops: only the ingress gateway span remains', async () => {
    const res = await mesh.request('ingress', { url: '/productpage' });
    expect(res.status).toBe(200);
    expect(new Set(spans.spans.map((s) => s.serviceName))).toEqual(new Set(['istio-ingressgateway.istio-system']));
  });

  it('a pod labelled istio.io/dataplane-mode=none opts out: no ztunnel line for its calls', async () => {
    const pod = addPod(store, { deployment: 'optout', labels: { app: 'optout', 'istio.io/dataplane-mode': 'none' }, serviceAccount: 'optout', sidecar: false });
    const before = ztunnelLog().length;
    const res = await curl(mesh, { workload: 'optout' }, 'http://details.default:9080/details/0');
    expect(res.status).toBe(200);
    expect(ztunnelLog().slice(before).some((l) => l.includes('src.workload="optout-') && l.includes('direction="outbound"'))).toBe(false);
    // The inbound side is still ambient: details' ztunnel logs a plain-text connection with no source identity.
    const inbound = ztunnelLog().slice(before).find((l) => l.includes(`src.addr=${pod.status!.podIP}:`));
    expect(inbound).toContain('direction="inbound"');
    expect(inbound).not.toContain('src.identity');
    store.delete(store.registry.mustGet('', 'pods'), 'default', pod.metadata.name);
  });
});

describe('mutual TLS without sidecars', () => {
  it('PERMISSIVE: a client outside the mesh reaches an ambient pod in plain text', async () => {
    expect((await curl(mesh, legacy, productpage)).status).toBe(200);
  });

  it('STRICT: the client outside the mesh gets its connection reset (curl exit 56); ambient and sidecar clients are fine', async () => {
    apply(store, [strict]);
    const before = ztunnelLog().length;
    const res = await curl(mesh, legacy, productpage);
    expect(res.exitCode).toBe(56);
    expect(res.stderr).toBe('curl: (56) Recv failure: Connection reset by peer');
    const refused = ztunnelLog().slice(before).find((l) => l.includes('direction="inbound"'));
    expect(refused).toMatch(/^\S+\terror\taccess\tconnection complete\t/);
    expect(refused).toContain('error="connection closed due to policy rejection: explicitly denied by: istio-system/istio_converted_static_strict"');
    expect((await curl(mesh, curlPod, productpage)).status).toBe(200);
    // A sidecar speaks HBONE to an ambient pod.
    expect((await curl(mesh, withSidecar, productpage)).status).toBe(200);
    remove(store, [strict]);
  });
});

describe('L4 authorization at the receiving ztunnel', () => {
  it('ALLOW by principal: curl passes, another ambient workload is reset', async () => {
    const policy = ap('productpage-ztunnel', { selector: { matchLabels: { app: 'productpage' } }, action: 'ALLOW', rules: [{ from: [{ source: { principals: ['cluster.local/ns/default/sa/curl'] } }] }] });
    apply(store, [policy]);
    expect((await curl(mesh, curlPod, productpage)).status).toBe(200);
    const before = ztunnelLog().length;
    const other = await curl(mesh, { workload: 'reviews-v1' }, productpage);
    expect(other.exitCode).toBe(56);
    expect(ztunnelLog().slice(before).find((l) => l.includes('direction="inbound"'))).toContain('error="connection closed due to policy rejection: allow policies exist, but none allowed"');
    // The ingress gateway is not allowed either: its proxy turns the reset into a 503.
    expect((await mesh.request('ingress', { url: '/productpage' })).status).toBe(503);
    remove(store, [policy]);
  });

  it('an ALLOW policy with an L7 attribute bound to ztunnel fails safe: its HTTP rule is dropped, so nothing is allowed', async () => {
    const policy = ap('productpage-viewer', { selector: { matchLabels: { app: 'productpage' } }, action: 'ALLOW', rules: [{ from: [{ source: { principals: ['cluster.local/ns/default/sa/curl'] } }], to: [{ operation: { methods: ['GET'] } }] }] });
    apply(store, [policy]);
    expect((await curl(mesh, curlPod, productpage)).exitCode).toBe(56);
    expect((await curl(mesh, { workload: 'reviews-v1' }, productpage)).exitCode).toBe(56);
    // A second, L4-only rule of the same policy still allows what it names.
    apply(store, [ap('productpage-viewer', { ...policy.spec, rules: [...(policy.spec as any).rules, { from: [{ source: { principals: ['cluster.local/ns/default/sa/bookinfo-reviews'] } }] }] })]);
    expect((await curl(mesh, { workload: 'reviews-v1' }, productpage)).status).toBe(200);
    expect((await curl(mesh, curlPod, productpage)).exitCode).toBe(56);
    remove(store, [policy]);
  });

  it('a DENY policy with an L7 attribute is enforced at ztunnel without it: stricter than written, or no effect', async () => {
    const fromCurl = [{ source: { principals: ['cluster.local/ns/default/sa/curl'] } }];
    // DENY DELETE on port 9080: ztunnel cannot see the method, so it denies every connection from curl to 9080.
    const policy = ap('no-delete', { selector: { matchLabels: { app: 'productpage' } }, action: 'DENY', rules: [{ from: fromCurl, to: [{ operation: { ports: ['9080'], methods: ['DELETE'] } }] }] });
    apply(store, [policy]);
    expect((await curl(mesh, curlPod, productpage)).exitCode).toBe(56);
    expect((await curl(mesh, { workload: 'reviews-v1' }, productpage)).status).toBe(200);
    // DENY DELETE alone leaves ztunnel nothing to match: the policy has no effect, even on a DELETE.
    apply(store, [ap('no-delete', { ...policy.spec, rules: [{ from: fromCurl, to: [{ operation: { methods: ['DELETE'] } }] }] })]);
    expect((await curl(mesh, curlPod, productpage, { method: 'DELETE' })).exitCode).toBe(0);
    remove(store, [policy]);
  });
});

describe('waypoints: L7 for ambient traffic', () => {
  it('without a waypoint, VirtualService routing does not apply to ambient traffic', async () => {
    apply(store, manifest('networking/destination-rule-all.yaml'));
    apply(store, manifest('networking/virtual-service-reviews-test-v2.yaml'));
    const tally = await reviewsTally(24, await loginCookie('jason'));
    expect(Object.keys(tally).length).toBeGreaterThan(1);
  });

  it('with a waypoint and istio.io/use-waypoint on the namespace, jason goes to v2 and the waypoint makes the L7 spans', async () => {
    apply(store, [waypoint]);
    labelNamespace({ 'istio.io/use-waypoint': 'waypoint' });
    const jason = await loginCookie('jason');
    expect(await reviewsTally(10, jason)).toEqual({ v2: 10 });
    expect(await reviewsTally(10)).toEqual({ v1: 10 });
    const waypointSpans = spans.spans.filter((s) => s.serviceName === 'waypoint.default');
    expect(waypointSpans.map((s) => s.operationName)).toContain('reviews.default.svc.cluster.local:9080/*');
    expect(waypointSpans.some((s) => String(s.tags.find((t) => t.key === 'node_id')?.value).startsWith('waypoint~'))).toBe(true);
    // ztunnel sends reviews traffic to the waypoint over HBONE (this store runs no waypoint pod: the Gateway stands for it, by its name).
    expect(ztunnelLog().some((l) => l.includes('dst.service="reviews.default.svc.cluster.local"') && l.includes('dst.workload="waypoint"'))).toBe(true);
  });

  it('a Service labelled istio.io/use-waypoint=none opts out of the namespace waypoint', async () => {
    const type = store.registry.mustGet('', 'services');
    const svc = structuredClone(store.get(type, 'default', 'reviews')!);
    svc.metadata.labels = { ...svc.metadata.labels, 'istio.io/use-waypoint': 'none' };
    store.update(type, svc);
    const tally = await reviewsTally(24, await loginCookie('jason'));
    expect(Object.keys(tally).length).toBeGreaterThan(1);
    delete svc.metadata.labels!['istio.io/use-waypoint'];
    store.update(type, { ...svc, metadata: { ...svc.metadata, resourceVersion: store.get(type, 'default', 'reviews')!.metadata.resourceVersion } });
  });

  it('fault injection and timeouts run at the waypoint', async () => {
    const abort: KubeObject = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'details', namespace: 'default' },
      spec: { hosts: ['details'], http: [{ fault: { abort: { httpStatus: 500, percentage: { value: 100 } } }, route: [{ destination: { host: 'details' } }] }] },
    };
    apply(store, [abort]);
    const res = await curl(mesh, curlPod, 'http://details:9080/details/0');
    expect(res.status).toBe(500);
    expect(res.body).toBe('fault filter abort');
    remove(store, [abort]);
  });

  it('an L7 AuthorizationPolicy with targetRefs is enforced at the waypoint: 403 "RBAC: access denied"', async () => {
    const policy = ap('productpage-waypoint', { targetRefs: [{ kind: 'Service', group: '', name: 'productpage' }], action: 'ALLOW', rules: [{ from: [{ source: { principals: ['cluster.local/ns/default/sa/curl'] } }], to: [{ operation: { methods: ['GET'] } }] }] });
    apply(store, [policy]);
    const del = await curl(mesh, curlPod, productpage, { method: 'DELETE' });
    expect(del.exitCode).toBe(0);
    expect(del.status).toBe(403);
    expect(del.body).toBe('RBAC: access denied');
    const other = await curl(mesh, { workload: 'reviews-v1' }, productpage);
    expect(other.status).toBe(403);
    const get = await curl(mesh, curlPod, productpage);
    expect(get.status).toBe(200);
    expect(get.body).toContain('<title>Simple Bookstore App</title>');
    remove(store, [policy]);
  });

  it('the destination ztunnel sees the waypoint identity: an L4 policy must admit it', async () => {
    const policy = ap('productpage-ztunnel', { selector: { matchLabels: { app: 'productpage' } }, action: 'ALLOW', rules: [{ from: [{ source: { principals: ['cluster.local/ns/default/sa/curl'] } }] }] });
    apply(store, [policy]);
    // curl → waypoint → productpage: the waypoint's connection is refused, so the waypoint answers 503.
    expect((await curl(mesh, curlPod, productpage)).status).toBe(503);
    apply(store, [ap('productpage-ztunnel', { ...policy.spec, rules: [{ from: [{ source: { principals: ['cluster.local/ns/default/sa/curl', 'cluster.local/ns/default/sa/waypoint'] } }] }] })]);
    expect((await curl(mesh, curlPod, productpage)).status).toBe(200);
    remove(store, [policy]);
    labelNamespace({ 'istio.io/use-waypoint': undefined });
  });
});
