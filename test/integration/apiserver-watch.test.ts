import * as k8s from '@kubernetes/client-node';
import { request } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { until as poll } from '../helpers/until.ts';
import { generateTlsMaterial } from '../../server/embedded/apiserver/tls.ts';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';

const servers: TestApiServer[] = [];
const cleanups: Array<() => void> = [];

afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  for (const s of servers.splice(0)) await s.stop();
});

async function setup(opts: Parameters<typeof startTestApiServer>[0] = {}) {
  const api = await startTestApiServer(opts);
  servers.push(api);
  const kc = new k8s.KubeConfig();
  kc.loadFromString(api.kubeconfigYaml);
  const pods = api.store.registry.mustGet('', 'pods');
  const podType = pods;
  const mkPod = (name: string, labels: Record<string, string> = {}) =>
    api.store.create(podType, { metadata: { name, namespace: 'default', labels }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  return { api, kc, core: kc.makeApiClient(k8s.CoreV1Api), pods, mkPod };
}

const until = (cond: () => boolean, timeoutMs = 10_000) => poll(cond, 'condition not met in time', timeoutMs, 10);

/** Streams a raw watch, collecting the bytes. */
function rawWatch(api: TestApiServer, path: string) {
  const chunks: string[] = [];
  let ended = false;
  const req = request(new URL(path, api.server.url), { ca: generateTlsMaterial().caPem, headers: { Authorization: `Bearer ${api.token}` } }, (res) => {
    res.on('data', (d) => chunks.push(String(d)));
    res.on('end', () => (ended = true));
    res.on('close', () => (ended = true));
  });
  req.on('error', () => (ended = true));
  req.end();
  cleanups.push(() => req.destroy());
  return { text: () => chunks.join(''), ended: () => ended };
}

describe('watch', () => {
  it('replays events after a resourceVersion, filtered by label selector', async () => {
    const { api, kc, mkPod } = await setup();
    const from = api.store.resourceVersion;
    mkPod('w1', { app: 'w' });
    mkPod('other', { app: 'x' });
    mkPod('w2', { app: 'w' });
    const seen: string[] = [];
    const watch = new k8s.Watch(kc);
    const ctl = await watch.watch('/api/v1/namespaces/default/pods', { resourceVersion: String(from), labelSelector: 'app=w' }, (type, obj) => seen.push(`${type} ${obj.metadata.name}`), () => {});
    cleanups.push(() => ctl.abort());
    await until(() => seen.length === 2);
    api.store.delete(api.store.registry.mustGet('', 'pods'), 'default', 'w1');
    await until(() => seen.length === 3);
    expect(seen).toEqual(['ADDED w1', 'ADDED w2', 'DELETED w1']);
  });

  it('reports an object leaving or entering a label selector as DELETED or ADDED', async () => {
    const { api, kc, pods, mkPod } = await setup();
    mkPod('mover', { app: 'w' });
    const seen: string[] = [];
    const ctl = await new k8s.Watch(kc).watch('/api/v1/namespaces/default/pods', { labelSelector: 'app=w' }, (type, obj) => seen.push(`${type} ${obj.metadata.labels?.app}`), () => {});
    cleanups.push(() => ctl.abort());
    await until(() => seen.length === 1);
    const relabel = (app: string) => {
      const p = structuredClone(api.store.get(pods, 'default', 'mover')!);
      p.metadata.labels = { app };
      api.store.update(pods, p);
    };
    relabel('x');
    relabel('y');
    relabel('w');
    await until(() => seen.length === 3);
    expect(seen).toEqual(['ADDED w', 'DELETED x', 'ADDED w']);
  });

  it('rewrites apiVersion in watch events to the version being watched', async () => {
    const { api, kc } = await setup();
    const seen: any[] = [];
    const ctl = await new k8s.Watch(kc).watch('/apis/networking.istio.io/v1alpha3/namespaces/default/destinationrules', {}, (type, obj) => seen.push([type, obj.apiVersion]), () => {});
    cleanups.push(() => ctl.abort());
    await new Promise((r) => setTimeout(r, 50));
    api.store.create(api.store.registry.mustGet('networking.istio.io', 'destinationrules'), { metadata: { name: 'dr', namespace: 'default' }, spec: { host: 'reviews' } });
    await until(() => seen.length === 1);
    expect(seen).toEqual([['ADDED', 'networking.istio.io/v1alpha3']]);
  });

  it('fans one change out to every open watch', async () => {
    const { api, kc, mkPod } = await setup();
    const from = String(api.store.resourceVersion);
    const got: string[][] = Array.from({ length: 20 }, () => []);
    for (let i = 0; i < got.length; i++) {
      const ctl = await new k8s.Watch(kc).watch('/api/v1/namespaces/default/pods', { resourceVersion: from }, (type, obj) => got[i].push(`${type} ${obj.metadata.name}`), () => {});
      cleanups.push(() => ctl.abort());
    }
    mkPod('fan');
    await until(() => got.every((g) => g.length === 1));
    expect(new Set(got.map((g) => g[0]))).toEqual(new Set(['ADDED fan']));
  });

  it('starts with ADDED for every object at resourceVersion 0, and sends bookmarks when allowed', async () => {
    const { api, kc, mkPod } = await setup({ heartbeatMs: 30 });
    mkPod('p1');
    mkPod('p2');
    const seen: Array<[string, any]> = [];
    const ctl = await new k8s.Watch(kc).watch('/api/v1/namespaces/default/pods', { resourceVersion: '0', allowWatchBookmarks: true }, (type, obj) => seen.push([type, obj]), () => {});
    cleanups.push(() => ctl.abort());
    await until(() => seen.some(([t]) => t === 'BOOKMARK'));
    expect(seen.filter(([t]) => t === 'ADDED').map(([, o]) => o.metadata.name).sort()).toEqual(['p1', 'p2']);
    expect(seen.find(([t]) => t === 'BOOKMARK')![1].metadata.resourceVersion).toBe(String(api.store.resourceVersion));
  });

  it('keeps an idle watch alive with "\\n" heartbeats and closes it after timeoutSeconds', async () => {
    const { api } = await setup({ heartbeatMs: 30 });
    const w = rawWatch(api, `/api/v1/namespaces/default/pods?watch=true&resourceVersion=${api.store.resourceVersion}&timeoutSeconds=1`);
    await until(() => w.text().length >= 3);
    expect(w.text()).toMatch(/^\n+$/);
    await until(() => w.ended(), 3000);
  });

  it('answers an expired resourceVersion with a 410 ERROR event and closes the stream', async () => {
    const { api, mkPod } = await setup({ eventBufferSize: 3 });
    const old = api.store.resourceVersion;
    for (let i = 0; i < 5; i++) mkPod(`e${i}`);
    const w = rawWatch(api, `/api/v1/namespaces/default/pods?watch=true&resourceVersion=${old}`);
    await until(() => w.ended());
    const event = JSON.parse(w.text().trim());
    expect(event).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
    expect(event.object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
  });

  it('lets an informer re-list after 410 and resume after a restart, losing no update', async () => {
    const { api, kc, core, pods, mkPod } = await setup({ eventBufferSize: 50 });
    mkPod('keep');
    mkPod('gone');
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/pods', () => core.listNamespacedPod({ namespace: 'default' }));
    const log: string[] = [];
    let stopping = false;
    informer.on('add', (o) => log.push(`add ${o.metadata!.name}`));
    informer.on('update', (o) => log.push(`update ${o.metadata!.name} ${o.metadata!.labels?.v ?? ''}`));
    informer.on('delete', (o) => log.push(`delete ${o.metadata!.name}`));
    // client-node stops an informer on a connection error; the application restarts it.
    informer.on('error', () => {
      if (!stopping) setTimeout(() => informer.start().catch(() => {}), 50);
    });
    cleanups.push(() => {
      stopping = true;
      informer.stop();
    });
    await informer.start();
    await until(() => log.includes('add keep') && log.includes('add gone'));

    // Down, then changes while nobody can watch: the informer must see every one after the restart.
    await api.restart({
      beforeStart: () => {
        mkPod('new-while-down');
        const keep = structuredClone(api.store.get(pods, 'default', 'keep')!);
        keep.metadata.labels = { v: '2' };
        api.store.update(pods, keep);
        api.store.delete(pods, 'default', 'gone');
      },
    });
    await until(() => log.includes('add new-while-down') && log.includes('update keep 2') && log.includes('delete gone'));
    expect(informer.list('default').map((p) => p.metadata!.name).sort()).toEqual(['keep', 'new-while-down']);

    // Now so many changes while down that the buffer no longer reaches back: 410, then a re-list.
    await api.restart({
      beforeStart: () => {
        for (let i = 0; i < 60; i++) mkPod(`burst-${i}`);
        for (let i = 0; i < 60; i++) api.store.delete(pods, 'default', `burst-${i}`);
        api.store.delete(pods, 'default', 'new-while-down');
        mkPod('after-410');
      },
    });
    await until(() => log.includes('add after-410') && log.includes('delete new-while-down'));
    expect(informer.list('default').map((p) => p.metadata!.name).sort()).toEqual(['after-410', 'keep']);
  });
});

describe('the watch cache window', () => {
  it('keeps 75 s of events: a watch from before that gets 410 and relists, one from inside it resumes', async () => {
    let nowMs = Date.parse('2026-01-01T00:00:00Z');
    const clock = { scale: 1, now: () => nowMs, sleep: async () => {}, setTimeout, setInterval, toRealMs: (ms: number) => ms } as unknown as import('../../server/clock.ts').Clock;
    const { api, mkPod } = await setup({ clock });
    for (let i = 0; i < 150; i++) mkPod(`old${i}`);
    const beforeWindow = api.store.resourceVersion;
    nowMs += 80_000;
    for (let i = 0; i < 70; i++) mkPod(`new${i}`);
    const insideWindow = api.store.resourceVersion - 10;
    // The events from 80 s ago went (past the floor of 100 kept); a watch from there must relist.
    expect(api.store.eventsSince(beforeWindow - 100)).toBe('expired');
    const resumed = api.store.eventsSince(insideWindow);
    expect(resumed === 'expired' ? resumed : resumed.map((e) => e.object.metadata.name)).toEqual(['new60', 'new61', 'new62', 'new63', 'new64', 'new65', 'new66', 'new67', 'new68', 'new69']);
    const w = rawWatch(api, `/api/v1/namespaces/default/pods?watch=true&resourceVersion=${beforeWindow - 100}`);
    await until(() => w.ended());
    expect(JSON.parse(w.text().trim())).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
  });
});
