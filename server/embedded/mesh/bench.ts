/**
 * Figures for `npm run bench` (printed, never asserted):
 *   benchMesh()        productpage requests/s through the gateway with tracing on, and the
 *                      real time the mesh adds per hop (client sidecar + server sidecar);
 *   benchDelayStory()  the fault-injection story at scale 1: jason, a 7 s ratings delay,
 *                      and the page giving up on reviews after two 3 s attempts.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { ScaledClock } from '../../clock.ts';
import { ObjectStore } from '../apiserver/store.ts';
import type { KubeObject } from '../apiserver/types.ts';
import { detailsApp } from '../bookinfo/details.ts';
import { SpanStore } from '../tracing/span-store.ts';
import { createMesh } from './index.ts';
import type { AppContext } from '../app-runtime/types.ts';

const MANIFESTS = fileURLToPath(new URL('../../../manifests/', import.meta.url));

function load(rel: string): KubeObject[] {
  return parseAllDocuments(readFileSync(MANIFESTS + rel, 'utf8'))
    .map((d) => d.toJS())
    .filter((o) => o?.kind);
}

function apply(store: ObjectStore, objects: KubeObject[]): void {
  for (const o of objects) {
    const type = store.registry.byApiVersionKind(o.apiVersion!, o.kind!)!;
    const obj = structuredClone(o);
    if (type.namespaced) obj.metadata.namespace ??= 'default';
    if (store.get(type, obj.metadata.namespace, obj.metadata.name)) store.update(type, obj);
    else store.create(type, obj);
  }
}

/** Bookinfo with sidecars, Running and Ready, as the controllers would leave it. */
function bookinfoCluster(clock: ScaledClock): ObjectStore {
  const store = new ObjectStore({ clock });
  const ns = store.registry.mustGet('', 'namespaces');
  const pods = store.registry.mustGet('', 'pods');
  for (const name of ['default', 'istio-system']) store.create(ns, { metadata: { name } });
  const bookinfo = load('bookinfo/bookinfo.yaml');
  apply(store, bookinfo.filter((o) => o.kind !== 'Deployment'));
  let ip = 10;
  const pod = (deployment: string, namespace: string, labels: Record<string, string>, sa = 'default') =>
    store.create(pods, {
      metadata: { name: `${deployment}-5d8f7c9b4-${(ip++).toString(36)}abc`, namespace, labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${deployment}-5d8f7c9b4`, uid: deployment, controller: true }] },
      spec: { serviceAccountName: sa, containers: [{ name: labels.app, image: 'bench' }, { name: 'istio-proxy', image: 'proxyv2' }] },
      status: { phase: 'Running', podIP: `10.244.0.${ip}`, conditions: [{ type: 'Ready', status: 'True' }] },
    });
  pod('istio-ingressgateway', 'istio-system', { app: 'istio-ingressgateway', istio: 'ingressgateway' });
  for (const d of bookinfo.filter((o) => o.kind === 'Deployment')) pod(d.metadata.name, 'default', d.spec.template.metadata.labels, d.spec.template.spec.serviceAccountName);
  apply(store, load('networking/bookinfo-gateway.yaml'));
  return store;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function benchMesh(): Promise<{ rps: number; p50AddedMsPerHop: number; p99AddedMsPerHop: number }> {
  const clock = new ScaledClock(1);
  const store = bookinfoCluster(clock);
  const spans = new SpanStore();
  const mesh = createMesh({ store, clock, spans, realisticLatency: false });
  const gw = await mesh.startGateway();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const get = () =>
    new Promise<void>((resolve, reject) => {
      http
        .get(`${gw.url}/productpage`, { agent }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
        })
        .on('error', reject);
    });
  try {
    for (let i = 0; i < 200; i++) await get();
    // Throughput: 8 concurrent keep-alive clients for about three seconds.
    let done = 0;
    const until = performance.now() + 3000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (performance.now() < until) {
          await get();
          done++;
        }
      }),
    );
    const rps = done / ((performance.now() - started) / 1000);

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
    const d = direct.slice(skip).sort((a, b) => a - b);
    const m = viaMesh.slice(skip).sort((a, b) => a - b);
    const base = percentile(d, 50);
    return { rps, p50AddedMsPerHop: percentile(m, 50) - base, p99AddedMsPerHop: percentile(m, 99) - base };
  } finally {
    agent.destroy();
    await gw.close();
    await mesh.stop();
  }
}

export async function benchDelayStory(): Promise<{ seconds: number }> {
  const clock = new ScaledClock(1);
  const store = bookinfoCluster(clock);
  const mesh = createMesh({ store, clock, spans: new SpanStore() });
  try {
    for (const f of ['destination-rule-all.yaml', 'virtual-service-all-v1.yaml', 'virtual-service-reviews-test-v2.yaml', 'virtual-service-ratings-test-delay.yaml']) apply(store, load(`networking/${f}`));
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
