/**
 * Figures for `npm run bench` (printed, never asserted):
 *   benchMesh()        productpage requests/s through the gateway with tracing on, and the
 *                      real time the mesh adds per hop (client sidecar + server sidecar);
 *   benchAmbient()     the same in ambient mode, through ztunnel, and with a waypoint;
 *   dataPlaneLines()   the three side by side, as `npm run bench` prints them, with what the
 *                      simulation's own proxy code spends per 1,000 requests (sampled);
 *   benchDelayStory()  the fault-injection story at scale 1: jason, a 7 s ratings delay,
 *                      and the page giving up on reviews after two 3 s attempts;
 *   benchHttpRoute()   a request routed by an HTTPRoute at a Gateway API gateway, beside one
 *                      routed by a VirtualService at istio-ingressgateway.
 * Bookinfo runs on the mesh tests' fixture store: Running, Ready pods with sidecars, no controllers.
 */
import { ScaledClock } from '../server/clock.ts';
import { detailsApp } from '../server/embedded/bookinfo/details.ts';
import { createMesh } from '../server/embedded/mesh/index.ts';
import type { AppContext } from '../server/embedded/app-runtime/types.ts';
import { SpanStore } from '../server/embedded/tracing/span-store.ts';
import { BOOKINFO_GATEWAY_SERVICE, gatewayApiStore } from '../test/helpers/gateway-api-fixtures.ts';
import { apply, bookinfoStore, manifest } from '../test/helpers/mesh-fixtures.ts';
import { productpagesPerSecond } from './gateway-load.ts';
import { percentile } from './stats.ts';

export type MeshFigures = {
  /** productpage pages per second through the gateway. */
  rps: number;
  /** Real time the mesh adds to one call between two pods (client-side and server-side proxies). */
  p50AddedMsPerHop: number;
  p99AddedMsPerHop: number;
  /** The simulation's own proxy code per 1,000 requests through one proxy, CPU ms, by kind (sampled). */
  cpuMsPer1000: Partial<Record<'sidecar' | 'ztunnel' | 'waypoint', number>>;
};

export const benchMesh = (): Promise<MeshFigures> => measureMesh(bookinfoStore(new ScaledClock(1)));

/** Bookinfo in ambient mode with the namespace's Services sent through a waypoint. */
function waypointStore(): ReturnType<typeof bookinfoStore> {
  const store = bookinfoStore(new ScaledClock(1), { ambient: true });
  apply(store, [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'waypoint', namespace: 'default' }, spec: { gatewayClassName: 'istio-waypoint', listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }] } },
  ]);
  const nsType = store.registry.mustGet('', 'namespaces');
  const ns = structuredClone(store.get(nsType, undefined, 'default')!);
  ns.metadata.labels = { ...ns.metadata.labels, 'istio.io/use-waypoint': 'waypoint' };
  store.update(nsType, ns);
  return store;
}

/**
 * The same figures in ambient mode: Bookinfo without sidecars, each hop through the node's
 * ztunnel; with a waypoint, every call to a Service in the namespace also passes the waypoint.
 * Both stores are made before any load, so their writes are not validated under a busy loop.
 */
export async function benchAmbient(): Promise<{ ztunnel: MeshFigures; waypoint: MeshFigures }> {
  const ztunnelStore = bookinfoStore(new ScaledClock(1), { ambient: true });
  const withWaypoint = waypointStore();
  const ztunnel = await measureMesh(ztunnelStore);
  return { ztunnel, waypoint: await measureMesh(withWaypoint) };
}

const ms = (n: number) => n.toFixed(3);

/** The data-plane lines of `npm run bench`: sidecars, ztunnel only and ztunnel + waypoint side by side. */
export async function dataPlaneLines(): Promise<Array<[string, string]>> {
  const sidecar = await benchMesh();
  const { ztunnel, waypoint } = await benchAmbient();
  const modes = [sidecar, ztunnel, waypoint];
  const each = (f: (m: MeshFigures) => string) => modes.map(f).join(' | ');
  const cpu = (m: MeshFigures, kind: keyof MeshFigures['cpuMsPer1000']) => (m.cpuMsPer1000[kind] === undefined ? '–' : m.cpuMsPer1000[kind]!.toFixed(0));
  return [
    ['data plane: sidecars | ambient, ztunnel only | ambient + waypoint', ''],
    ['  productpage pages/s through the gateway', each((m) => m.rps.toFixed(0))],
    ['  added latency per hop, p50 (ms)', each((m) => ms(m.p50AddedMsPerHop))],
    ['  added latency per hop, p99 (ms)', each((m) => ms(m.p99AddedMsPerHop))],
    ['  simulated proxy CPU per 1,000 requests (ms): sidecar', each((m) => cpu(m, 'sidecar'))],
    ['  simulated proxy CPU per 1,000 requests (ms): ztunnel', each((m) => cpu(m, 'ztunnel'))],
    ['  simulated proxy CPU per 1,000 requests (ms): waypoint', each((m) => cpu(m, 'waypoint'))],
  ];
}

