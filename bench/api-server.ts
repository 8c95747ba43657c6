import * as k8s from '@kubernetes/client-node';
import { ScaledClock } from '../server/clock.ts';
import { startEmbeddedCluster } from '../server/embedded/cluster.ts';
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
      ['list 1,000 pods (client-node), p50', ms(percentile(listTimes, 50))],
      ['one change fanned out to 100 watchers, slowest watcher p50', ms(percentile(fanout, 50))],
      ['server-side apply of a VirtualService, p50 / p99', `${ms(percentile(applyTimes, 50))} / ${ms(percentile(applyTimes, 99))}`],
    ];
  } finally {
    await cluster.stop();
  }
}
