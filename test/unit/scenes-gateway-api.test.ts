/**
 * Every routing scene of manifests/scenes.yaml in the Gateway API tab: its variant is there,
 * its files exist and parse, its HTTPRoutes name Services the scene has, and loaded into the
 * simulated mesh, the product page shows each user what the Istio API variant shows them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ScaledClock } from '../../server/clock.ts';
import { loadScenes, sceneApis, sceneFiles, type Scene } from '../../server/api/scenes.ts';
import type { KubeObject } from '../../server/embedded/apiserver/types.ts';
import { createMesh, type Mesh } from '../../server/embedded/mesh/index.ts';
import type { MeshRequest } from '../../server/embedded/mesh/types.ts';
import type { RoutingApi } from '../../server/protocol.ts';
import { addBookinfoGatewayProxy, BOOKINFO_GATEWAY_SERVICE } from '../helpers/gateway-api-fixtures.ts';
import { SpanCollector, apply, bookinfoStore, ensureNamespace, manifest, podsFor, readPage } from '../helpers/mesh-fixtures.ts';

const ROOT = join(import.meta.dirname, '../..');
const scenes = loadScenes(ROOT);
const rel = (file: string) => file.replace(/^manifests\//, '');
const load = (file: string): KubeObject[] => parseAllDocuments(readFileSync(join(ROOT, file), 'utf8')).map((d) => d.toJS()).filter(Boolean);
const routingScenes = scenes.filter((s) => s.routing.length > 0);

describe('the scene catalogue in both APIs', () => {
  it('every scene with routing has a Gateway API variant; scenes without routing are the same in both', () => {
    expect(routingScenes.length).toBeGreaterThan(10);
    for (const s of routingScenes) expect(sceneApis(s), s.name).toEqual(['istio', 'gateway-api']);
    for (const s of scenes.filter((x) => !x.routing.length)) expect(sceneFiles(s, 'gateway-api'), s.name).toEqual(sceneFiles(s, 'istio'));
  });

  it.each(routingScenes.map((s) => [s.name, s] as const))('%s: the Gateway API files exist, parse, and reference only what the scene holds', (_name, scene: Scene) => {
    const files = sceneFiles(scene, 'gateway-api');
    const objects = [...files.platform, ...files.routing].flatMap((f) => {
      expect(existsSync(join(ROOT, f)), f).toBe(true);
      return load(f);
    });
    const services = new Set(objects.filter((o) => o.kind === 'Service').map((o) => o.metadata.name));
    const gateways = objects.filter((o) => o.kind === 'Gateway' && String(o.apiVersion).startsWith('gateway.networking.k8s.io/') && o.spec.gatewayClassName !== 'istio-waypoint');
    // The ingress is the Gateway API's, never Istio's Gateway, and no DestinationRule subsets are used.
    expect(gateways.map((g) => g.metadata.name)).toEqual(['bookinfo-gateway']);
    expect(objects.filter((o) => o.apiVersion === 'networking.istio.io/v1' && o.kind === 'Gateway')).toEqual([]);
    for (const o of objects) {
      if (o.kind === 'VirtualService') for (const rule of o.spec.http) for (const r of rule.route) expect(r.destination.subset, `${scene.name}: VirtualService ${o.metadata.name}`).toBeUndefined();
      if (o.kind !== 'HTTPRoute') continue;
      for (const p of o.spec.parentRefs) {
        if (p.kind === 'Service') expect(services.has(p.name), `${o.metadata.name} parent ${p.name}`).toBe(true);
        else expect(gateways.some((g) => g.metadata.name === p.name), `${o.metadata.name} parent ${p.name}`).toBe(true);
      }
      for (const rule of o.spec.rules) for (const b of rule.backendRefs ?? []) expect(services.has(b.name), `${scene.name}: HTTPRoute ${o.metadata.name} backend ${b.name}`).toBe(true);
    }
  });
});

let mesh: Mesh | undefined;
afterEach(async () => {
  await mesh?.stop();
  mesh = undefined;
});

/** A mesh holding the scene in one API, and how a browser reaches Bookinfo in it: that API's gateway. */
function meshFor(scene: Scene, api: RoutingApi, scale: number) {
  const clock = new ScaledClock(scale);
  const store = bookinfoStore(clock, { bookinfo: false, gateway: false });
  for (const ns of scene.namespaces) ensureNamespace(store, ns);
  const files = sceneFiles(scene, api);
  for (const file of files.platform) {
    const objects = manifest(rel(file));
    apply(store, objects.filter((o) => o.kind !== 'Deployment' && o.kind !== 'Namespace'));
    podsFor(store, objects);
  }
  for (const file of files.routing) apply(store, manifest(rel(file)));
  if (api === 'gateway-api') addBookinfoGatewayProxy(store);
  const m = createMesh({ store, clock, spans: new SpanCollector() });
  mesh = m;
  const send = (req: MeshRequest) => (api === 'istio' ? m.request('ingress', req) : m.gatewayRequest(BOOKINFO_GATEWAY_SERVICE, 80, req));
  return { mesh: m, send };
}

type Send = ReturnType<typeof meshFor>['send'];

async function login(send: Send, user: string): Promise<string> {
  const res = await send({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `username=${user}&passwd=x` });
  return String(res.headers['set-cookie']).split(';')[0];
}

/** What the page shows one user over a few visits: status, the reviews versions or errors seen, and whether details rendered. */
async function seenBy(send: Send, user: string | undefined, visits: number) {
  const cookie = user ? await login(send, user) : undefined;
  const statuses = new Set<number>();
  const reviews = new Set<string>();
  const details = new Set<boolean>();
  for (let i = 0; i < visits; i++) {
    const res = await send({ url: '/productpage', headers: cookie ? { cookie } : {} });
    statuses.add(res.status);
    if (res.status !== 200) continue;
    const page = readPage(res.body);
    reviews.add(page.reviews);
    details.add(page.details);
  }
  return { statuses: [...statuses].sort(), reviews: [...reviews].sort(), details: [...details].sort() };
}

// Scenes whose slides time things (delays, timeouts) run the clock at 1/10; the rest faster.
const TIMED = new Set(['ratings-delay', 'timeout-fix']);

describe('the Gateway API variant behaves as the Istio API variant', () => {
  // Ambient scenes enter through the Gateway API's gateway in both tabs: test/integration/scene-ambient.test.ts has them.
  const bookinfoScenes = routingScenes.filter((s) => s.dataPlane === 'sidecar' && s.platform.some((f) => f.endsWith('bookinfo/bookinfo.yaml')));
  it.each(bookinfoScenes.map((s) => [s.name, s] as const))('%s: anonymous and jason see the same page in both tabs', async (_name, scene: Scene) => {
    const scale = TIMED.has(scene.name) ? 0.1 : 0.05;
    // Enough visits that a split (round robin over three versions, 50/50) shows every version it has.
    const visits = TIMED.has(scene.name) ? 1 : 30;
    const seen: Record<RoutingApi, unknown> = { istio: undefined, 'gateway-api': undefined };
    for (const api of ['istio', 'gateway-api'] as const) {
      const { send, mesh: m } = meshFor(scene, api, scale);
      seen[api] = { anonymous: await seenBy(send, undefined, visits), jason: await seenBy(send, 'jason', visits) };
      await m.stop();
      mesh = undefined;
    }
    expect(seen['gateway-api']).toEqual(seen.istio);
    expect((seen.istio as any).anonymous.statuses).toEqual([200]);
  }, 60_000);
});