async function measureMesh(store: ReturnType<typeof bookinfoStore>): Promise<MeshFigures> {
  const clock = store.clock;
  const spans = new SpanStore();
  const mesh = createMesh({ store, clock, spans, realisticLatency: false });
  const gw = await mesh.startGateway();
  try {
    // Throughput: 8 concurrent keep-alive clients for about three seconds.
    const rps = await productpagesPerSecond(gw.url, { warmup: 200, seconds: 3 });

    // Added latency per hop: one sidecar-to-sidecar call minus calling the app itself.
    const ctx: AppContext = { pod: {} as any, clock, realisticLatency: false, call: () => Promise.reject(new Error('no calls')) };
    const direct: number[] = [];
    const viaMesh: number[] = [];
    const from = { workload: 'productpage' };
    for (let i = 0; i < 6000; i++) {
      let t = performance.now();
      await detailsApp({ method: 'GET', path: '/details/0', headers: {}, body: '', signal: new AbortController().signal }, ctx);
      direct.push(performance.now() - t);
      t = performance.now();
      await mesh.request(from, { url: 'http://details:9080/details/0' });
      viaMesh.push(performance.now() - t);
    }
    const skip = 1000; // warm-up
    const d = direct.slice(skip);
    const m = viaMesh.slice(skip);
    const base = percentile(d, 50);
    const cpuMsPer1000: MeshFigures['cpuMsPer1000'] = {};
    for (const p of mesh.proxyCosts(() => 0).proxies) if (p.cpuMsPer1000Requests !== undefined) cpuMsPer1000[p.kind] = p.cpuMsPer1000Requests;
    return { rps, p50AddedMsPerHop: percentile(m, 50) - base, p99AddedMsPerHop: percentile(m, 99) - base, cpuMsPer1000 };
  } finally {
    await gw.close();
    await mesh.stop();
  }
}

export async function benchDelayStory(): Promise<{ seconds: number }> {
  const clock = new ScaledClock(1);
  const store = bookinfoStore(clock);
  const mesh = createMesh({ store, clock, spans: new SpanStore() });
  try {
    for (const f of ['destination-rule-all.yaml', 'virtual-service-all-v1.yaml', 'virtual-service-reviews-test-v2.yaml', 'virtual-service-ratings-test-delay.yaml']) apply(store, manifest(`networking/${f}`));
    const login = await mesh.request('ingress', { method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=jason&passwd=jason' });
    const cookie = login.headers['set-cookie'].split(';')[0];
    const t0 = clock.now();
    const page = await mesh.request('ingress', { url: '/productpage', headers: { cookie } });
    const seconds = (clock.now() - t0) / 1000;
    if (!page.body.includes('Error fetching product reviews')) throw new Error('the delay story did not end in the reviews error');
    return { seconds };
  } finally {
    await mesh.stop();
  }
}

/**
 * A request routed by an HTTPRoute at the Gateway API gateway (bookinfo-gateway-istio) against
 * the same request routed by a VirtualService at istio-ingressgateway: one hop to details,
 * in process, so the figure is the routing and proxy work alone.
 */
export async function benchHttpRoute(): Promise<{ httpRouteRps: number; httpRouteP50Ms: number; virtualServiceP50Ms: number }> {
  const clock = new ScaledClock(1);
  const store = gatewayApiStore(clock);
  apply(store, manifest('networking/bookinfo-gateway.yaml'));
  const detailsRoute = (kind: 'HTTPRoute' | 'VirtualService') =>
    kind === 'HTTPRoute'
      ? { apiVersion: 'gateway.networking.k8s.io/v1', kind, metadata: { name: 'details-api' }, spec: { parentRefs: [{ name: 'bookinfo-gateway' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/details' } }], backendRefs: [{ name: 'details', port: 9080 }] }] } }
      : { apiVersion: 'networking.istio.io/v1', kind, metadata: { name: 'details-api' }, spec: { hosts: ['*'], gateways: ['bookinfo-gateway'], http: [{ match: [{ uri: { prefix: '/details' } }], route: [{ destination: { host: 'details', port: { number: 9080 } } }] }] } };
  apply(store, [detailsRoute('HTTPRoute'), detailsRoute('VirtualService')]);
  const mesh = createMesh({ store, clock, spans: new SpanStore(), realisticLatency: false });
  const viaHttpRoute = () => mesh.gatewayRequest(BOOKINFO_GATEWAY_SERVICE, 80, { url: '/details/0' });
  const viaVirtualService = () => mesh.request('ingress', { url: '/details/0' });
  const timed = async (send: () => Promise<{ status: number }>, n: number) => {
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      const r = await send();
      ms.push(performance.now() - t);
      if (r.status !== 200) throw new Error(`status ${r.status}`);
    }
    return ms.slice(n / 5); // warm-up
  };
  try {
    const started = performance.now();
    const httpRoute = await timed(viaHttpRoute, 5000);
    const httpRouteRps = 5000 / ((performance.now() - started) / 1000);
    const virtualService = await timed(viaVirtualService, 5000);
    return { httpRouteRps, httpRouteP50Ms: percentile(httpRoute, 50), virtualServiceP50Ms: percentile(virtualService, 50) };
  } finally {
    await mesh.stop();
  }
}
