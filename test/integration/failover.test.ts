import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ScaledClock } from '../../server/clock.ts';
import { startEmbeddedCluster, type EmbeddedCluster } from '../../server/embedded/cluster.ts';
import { loadScenes, sceneDocuments } from '../../server/api/scenes.ts';
import type { FailoverResponse, HealthState, PresenterPosition, ResourcesSnapshot, ServerMessage } from '../../server/protocol.ts';
import { ApiProxy } from '../helpers/api-proxy.ts';
import { startTestDeck, TestSocket, wsUrl } from '../helpers/deck.ts';
import { until } from '../helpers/until.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const VS_TOPIC = 'resources/VirtualService/default';

/** The VirtualServices a scene holds, read from its own manifests. */
async function sceneVirtualServices(name: string): Promise<string[]> {
  const scene = loadScenes(ROOT).find((s) => s.name === name)!;
  const text = await sceneDocuments(ROOT, scene, 'istio');
  return text.split(/^---$/m).map((d) => parse(d)).filter((o) => o?.kind === 'VirtualService').map((o) => o.metadata.name).sort();
}

/** A topic message's data, or undefined for any other message. */
const dataOf = <T,>(m: ServerMessage, topic: string): T | undefined => ((m.type === 'snapshot' || m.type === 'change') && m.topic === topic ? (m.data as T) : undefined);
const healthOf = (m: ServerMessage) => dataOf<HealthState>(m, 'health');
const slideOf = (m: ServerMessage) => dataOf<PresenterPosition>(m, 'presenter')?.slideId;
/** The VirtualService names of a resources snapshot, sorted; undefined for any other message. */
const vsNames = (m: ServerMessage) => (m.type === 'snapshot' ? dataOf<ResourcesSnapshot>(m, VS_TOPIC)?.items.map((i) => i.name).sort() : undefined);

