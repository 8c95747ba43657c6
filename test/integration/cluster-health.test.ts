import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { startEmbeddedCluster } from '../../server/embedded/cluster.ts';
import type { HealthState, ResourcesSnapshot, ServerMessage } from '../../server/protocol.ts';
import { ApiProxy } from '../helpers/api-proxy.ts';
import { until } from '../helpers/until.ts';
import { startTestDeck, TestSocket, wsUrl } from '../helpers/deck.ts';

const ISTIO_GROUPS = /^\/apis\/(networking|security)\.istio\.io(\/|\?|$)/;

/** A deck in real-cluster mode, reaching an embedded cluster only through the proxy's kubeconfig. */
async function deckBehindProxy() {
  const cluster = await startEmbeddedCluster({ clock: new ScaledClock(0.01) });
  const proxy = new ApiProxy(cluster.kubeconfig);
  await proxy.start();
  const dir = mkdtempSync(join(tmpdir(), 'cluster-health-'));
  writeFileSync(join(dir, 'kubeconfig'), proxy.kubeconfig, { mode: 0o600 });
  const kc = new k8s.KubeConfig();
  kc.loadFromString(cluster.kubeconfig);
  // Straight to the API, as kubectl would: the proxy stands only between the deck and the cluster.
  return { cluster, proxy, dir, core: kc.makeApiClient(k8s.CoreV1Api), objects: k8s.KubernetesObjectApi.makeApiClient(kc), kubeconfig: join(dir, 'kubeconfig') };
}

const pod = (name: string): k8s.V1Pod => ({ metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } });
const vs = (name: string) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: 'default' }, spec: { hosts: [name], http: [{ route: [{ destination: { host: name } }] }] } });

describe('the deck on a cluster that is not all there', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("says plainly that Istio's CRDs are missing, keeps streaming pods, and recovers by itself once they are installed", async () => {
    const env = await deckBehindProxy();
    cleanups.push(() => env.cluster.stop(), () => env.proxy.stop(), () => rmSync(env.dir, { recursive: true, force: true }));
    // What an API server without Istio's CRDs answers for their groups.
    let installed = false;
    env.proxy.refuse = (_m, path) => (!installed && ISTIO_GROUPS.test(path) ? { status: 404, message: 'the server could not find the requested resource' } : undefined);
    const deck = await startTestDeck({ kubeconfig: env.kubeconfig });
    cleanups.push(() => deck.stop());

    const health = async (): Promise<HealthState> => (await fetch(`${deck.base}/api/health`)).json();
    const missing = await until(async () => {
      const h = await health();
      return h.connected && h.message?.includes('Istio') && h;
    }, 'health says Istio is missing');
    expect(missing).toMatchObject({ connected: true, istio: false });
    expect(missing.message).toMatch(/Istio's \w+\.(networking|security)\.istio\.io kind is missing: is Istio installed\?/);

    const sock = new TestSocket(wsUrl(deck.base));
    await sock.opened;
    sock.send({ type: 'subscribe', topic: 'health' });
    sock.send({ type: 'subscribe', topic: 'resources/VirtualService/default' });
    sock.send({ type: 'subscribe', topic: 'resources/Pod/default' });
    const vsError = await sock.waitFor((m) => m.type === 'error' && m.topic === 'resources/VirtualService/default');
    expect((vsError as Extract<ServerMessage, { type: 'error' }>).message).toMatch(/virtualservices\.networking\.istio\.io kind is missing/);
    await sock.waitFor((m) => m.type === 'snapshot' && m.topic === 'resources/Pod/default');
    await env.core.createNamespacedPod({ namespace: 'default', body: pod('still-streaming') });
    await sock.waitFor((m) => m.type === 'change' && m.topic === 'resources/Pod/default' && (m.data as any).item?.name === 'still-streaming', 10_000);

    // Install the CRDs (the proxy stops hiding their groups) and add a VirtualService: no restart.
    installed = true;
    await env.objects.create(vs('after-install'));
    await sock.waitFor((m) => m.type === 'change' && m.topic === 'health' && (m.data as HealthState).istio === true, 20_000);
    expect(await health()).toMatchObject({ connected: true, istio: true });
    // The panel's error is replaced by data: a fresh snapshot, or the object as a change.
    await sock.waitFor(
      (m) => (m.type === 'snapshot' && m.topic === 'resources/VirtualService/default' && (m.data as ResourcesSnapshot).items.some((i) => i.name === 'after-install')) ||
        (m.type === 'change' && m.topic === 'resources/VirtualService/default' && (m.data as any).item?.name === 'after-install'),
      20_000,
    );
    // And it keeps streaming changes.
    await env.objects.create(vs('later'));
    await sock.waitFor((m) => m.type === 'change' && m.topic === 'resources/VirtualService/default' && (m.data as any).item?.name === 'later', 10_000);
    sock.close();
  });

  it('says the cluster is unreachable while its API is down, still serves the deck, and catches up when it is back', async () => {
    const env = await deckBehindProxy();
    cleanups.push(() => env.cluster.stop(), () => env.proxy.stop(), () => rmSync(env.dir, { recursive: true, force: true }));
    const deck = await startTestDeck({ kubeconfig: env.kubeconfig });
    cleanups.push(() => deck.stop());
    const health = async (): Promise<HealthState> => (await fetch(`${deck.base}/api/health`)).json();
    await until(async () => (await health()).istio, 'connected with Istio');

    const sock = new TestSocket(wsUrl(deck.base));
    await sock.opened;
    sock.send({ type: 'subscribe', topic: 'health' });
    sock.send({ type: 'subscribe', topic: 'resources/Pod/default' });
    await sock.waitFor((m) => m.type === 'snapshot' && m.topic === 'resources/Pod/default');

    await env.proxy.down();
    const down = (await sock.waitFor((m) => m.type === 'change' && m.topic === 'health' && !(m.data as HealthState).connected, 20_000)) as any;
    expect(down.data.message).toMatch(/cluster unreachable/);
    expect((await health()).connected).toBe(false);
    // The deck itself still answers: its page and its scene list.
    expect([200, 503]).toContain((await fetch(`${deck.base}/`)).status);
    expect((await fetch(`${deck.base}/api/scenes`)).status).toBe(200);

    // Made while the deck could not see the cluster.
    await env.core.createNamespacedPod({ namespace: 'default', body: pod('made-during-outage') });
    await env.proxy.start();
    await sock.waitFor((m) => m.type === 'change' && m.topic === 'health' && (m.data as HealthState).connected && (m.data as HealthState).istio, 30_000);
    await sock.waitFor((m) => (m.type === 'change' || m.type === 'snapshot') && m.topic === 'resources/Pod/default' && ((m.type === 'change' && (m.data as any).item?.name === 'made-during-outage') || (m.type === 'snapshot' && (m.data as ResourcesSnapshot).items.some((i) => i.name === 'made-during-outage'))), 30_000);
    expect(await health()).toMatchObject({ connected: true, istio: true });
    sock.close();
  });
});
