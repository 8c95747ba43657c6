import { describe, expect, it } from 'vitest';
import { afterAll, beforeAll } from 'vitest';
import { ClusterConnection } from '../../server/cluster/connection.ts';
import { GraphPoller } from '../../server/hub/graph.ts';
import { ZtunnelLogReader } from '../../server/hub/l4-feed.ts';
import { clusterWithKubectl } from '../helpers/cluster.ts';
import { makeIstioctl } from '../helpers/istioctl.ts';

/**
 * The deck's service graph on the embedded cluster in ambient mode without a waypoint: the
 * traffic between Bookinfo's pods leaves no span, and shows as TCP edges read from ztunnel's
 * log through client-node, as on a real cluster.
 */
describe('service graph of an ambient namespace without a waypoint', () => {
  const fixture = clusterWithKubectl(0.02);
  let t: ReturnType<typeof makeIstioctl>;
  beforeAll(() => {
    t = makeIstioctl(fixture.cluster.kubeconfig);
  });
  afterAll(() => t?.cleanup());
  const sh = async (script: string) => {
    const r = await t.bash(`set -o pipefail\n${script}`, { timeoutMs: 90_000 });
    if (r.code !== 0) throw new Error(`${script}\nexit ${r.code}\n${r.stdout}${r.stderr}`);
    return r.stdout;
  };

  it('shows curl → productpage → details and reviews as TCP edges with connections and bytes', async () => {
    await sh('istioctl install --set profile=ambient --skip-confirmation');
    await sh('kubectl apply -f manifests/bookinfo/bookinfo.yaml && kubectl apply -f manifests/curl/curl.yaml');
    await sh('kubectl wait --for=condition=Available deployment --all --timeout=60s');
    await sh('kubectl label namespace default istio.io/dataplane-mode=ambient');
    await sh('for i in 1 2 3 4 5; do kubectl exec deploy/curl -- curl -s -o /dev/null http://productpage:9080/productpage; done');

    const connection = new ClusterConnection({ mode: 'embedded', kubeconfigText: fixture.cluster.kubeconfig });
    const clock = fixture.cluster.clock;
    const poller = new GraphPoller({ jaegerUrl: fixture.cluster.jaegerUrl, intervalMs: 1000, windowSeconds: 600, now: () => clock.now(), l4: new ZtunnelLogReader(connection) });
    const g = (await poller.poll())!;
    expect(g.l4Error).toBeUndefined();
    const tcp = new Map(g.edges.filter((e) => e.protocol === 'tcp').map((e) => [`${e.source} > ${e.target}`, e]));
    expect([...tcp.keys()]).toEqual(expect.arrayContaining(['curl > productpage-v1', 'productpage-v1 > details-v1']));
    expect([...tcp.keys()].some((k) => /^productpage-v1 > reviews-v[123]$/.test(k))).toBe(true);
    // Five page loads, each one connection from curl: 5 in the 600 s window.
    expect(tcp.get('curl > productpage-v1')!.tcp!.connections).toBe(5);
    expect(tcp.get('productpage-v1 > details-v1')!.tcp!.bytesPerSecond).toBeGreaterThan(0);
    // No span exists for this traffic: no HTTP edge between the workloads.
    expect(g.edges.filter((e) => e.protocol !== 'tcp' && e.source === 'productpage-v1')).toEqual([]);
    expect(g.nodes.find((n) => n.id === 'reviews-v1' || n.id === 'reviews-v2' || n.id === 'reviews-v3')?.kind).toBe('workload');
  }, 180_000);
});