describe('the speaker’s safety net: a real cluster goes away mid-talk', () => {
  let real: EmbeddedCluster;
  let proxy: ApiProxy;
  let dir: string;
  let deck: Awaited<ReturnType<typeof startTestDeck>>;
  let realObjects: k8s.KubernetesObjectApi;

  beforeAll(async () => {
    // The "real" cluster: an embedded one the deck reaches only through a proxy the test can cut.
    real = await startEmbeddedCluster({ name: 'conference-cluster', clock: new ScaledClock(0.01) });
    proxy = new ApiProxy(real.kubeconfig);
    await proxy.start();
    dir = mkdtempSync(join(tmpdir(), 'failover-'));
    writeFileSync(join(dir, 'kubeconfig'), proxy.kubeconfig, { mode: 0o600 });
    const kc = new k8s.KubeConfig();
    kc.loadFromString(real.kubeconfig);
    realObjects = k8s.KubernetesObjectApi.makeApiClient(kc);
    deck = await startTestDeck({ kubeconfig: join(dir, 'kubeconfig'), failoverAfterMs: 1500 });
  }, 60_000);
  afterAll(async () => {
    await deck?.stop();
    await proxy?.stop();
    await real?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('offers the embedded cluster after a few seconds, continues there at the current scene in one request, and returns', async () => {
    const auth = { authorization: `Bearer ${deck.token}`, 'content-type': 'application/json' };
    const failover = (body: unknown) => fetch(`${deck.base}/api/failover`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
    const health = async (): Promise<HealthState> => (await fetch(`${deck.base}/api/health`)).json();
    await until(async () => (await health()).connected, 'deck connected to the real cluster', 30_000);
    expect((await health()).failover).toMatchObject({ active: 'real', realReachable: true });
    expect((await health()).failover?.offer).toBeUndefined();

    const sceneRes = await fetch(`${deck.base}/api/scene/all-v1`, { method: 'POST', headers: auth, body: '{}' });
    expect(sceneRes.status).toBe(200);
    const allV1 = await sceneVirtualServices('all-v1');
    expect(allV1.length).toBeGreaterThan(0);

    const presenter = new TestSocket(wsUrl(deck.base, `?token=${deck.token}`));
    const audience = new TestSocket(wsUrl(deck.base));
    await Promise.all([presenter.opened, audience.opened]);
    const slide: PresenterPosition = { h: 7, v: 0, slideId: 'routing-all-v1' };
    presenter.send({ type: 'presenter-position', position: slide });
    for (const topic of ['health', VS_TOPIC, 'presenter']) audience.send({ type: 'subscribe', topic });
    await audience.waitFor((m) => vsNames(m)?.join() === allV1.join(), 20_000);
    await audience.waitFor((m) => slideOf(m) === slide.slideId);

    // The conference network goes.
    const cutAt = audience.messages.length;
    await proxy.down();
    const offered = await audience.waitFor((m) => healthOf(m)?.failover?.offer === 'embedded', 20_000, cutAt);
    // First the deck says the real cluster does not answer; the switch is offered only once that lasts.
    const firstDown = audience.messages.slice(cutAt).map(healthOf).find((h) => h?.failover?.realReachable === false);
    expect(firstDown?.failover?.offer).toBeUndefined();
    const offeredState = healthOf(offered)!.failover!;
    expect(offeredState.active).toBe('real');
    expect(Date.now() - Date.parse(offeredState.unreachableSince!)).toBeGreaterThanOrEqual(1500);
    // Returning while it is still gone is refused, and says why.
    const early = await failover({ to: 'real' });
    expect(early.status).toBe(409);

    // One request: the embedded cluster starts, comes to the scene, and the deck moves there.
    const switchAt = audience.messages.length;
    const res = await failover({ to: 'embedded' });
    expect(res.status).toBe(200);
    expect((await res.json()) as FailoverResponse).toMatchObject({ active: 'embedded', scene: 'all-v1', api: 'istio' });
    const banner = await audience.waitFor((m) => healthOf(m)?.failover?.active === 'embedded', 10_000, switchAt);
    expect(healthOf(banner)).toMatchObject({ mode: 'embedded', connected: true });
    expect(offeredState.realCluster).toBe('conference-cluster');
    expect(healthOf(banner)!.cluster).not.toBe('conference-cluster');
    // The same socket now shows the embedded cluster's objects at the scene, and the presenter's slide.
    await audience.waitFor((m) => vsNames(m)?.join() === allV1.join(), 10_000, switchAt);
    await audience.waitFor((m) => slideOf(m) === slide.slideId, 10_000, switchAt);
    expect((await health()).failover?.active).toBe('embedded');
    // A page whose socket dropped with the network resumes from the real cluster's numbering: it gets the embedded snapshot, not changes that do not fit.
    const lastRealSeq = Math.max(...audience.messages.slice(0, switchAt).filter((m) => dataOf(m, VS_TOPIC)).map((m) => (m as { seq: number }).seq));
    const resumed = new TestSocket(wsUrl(deck.base));
    await resumed.opened;
    resumed.send({ type: 'subscribe', topic: VS_TOPIC, since: lastRealSeq });
    const resumedFirst = await resumed.waitFor((m) => dataOf(m, VS_TOPIC) !== undefined);
    expect(resumedFirst.type).toBe('snapshot');
    expect(vsNames(resumedFirst)).toEqual(allV1);
    resumed.close();
    // The product page through the deck's gateway proxy is the embedded cluster's Bookinfo.
    await until(async () => (await fetch(`${deck.base}/gateway/productpage`)).status === 200, 'product page through the embedded gateway', 30_000, 250);

    // The talk goes on there: the next slide's scene lands on the embedded cluster, and a late attendee sees it.
    const reviewsV3 = await sceneVirtualServices('reviews-v3');
    expect((await fetch(`${deck.base}/api/scene/reviews-v3`, { method: 'POST', headers: auth, body: '{}' })).status).toBe(200);
    const late = new TestSocket(wsUrl(deck.base));
    await late.opened;
    late.send({ type: 'subscribe', topic: 'health' });
    expect(healthOf(await late.waitFor((m) => healthOf(m) !== undefined))?.failover?.active).toBe('embedded');
    late.close();

    // The network is back: the presenter is offered the return, which brings the real cluster to the current scene.
    const backAt = audience.messages.length;
    await proxy.start();
    await audience.waitFor((m) => healthOf(m)?.failover?.offer === 'real' && healthOf(m)?.failover?.realReachable === true, 20_000, backAt);
    const returnAt = audience.messages.length;
    const back = await failover({ to: 'real' });
    expect(back.status).toBe(200);
    expect(await back.json()).toMatchObject({ active: 'real', scene: 'reviews-v3' });
    await audience.waitFor((m) => healthOf(m)?.mode === 'real' && healthOf(m)?.failover?.active === 'real', 10_000, returnAt);
    await audience.waitFor((m) => vsNames(m)?.join() === reviewsV3.join(), 20_000, returnAt);
    // The gateway proxy is the real cluster's again.
    await until(async () => (await fetch(`${deck.base}/gateway/productpage`)).status === 200, 'product page through the real gateway', 30_000, 250);
    const onReal = await realObjects.list('networking.istio.io/v1', 'VirtualService', 'default');
    expect(onReal.items.map((o) => o.metadata!.name!).sort()).toEqual(reviewsV3);
    const reviews = onReal.items.find((o) => o.metadata!.name === 'reviews') as any;
    expect(JSON.stringify(reviews.spec)).toContain('v3');
    presenter.close();
    audience.close();
  }, 120_000);

  it('pre-flight times each scene on the cluster', async () => {
    const started = performance.now();
    const res = await fetch(`${deck.base}/api/preflight`, { headers: { authorization: `Bearer ${deck.token}` } });
    const elapsed = performance.now() - started;
    expect(res.status).toBe(200);
    const results = (await res.json()) as Array<{ scene: string; ms: number }>;
    expect(results.length).toBeGreaterThan(5);
    for (const r of results) expect(r.ms, r.scene).toBeGreaterThanOrEqual(0);
    // The times are the scenes' own: together no more than the whole request.
    expect(results.reduce((sum, r) => sum + r.ms, 0)).toBeLessThanOrEqual(elapsed + results.length);
    expect(results.some((r) => r.ms > 0)).toBe(true);
  }, 120_000);

  it('refuses a switch without the presenter token, or to a cluster it does not know', async () => {
    const noToken = await fetch(`${deck.base}/api/failover`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"to":"embedded"}' });
    expect(noToken.status).toBe(401);
    const bad = await fetch(`${deck.base}/api/failover`, { method: 'POST', headers: { authorization: `Bearer ${deck.token}`, 'content-type': 'application/json' }, body: '{"to":"staging"}' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/to must be one of "real", "embedded"/);
  });
});
