import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { parseDeckConfig } from '../../server/config.ts';
import { startEmbeddedCluster, type EmbeddedCluster } from '../../server/embedded/cluster.ts';
import { STATE_CONFIGMAP } from '../../server/hub/shared-state.ts';
import type { HealthState, PresenterPosition } from '../../server/protocol.ts';
import { ApiProxy } from '../helpers/api-proxy.ts';
import { until } from '../helpers/until.ts';
import { startTestDeck, TestSocket, wsUrl } from '../helpers/deck.ts';

const TOKEN = 'shared-presenter-token-0123456789';
const STATE_NS = 'deck-state-test';

const health = async (base: string): Promise<HealthState> => (await fetch(`${base}/api/health`)).json();

describe('two deck replicas on one cluster share the presenter and the scene through a ConfigMap', () => {
  let cluster: EmbeddedCluster;
  let dir: string;
  let kubeconfig: string;
  let core: k8s.CoreV1Api;
  const decks: Array<Awaited<ReturnType<typeof startTestDeck>>> = [];
  const replica = async () => {
    const deck = await startTestDeck({ kubeconfig, token: TOKEN, stateNamespace: STATE_NS });
    decks.push(deck);
    return deck;
  };

  beforeAll(async () => {
    cluster = await startEmbeddedCluster({ clock: new ScaledClock(0.01) });
    dir = mkdtempSync(join(tmpdir(), 'shared-state-'));
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, cluster.kubeconfig, { mode: 0o600 });
    const kc = new k8s.KubeConfig();
    kc.loadFromString(cluster.kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
  });
  afterAll(async () => {
    for (const d of decks) await d.stop();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the presenter on replica A moves to slide 5 and an audience on replica B follows; a restarted replica starts at the last slide', async () => {
    const [a, b] = [await replica(), await replica()];
    expect(a.mode).toBe('real');
    expect(a.token).toBe(TOKEN);
    // The namespace and ConfigMap did not exist: the first replica created them.
    await until(async () => (await health(a.base)).sharedState?.where === 'cluster' && (await health(b.base)).sharedState?.where === 'cluster', 'both replicas share state');

    const presenter = new TestSocket(wsUrl(a.base, `?token=${TOKEN}`));
    const audience = new TestSocket(wsUrl(b.base));
    await Promise.all([presenter.opened, audience.opened]);
    audience.send({ type: 'subscribe', topic: 'presenter' });
    await audience.waitFor((m) => m.type === 'snapshot' && m.topic === 'presenter');
    presenter.send({ type: 'presenter-position', position: { h: 5, v: 0, slideId: '05-what-is-a-mesh' } });
    const seen = await audience.waitFor((m) => m.type === 'change' && m.topic === 'presenter' && (m.data as PresenterPosition).h === 5, 10_000);
    expect((seen as any).data).toMatchObject({ h: 5, v: 0, slideId: '05-what-is-a-mesh' });

    const cm = await core.readNamespacedConfigMap({ name: STATE_CONFIGMAP, namespace: STATE_NS });
    expect(JSON.parse(cm.data!.presenter)).toMatchObject({ h: 5, v: 0 });

    // B's token is the same: a presenter on B drives the slides too. B stops right after
    // the flip (a rolling update), before its write would have gone out: it still lands.
    const presenterOnB = new TestSocket(wsUrl(b.base, `?token=${TOKEN}`));
    await presenterOnB.opened;
    expect(presenterOnB.messages[0]).toMatchObject({ type: 'hello', role: 'presenter' });
    presenterOnB.send({ type: 'subscribe', topic: 'presenter' });
    await presenterOnB.waitFor((m) => m.type === 'snapshot');
    presenterOnB.send({ type: 'presenter-position', position: { h: 6, v: 0 } });
    await presenterOnB.waitFor((m) => m.type === 'change' && (m.data as PresenterPosition).h === 6);
    presenterOnB.close();
    audience.close();
    await b.stop();
    decks.splice(decks.indexOf(b), 1);
    const restarted = await replica();
    const late = new TestSocket(wsUrl(restarted.base));
    await late.opened;
    late.send({ type: 'subscribe', topic: 'presenter' });
    await late.waitFor((m) => (m.type === 'snapshot' || m.type === 'change') && m.topic === 'presenter' && (m.data as PresenterPosition).h === 6, 10_000);
    late.close();
    presenter.close();
  });

  it('a presenter flipping fast writes the ConfigMap far less often than it flips, and the last slide wins everywhere', async () => {
    const [a, b] = decks;
    const kc = new k8s.KubeConfig();
    kc.loadFromString(cluster.kubeconfig);
    const writes: number[] = [];
    const watch = await new k8s.Watch(kc).watch(`/api/v1/namespaces/${STATE_NS}/configmaps`, { fieldSelector: `metadata.name=${STATE_CONFIGMAP}` }, (type, obj) => {
      if (type === 'MODIFIED') writes.push(JSON.parse(obj.data.presenter).h);
    }, () => {});
    const presenter = new TestSocket(wsUrl(a.base, `?token=${TOKEN}`));
    const audience = new TestSocket(wsUrl(b.base));
    await Promise.all([presenter.opened, audience.opened]);
    audience.send({ type: 'subscribe', topic: 'presenter' });
    presenter.send({ type: 'subscribe', topic: 'presenter' });
    await audience.waitFor((m) => m.type === 'snapshot');
    const flips = 40;
    for (let h = 10; h < 10 + flips; h++) presenter.send({ type: 'presenter-position', position: { h, v: 0 } });
    const last = 10 + flips - 1;
    // The presenter's own replica echoes every flip at once, without waiting for the cluster.
    await presenter.waitFor((m) => m.type === 'change' && (m.data as PresenterPosition).h === last);
    await audience.waitFor((m) => m.type === 'change' && (m.data as PresenterPosition).h === last, 10_000);
    await until(() => writes.at(-1) === last, 'the last flip written');
    expect(writes.length).toBeLessThan(flips / 2);
    expect((await core.readNamespacedConfigMap({ name: STATE_CONFIGMAP, namespace: STATE_NS })).data!.presenter).toContain(`"h":${last}`);
    watch.abort();
    presenter.close();
    audience.close();
  });

  it('the scene applied through replica A is the current scene on replica B', async () => {
    const [a, b] = decks;
    const applied = await fetch(`${a.base}/api/scene/all-v1`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(applied.status).toBe(200);
    expect(a.session.currentScene).toMatchObject({ name: 'all-v1' });
    const audience = new TestSocket(wsUrl(b.base));
    await audience.opened;
    audience.send({ type: 'subscribe', topic: 'health' });
    const h = (await audience.waitFor((m) => (m.type === 'snapshot' || m.type === 'change') && m.topic === 'health' && (m.data as HealthState).scene?.name === 'all-v1', 10_000)) as any;
    expect((h.data as HealthState).scene!.by).toMatch(/\S/);
    expect((await health(b.base)).scene).toMatchObject({ name: 'all-v1' });
    expect(b.session.currentScene).toEqual(a.session.currentScene);
    audience.close();
  });
});

describe('a replica that RBAC does not let keep state in the cluster', () => {
  it('still follows its own presenter, says in health why, and shares once allowed', async () => {
    const cluster = await startEmbeddedCluster({ clock: new ScaledClock(0.01) });
    const proxy = new ApiProxy(cluster.kubeconfig);
    await proxy.start();
    let forbid = true;
    proxy.refuse = (_method, path) =>
      forbid && path.includes('/configmaps') && path.includes(STATE_NS)
        ? { status: 403, message: `configmaps "${STATE_CONFIGMAP}" is forbidden: User "system:serviceaccount:x:deck" cannot get resource "configmaps" in API group "" in the namespace "${STATE_NS}"` }
        : undefined;
    const dir = mkdtempSync(join(tmpdir(), 'shared-state-rbac-'));
    writeFileSync(join(dir, 'kubeconfig'), proxy.kubeconfig, { mode: 0o600 });
    const deck = await startTestDeck({ kubeconfig: join(dir, 'kubeconfig'), token: TOKEN, stateNamespace: STATE_NS });
    try {
      const degraded = await until(async () => {
        const h = await health(deck.base);
        return h.sharedState?.message?.includes('not allowed') && h;
      }, 'health names the refusal');
      expect(degraded.sharedState).toMatchObject({ where: 'memory', configMap: `${STATE_NS}/${STATE_CONFIGMAP}` });
      expect(degraded.sharedState!.message).toMatch(/kept in this replica only.*not allowed.*403/);

      const presenter = new TestSocket(wsUrl(deck.base, `?token=${TOKEN}`));
      const audience = new TestSocket(wsUrl(deck.base));
      await Promise.all([presenter.opened, audience.opened]);
      audience.send({ type: 'subscribe', topic: 'presenter' });
      await audience.waitFor((m) => m.type === 'snapshot');
      presenter.send({ type: 'presenter-position', position: { h: 7, v: 1 } });
      await audience.waitFor((m) => m.type === 'change' && (m.data as PresenterPosition).h === 7);

      forbid = false;
      await until(async () => (await health(deck.base)).sharedState?.where === 'cluster', 'shared once allowed', 30_000);
      const kc = new k8s.KubeConfig();
      kc.loadFromString(cluster.kubeconfig);
      const cm = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedConfigMap({ name: STATE_CONFIGMAP, namespace: STATE_NS });
      expect(JSON.parse(cm.data!.presenter)).toMatchObject({ h: 7, v: 1 });
      presenter.close();
      audience.close();
    } finally {
      await deck.stop();
      await proxy.stop();
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the presenter token replicas share', () => {
  it('comes from --token-file or ISTIO_DECK_TOKEN, and a bad one is refused with the reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deck-token-'));
    try {
      const file = join(dir, 'token');
      writeFileSync(file, `${TOKEN}\n`);
      expect(parseDeckConfig(['--token-file', file], {}).token).toBe(TOKEN);
      expect(parseDeckConfig([], { ISTIO_DECK_TOKEN: TOKEN }).token).toBe(TOKEN);
      expect(parseDeckConfig([], {}).token).toBeUndefined();
      expect(() => parseDeckConfig(['--token-file', join(dir, 'missing')], {})).toThrow(/--token-file .*missing: cannot read it \(ENOENT\)/);
      writeFileSync(file, 'short');
      expect(() => parseDeckConfig(['--token-file', file], {})).toThrow(/at least 16 characters, got 5/);
      expect(() => parseDeckConfig([], { ISTIO_DECK_TOKEN: 'has a space in it, sadly' })).toThrow(/ISTIO_DECK_TOKEN: .*found " " at character 4/);
      expect(() => parseDeckConfig(['--state-namespace', 'Not_A_Namespace'], {})).toThrow(/--state-namespace must be a namespace name/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
