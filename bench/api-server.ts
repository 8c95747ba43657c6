import { request } from 'node:https';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as k8s from '@kubernetes/client-node';
import { ScaledClock } from '../server/clock.ts';
import { DEFAULT_POD_QUOTA } from '../server/embedded/apiserver/store.ts';
import { startEmbeddedCluster, type EmbeddedCluster } from '../server/embedded/cluster.ts';
import { ms, percentile } from './stats.ts';

/** List of 1,000 pods; one change fanned out to 100 watchers; apply latency. */
export async function benchApiServer(): Promise<Array<[string, string]>> {
  const cluster = await startEmbeddedCluster({ clock: new ScaledClock(1) });
  try {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(cluster.kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const store = cluster.store;
    const pods = store.registry.mustGet('', 'pods');
    store.create(store.registry.mustGet('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    for (let i = 0; i < 1000; i++) {
      store.create(pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${i}`, namespace: 'bench', labels: { app: 'bench' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    }
    const listTimes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      const list = await core.listNamespacedPod({ namespace: 'bench' });
      listTimes.push(performance.now() - t);
      if (list.items.length !== 1000) throw new Error(`listed ${list.items.length} pods`);
    }

    const watch = new k8s.Watch(kc);
    const received: number[] = [];
    let sentAt = 0;
    let expected = 0;
    let done!: () => void;
    const aborts: AbortController[] = [];
    for (let i = 0; i < 100; i++) {
      aborts.push(await watch.watch('/api/v1/namespaces/bench/pods', { resourceVersion: String(store.resourceVersion) }, (type) => {
        if (type !== 'ADDED') return;
        received.push(performance.now() - sentAt);
        if (received.length === expected) done();
      }, () => {}));
    }
    await new Promise((r) => setTimeout(r, 300));
    const fanout: number[] = [];
    for (let round = 0; round < 5; round++) {
      received.length = 0;
      expected = 100;
      const all = new Promise<void>((r) => (done = r));
      sentAt = performance.now();
      store.create(pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: `fan-${round}`, namespace: 'bench' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
      await all;
      fanout.push(Math.max(...received));
    }
    for (const a of aborts) a.abort();

    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    const applyTimes: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      await objects.patch({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'reviews', namespace: 'default' }, spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' }, weight: 100 - (i % 50) }, { destination: { host: 'reviews', subset: 'v3' }, weight: i % 50 }] }] } } as any, undefined, undefined, 'bench', true, k8s.PatchStrategy.ServerSideApply);
      applyTimes.push(performance.now() - t);
    }
    return [
      ...(await benchHostileRequests(cluster, kc)),
      ['list 1,000 pods (client-node), p50', ms(percentile(listTimes, 50))],
      ['one change fanned out to 100 watchers, slowest watcher p50', ms(percentile(fanout, 50))],
      ['server-side apply of a VirtualService, p50 / p99', `${ms(percentile(applyTimes, 50))} / ${ms(percentile(applyTimes, 99))}`],
    ];
  } finally {
    await cluster.stop();
  }
}

/** One request to the embedded API as raw bytes; resolves with the status code. */
function send(cluster: EmbeddedCluster, token: string, method: string, path: string, body: string, contentType: string): Promise<number> {
  const url = new URL(cluster.apiServerUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, method, rejectUnauthorized: false, headers: { authorization: `Bearer ${token}`, 'content-type': contentType, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The worst event-loop delay while each of issue 11's stalling requests runs against the embedded API. */
async function benchHostileRequests(cluster: EmbeddedCluster, kc: k8s.KubeConfig): Promise<Array<[string, string]>> {
  const token = kc.getCurrentUser()!.token!;
  const worstDelay = async (work: () => Promise<unknown>) => {
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    await work();
    delay.disable();
    // No sample means the work ended within one resolution step.
    return delay.max ? `${(delay.max / 1e6).toFixed(0)} ms` : 'under 5 ms';
  };
  const data: Record<string, string> = {};
  for (let i = 0; i < 20_000; i++) data[`key${i}`] = `value${i}`;
  const configMap = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data });
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'envs', namespace: 'bench' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
  cluster.store.create(cluster.store.registry.mustGet('', 'pods'), pod);
  const env = Array.from({ length: 25_000 }, (_, i) => ({ name: `E${i}`, value: `v${i}` }));
  const doubling: unknown[] = [{ op: 'add', path: '/metadata/annotations', value: { a: 'x'.repeat(100) } }];
  for (let i = 0; i < 18; i++) doubling.push({ op: 'copy', from: '/metadata/annotations', path: `/metadata/annotations/c${i}` });
  const deep = '{"a":'.repeat(3000) + '1' + '}'.repeat(3000);
  const labels = { app: 'many' };
  const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'many' }, spec: { replicas: 10_000, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } } };
  const pods = cluster.store.registry.mustGet('', 'pods');
  const rows: Array<[string, string]> = [
    ['worst event-loop delay: dry-run apply of a 20,000-key ConfigMap', await worstDelay(() => send(cluster, token, 'PATCH', '/api/v1/namespaces/bench/configmaps/big?fieldManager=bench&dryRun=All', configMap, 'application/apply-patch+yaml'))],
    ['worst event-loop delay: strategic merge patch of 25,000 env items (dry run)', await worstDelay(() => send(cluster, token, 'PATCH', '/api/v1/namespaces/bench/pods/envs?dryRun=All', JSON.stringify({ spec: { containers: [{ name: 'c', env }] } }), 'application/strategic-merge-patch+json'))],
    ['worst event-loop delay: 18 JSON-patch copies doubling an object (refused)', await worstDelay(() => send(cluster, token, 'PATCH', '/api/v1/namespaces/bench/pods/envs', JSON.stringify(doubling), 'application/json-patch+json'))],
    ['worst event-loop delay: 3,000-deep JSON body (refused)', await worstDelay(() => send(cluster, token, 'POST', '/api/v1/namespaces/bench/configmaps', deep, 'application/json'))],
    [
      'worst event-loop delay: Deployment with replicas 10,000 until the pod quota is full',
      await worstDelay(async () => {
        await send(cluster, token, 'POST', '/apis/apps/v1/namespaces/bench/deployments', JSON.stringify(deployment), 'application/json');
        const started = Date.now();
        while (Date.now() - started < 60_000 && cluster.store.list(pods).length < DEFAULT_POD_QUOTA.limit) await new Promise((r) => setTimeout(r, 20));
      }),
    ],
  ];
  await send(cluster, token, 'DELETE', '/apis/apps/v1/namespaces/bench/deployments/many', '', 'application/json');
  await send(cluster, token, 'DELETE', '/api/v1/namespaces/bench/pods?labelSelector=app%3Dmany', '', 'application/json');
  return rows;
}
