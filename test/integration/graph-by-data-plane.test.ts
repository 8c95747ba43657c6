import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterConnection } from '../../server/cluster/connection.ts';
import { GraphPoller } from '../../server/hub/graph.ts';
import { ZtunnelLogReader } from '../../server/hub/l4-feed.ts';
import type { GraphSnapshot, ServerMessage } from '../../server/protocol.ts';
import { graphOfDataPlane } from '../../client/panels/ServiceGraphPanel.tsx';
import { startTestDeck, TestSocket, wsUrl } from '../helpers/deck.ts';

const graphOf = (m: ServerMessage) => ((m.type === 'snapshot' || m.type === 'change') && m.topic === 'graph' ? (m.data as GraphSnapshot) : undefined);
const nodeIds = (g: { nodes: { id: string }[] } | undefined) => (g?.nodes.map((n) => n.id) ?? []).sort();

/**
 * The talk's "sidecar graph beside the ambient graph": the graph topic keeps the last graph
 * the sidecars made after Bookinfo moves to ambient mode, and a deck that starts watching
 * only after the move finds it in older traces.
 */
describe('the service graph of each data plane', () => {
  let deck: Awaited<ReturnType<typeof startTestDeck>>;
  let socket: TestSocket;
  const auth = () => ({ authorization: `Bearer ${deck.token}`, 'content-type': 'application/json' });
  const scene = async (name: string) => {
    const res = await fetch(`${deck.base}/api/scene/${name}`, { method: 'POST', headers: auth(), body: '{}' });
    expect(res.status, `${name}: ${await res.clone().text()}`).toBe(200);
  };
  /** Loads the product page (as jason and anonymous) until the graph topic sends a snapshot that `ok` accepts. */
  const loadUntil = async (ok: (g: GraphSnapshot) => boolean, what: string): Promise<GraphSnapshot> => {
    const from = socket.messages.length;
    const waiting = socket.waitFor((m) => Boolean(graphOf(m) && ok(graphOf(m)!)), 60_000, from);
    let done = false;
    void waiting.finally(() => (done = true)).catch(() => {});
    while (!done) {
      for (const user of ['jason', 'anonymous']) await fetch(`${deck.base}/gateway/as/${user}/productpage`).then((r) => r.arrayBuffer()).catch(() => {});
      await new Promise((r) => setTimeout(r, 300));
    }
    return graphOf(await waiting.catch((e) => Promise.reject(new Error(`${what}: ${e.message}`))))!;
  };

  beforeAll(async () => {
    deck = await startTestDeck({ timeScale: 0.05 });
    socket = new TestSocket(wsUrl(deck.base));
    await socket.opened;
    socket.send({ type: 'subscribe', topic: 'graph' });
  }, 60_000);
  afterAll(async () => {
    socket?.close();
    await deck?.stop();
  });

  it('with sidecars the graph is the sidecar graph; after the move to ambient the sidecar one is kept beside the live ambient one', async () => {
    await scene('jason-v2');
    const sidecar = await loadUntil((g) => g.dataPlane === 'sidecar' && g.nodes.some((n) => n.id === 'reviews-v2'), 'a sidecar graph with reviews v2');
    expect(nodeIds(sidecar)).toEqual(expect.arrayContaining(['details-v1', 'productpage-v1', 'ratings-v1', 'reviews-v1', 'reviews-v2']));
    expect(sidecar.nodes.some((n) => n.kind === 'waypoint')).toBe(false);
    expect(graphOfDataPlane(sidecar, 'ambient')).toBeUndefined();

    await scene('ambient-waypoint-jason');
    const ambient = await loadUntil((g) => g.dataPlane === 'ambient' && g.nodes.some((n) => n.kind === 'waypoint') && g.byDataPlane?.sidecar?.current === false, 'an ambient graph with the sidecar one kept');
    // The live graph is ambient's: the waypoint between callers and services, no sidecar edges.
    expect(graphOfDataPlane(ambient, 'ambient')).toMatchObject({ current: true });
    expect(ambient.nodes.find((n) => n.kind === 'waypoint')?.id).toBe('waypoint');
    // The kept one is what the sidecars drew: versions of reviews, no waypoint.
    const kept = graphOfDataPlane(ambient, 'sidecar')!;
    expect(nodeIds(kept)).toEqual(expect.arrayContaining(['productpage-v1', 'reviews-v1', 'reviews-v2']));
    expect(kept.nodes.some((n) => n.kind === 'waypoint')).toBe(false);
    expect(kept.edges.every((e) => e.protocol !== 'tcp' && e.rps > 0)).toBe(true);
  }, 180_000);

  it('a graph feed started after the move finds the last sidecar graph in older traces', async () => {
    const connection = new ClusterConnection({ mode: 'embedded', kubeconfigText: deck.embedded!.kubeconfig });
    const poller = new GraphPoller({ jaegerUrl: deck.embedded!.jaegerUrl, intervalMs: 1000, windowSeconds: 30, l4: new ZtunnelLogReader(connection) });
    const g = (await poller.poll())!;
    const kept = graphOfDataPlane(g, 'sidecar');
    expect(kept?.current).toBe(false);
    expect(nodeIds(kept)).toEqual(expect.arrayContaining(['productpage-v1', 'reviews-v2']));
  }, 60_000);
});
