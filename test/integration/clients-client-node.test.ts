import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../server/clock.ts';
import { startEmbeddedCluster, type EmbeddedCluster } from '../../server/embedded/cluster.ts';
import { apply, manifest } from '../helpers/mesh-fixtures.ts';
import { execWithClientNode } from '../helpers/client-node-exec.ts';
import { until } from '../helpers/until.ts';

/** client-node as any user's program would use it, from the cluster's kubeconfig: list, watch, patch, exec, logs. */
describe('client-node on the embedded cluster', () => {
  let cluster: EmbeddedCluster;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  let curlPod: string;

  beforeAll(async () => {
    cluster = await startEmbeddedCluster({ clock: new ScaledClock(0.05) });
    kc = new k8s.KubeConfig();
    kc.loadFromString(cluster.kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    apply(cluster.store, [...manifest('bookinfo/namespace.yaml'), ...manifest('bookinfo/bookinfo.yaml'), ...manifest('curl/curl.yaml')]);
    curlPod = await until(async () => {
      const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=curl' });
      return pods.items.find((p) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'))?.metadata!.name;
    }, 'a Ready curl pod', 30_000);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('lists pods by label', async () => {
    const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=reviews' });
    expect(pods.items.map((p) => p.metadata!.labels!.version).sort()).toEqual(['v1', 'v2', 'v3']);
  });

  it('watches: a ConfigMap created during the watch arrives as ADDED, then MODIFIED on a patch', async () => {
    const seen: string[] = [];
    const ctl = await new k8s.Watch(kc).watch('/api/v1/namespaces/default/configmaps', {}, (type, obj) => seen.push(`${type} ${obj.metadata.name} ${obj.data?.step ?? ''}`.trim()), () => {});
    try {
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'node-probe' }, data: { step: 'one' } } });
      await core.patchNamespacedConfigMap({ namespace: 'default', name: 'node-probe', body: { data: { step: 'two' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await until(() => seen.includes('MODIFIED node-probe two'), `the patch's event among ${seen.join(', ')}`);
      expect(seen).toContain('ADDED node-probe one');
    } finally {
      ctl.abort();
    }
  });

  it('patches a Deployment (strategic merge) and reads the change back', async () => {
    await apps.patchNamespacedDeployment({ namespace: 'default', name: 'curl', body: { metadata: { labels: { 'patched-by': 'client-node' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch));
    const d = await apps.readNamespacedDeployment({ namespace: 'default', name: 'curl' });
    expect(d.metadata!.labels!['patched-by']).toBe('client-node');
  });

  it('execs a command in a container: its output, then its exit status', async () => {
    const run = (command: string[]) => execWithClientNode(kc, curlPod, 'curl', command);
    const ok = await run(['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', 'http://productpage:9080/productpage']);
    expect(ok.out).toBe('200');
    expect(ok.status?.status).toBe('Success');
    const failed = await run(['curl', '-sS', 'http://no-such-service:9080/']);
    expect(failed.err).toContain('Could not resolve host: no-such-service');
    expect(failed.status?.reason).toBe('NonZeroExitCode');
    expect(failed.status?.details?.causes?.[0].message).toBe('6');
  });

  it("reads a container's log (the call works; its lines come from the logs work)", async () => {
    const log = await core.readNamespacedPodLog({ namespace: 'default', name: curlPod, container: 'curl', tailLines: 10 });
    expect(typeof log).toBe('string');
    await expect(core.readNamespacedPodLog({ namespace: 'default', name: 'no-such-pod' })).rejects.toThrow(/404|not found/);
  });
});
