import { afterAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { createMesh } from '../../server/embedded/mesh/index.ts';
import { curl } from '../../server/embedded/workloads/index.ts';
import { SpanCollector, addPod, apply, bookinfoStore, deletePods, ensureNamespace, manifest, readPage } from '../helpers/mesh-fixtures.ts';

const clock = new ScaledClock(0.05);
const store = bookinfoStore(clock);
const mesh = createMesh({ store, clock, spans: new SpanCollector() });
afterAll(() => mesh.stop());

async function servedBy(n: number): Promise<Set<string>> {
  const pods = new Set<string>();
  for (let i = 0; i < n; i++) {
    const p = readPage((await mesh.request('ingress', { url: '/productpage' })).body);
    pods.add(p.servedBy ?? p.reviews);
  }
  return pods;
}

describe('which pods answer', () => {
  it('sends traffic to every Ready pod, a pod without a sidecar in plain text, never to one not Ready', async () => {
    addPod(store, { deployment: 'reviews-nosidecar', labels: { app: 'reviews', version: 'v1' }, sidecar: false });
    addPod(store, { deployment: 'reviews-starting', labels: { app: 'reviews', version: 'v3' }, ready: false });
    const pods = await servedBy(80);
    expect([...pods].some((p) => p.startsWith('reviews-starting'))).toBe(false);
    // istiod's endpoints include pods outside the mesh; auto mTLS talks plain text to them.
    expect([...pods].some((p) => p.startsWith('reviews-nosidecar'))).toBe(true);
    expect(pods.size).toBe(4);
  });

  it('does not apply VirtualServices to calls from a pod without a sidecar', async () => {
    apply(store, manifest('networking/destination-rule-all.yaml'));
    apply(store, manifest('networking/virtual-service-all-v1.yaml'));
    ensureNamespace(store, 'legacy');
    apply(store, manifest('sleep/sleep-legacy.yaml').filter((o) => o.kind !== 'Deployment'));
    addPod(store, { deployment: 'sleep', namespace: 'legacy', labels: { app: 'sleep' }, sidecar: false, serviceAccount: 'sleep' });
    const versions = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const res = await curl(mesh, { workload: 'sleep', namespace: 'legacy' }, 'http://reviews.default:9080/reviews/0');
      versions.add(JSON.parse(res.body).podname.split('-').slice(0, 2).join('-'));
    }
    // kube-proxy balancing over every Ready pod, sidecar or not, ignoring all-v1.
    expect(versions.size).toBeGreaterThan(1);
    // A sidecar-injected caller obeys all-v1.
    for (let i = 0; i < 10; i++) {
      const res = await mesh.request({ workload: 'productpage' }, { url: 'http://reviews:9080/reviews/0' });
      // Subset v1 is every pod labelled version v1, the one without a sidecar too.
      expect(JSON.parse(res.body).podname).toMatch(/^reviews-(v1|nosidecar)-/);
    }
    store.delete(store.registry.mustGet('networking.istio.io', 'virtualservices'), 'default', 'reviews');
  });

  it('deleting pods changes who answers; no pods at all shows the reviews error', async () => {
    deletePods(store, 'default', (p) => p.metadata.labels?.app === 'reviews' && p.metadata.labels?.version !== 'v3');
    expect([...(await servedBy(15))].every((p) => p.startsWith('reviews-v3-'))).toBe(true);
    deletePods(store, 'default', (p) => p.metadata.labels?.app === 'reviews');
    const res = await mesh.request({ workload: 'productpage' }, { url: 'http://reviews:9080/reviews/0' });
    expect(res.status).toBe(503);
    expect(res.body).toBe('no healthy upstream');
    expect(await servedBy(3)).toEqual(new Set(['error']));
  });

  it('scaling up adds answering replicas at once', async () => {
    const a = addPod(store, { deployment: 'reviews-v2', labels: { app: 'reviews', version: 'v2' }, serviceAccount: 'bookinfo-reviews' });
    const b = addPod(store, { deployment: 'reviews-v2', labels: { app: 'reviews', version: 'v2' }, serviceAccount: 'bookinfo-reviews' });
    const pods = await servedBy(40);
    expect(pods).toEqual(new Set([a.metadata.name, b.metadata.name]));
  });
});
