import { describe, expect, it } from 'vitest';
import { TestSocket, deckWithKubectl, wsUrl } from '../helpers/deck.ts';
import { until } from '../helpers/until.ts';
import type { GraphNode, GraphSnapshot } from '../../server/protocol.ts';

interface Listed {
  items: Array<{ metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: { gatewayClassName?: string } }>;
}

/**
 * The deck's live service graph in scene ambient-waypoint-jason (Gateway API tab: the HTTPRoute
 * sends to the Services reviews-v1 and reviews-v2), with page loads through the gateway, and
 * while the waypoint's pod is replaced: every node drawn is an object of the cluster, and each
 * workload is drawn once, its versions as its rows.
 */
describe('the ambient service graph draws what exists, once', () => {
  // Slow enough that a pod takes seconds to start, so page loads meet the waypoint without a Ready pod.
  const fixture = deckWithKubectl({ timeScale: 0.5 });
  const post = (path: string, body: unknown) =>
    fetch(`${fixture.deck.base}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${fixture.deck.token}` } });
  const pageLoads = async (ms: number) => {
    for (const end = Date.now() + ms; Date.now() < end; ) {
      await Promise.all(['jason', 'anonymous'].map((u) => fetch(`${fixture.deck.base}/gateway/as/${u}/productpage`).then((r) => r.text(), () => '')));
      await new Promise((r) => setTimeout(r, 150));
    }
  };
  const list = async (...args: string[]) => JSON.parse(await fixture.kubectl.ok(['get', ...args, '-o', 'json'])) as Listed;

  /** What a node may stand for: a workload version or workload (its pods' canonical labels), a Service, a waypoint Gateway. */
  async function clusterObjects(): Promise<{ workloads: Set<string>; services: Set<string>; waypoints: Set<string> }> {
    const workloads = new Set<string>();
    for (const p of (await list('pods', '-A')).items) {
      const l = p.metadata.labels ?? {};
      const app = l['service.istio.io/canonical-name'] ?? l.app;
      const version = l['service.istio.io/canonical-revision'] ?? l.version;
      if (app) workloads.add(version && version !== 'latest' ? `${app}-${version}` : app);
    }
    const services = new Set((await list('services', '-A')).items.map((s) => `${s.metadata.name}.${s.metadata.namespace}`));
    const waypoints = new Set((await list('gateways.gateway.networking.k8s.io', '-A')).items.filter((g) => g.spec?.gatewayClassName === 'istio-waypoint').map((g) => g.metadata.name));
    return { workloads, services, waypoints };
  }
  const standsFor = (n: GraphNode, o: Awaited<ReturnType<typeof clusterObjects>>) =>
    n.kind === 'service' ? o.services.has(n.id) : n.kind === 'waypoint' ? o.waypoints.has(n.id) : o.workloads.has(n.id);

  it('nodes are workload versions, Services, the gateway and the waypoint; reviews v1 and v2 are rows of one box', async () => {
    const sock = new TestSocket(wsUrl(fixture.deck.base));
    try {
      await sock.opened;
      sock.send({ type: 'subscribe', topic: 'graph' });
      const res = await post('/api/scene/ambient-waypoint-jason', { mode: 'reset', api: 'gateway-api' });
      expect(res.status).toBe(200);
      await until(async () => (await fixture.kubectl.run(['get', 'gtw', 'waypoint', '-o', 'jsonpath={.status.conditions[?(@.type=="Programmed")].status}'])).stdout === 'True', 'waypoint programmed', 30_000);
      await pageLoads(8_000);

      // The waypoint's pod replaced while pages load: until the new one is Ready the Gateway stands for it.
      // ztunnel's log shows that state was met: a connection to the waypoint's identity that reached no pod of its ReplicaSet.
      await fixture.kubectl.ok(['delete', 'pod', '-l', 'gateway.networking.k8s.io/gateway-name=waypoint', '--wait=false']);
      const standIn = await until(async () => {
        await pageLoads(300);
        const log = await fixture.kubectl.ok(['logs', '-n', 'istio-system', 'ds/ztunnel', '--tail=80']);
        const toWaypoint = log.split('\n').filter((l) => l.includes('dst.identity="spiffe://cluster.local/ns/default/sa/waypoint"'));
        return toWaypoint.map((l) => /dst\.workload="([^"]*)"/.exec(l)?.[1] ?? '').find((w) => !/^waypoint-[a-z0-9]+-[a-z0-9]{5}$/.test(w));
      }, 'a page load through the waypoint while it has no Ready pod', 20_000, 0);
      expect(standIn).toBe('waypoint');
      await until(async () => /^waypoint-\S+\s+1\/1\s+Running/m.test(await fixture.kubectl.ok(['get', 'pods', '--no-headers'])) && 'ok', 'a new waypoint pod Running', 30_000);
      await pageLoads(4_000);

      // Every graph the deck sent, from the scene on (no page was loaded before it).
      await until(() => sock.messages.some((m) => m.type === 'change' && m.topic === 'graph' && (m.data as GraphSnapshot).nodes.some((n) => n.id === 'reviews-v2')) && 'ok', 'a graph with reviews v2', 20_000);
      const graphs = sock.messages.flatMap((m) => ((m.type === 'snapshot' || m.type === 'change') && m.topic === 'graph' ? [m.data as GraphSnapshot] : []));
      const drawn = new Map<string, GraphNode>();
      // With each data plane's last graph too, where the deck keeps them for the side-by-side slide.
      const planes = (g: GraphSnapshot) => Object.values((g as { byDataPlane?: Record<string, { nodes: GraphNode[] }> }).byDataPlane ?? {});
      for (const g of graphs) for (const n of [g, ...planes(g)].flatMap((p) => p.nodes)) drawn.set(`${n.kind} ${n.id}`, n);
      const objects = await clusterObjects();
      expect([...drawn.values()].filter((n) => !standsFor(n, objects)).map((n) => `${n.kind} ${n.id}`)).toEqual([]);
      expect([...drawn.values()].filter((n) => n.kind === 'waypoint').map((n) => n.id)).toEqual(['waypoint']);

      // The newest graph: reviews once, v1 and v2 reached from the waypoint as HTTP, no Service box beside it.
      const last = graphs[graphs.length - 1];
      const reviews = last.nodes.filter((n) => n.id.startsWith('reviews'));
      expect(reviews.map((n) => `${n.id} ${n.kind} ${n.app} ${n.version}`)).toEqual(['reviews-v1 workload reviews v1', 'reviews-v2 workload reviews v2']);
      const fromWaypoint = last.edges.filter((e) => e.source === 'waypoint' && e.target.startsWith('reviews')).map((e) => `${e.target} ${e.protocol ?? 'http'}`);
      expect(fromWaypoint).toEqual(['reviews-v1 http', 'reviews-v2 http']);
      expect(last.nodes.filter((n) => n.kind === 'service')).toEqual([]);
    } finally {
      sock.close();
    }
  }, 180_000);
});
