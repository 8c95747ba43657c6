import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { ScaledClock } from '../server/clock.ts';
import { startEmbeddedCluster } from '../server/embedded/cluster.ts';
import { ms, percentile } from './stats.ts';

const crd = (i: number) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `bench${i}s.bench.example.com` },
  spec: {
    group: 'bench.example.com',
    names: { plural: `bench${i}s`, kind: `Bench${i}` },
    scope: 'Namespaced',
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer', default: 1 } } } } } } }],
  },
});

function kubectl(env: NodeJS.ProcessEnv, args: string[]): Promise<number> {
  return new Promise((resolve) => execFile('kubectl', args, { env, timeout: 30_000 }, (err) => resolve(err ? 1 : 0)));
}

/** Registering a CRD: from the apply to the first successful `get` of its kind, in-process (client-node) and with the real kubectl. */
export async function benchCrd(): Promise<Array<[string, string]>> {
  const cluster = await startEmbeddedCluster({ clock: new ScaledClock(1) });
  const dir = mkdtempSync(join(tmpdir(), 'bench-crd-'));
  try {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(cluster.kubeconfig);
    const extensions = kc.makeApiClient(k8s.ApiextensionsV1Api);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const inProcess: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await extensions.createCustomResourceDefinition({ body: crd(i) as k8s.V1CustomResourceDefinition });
      for (;;) {
        try {
          await custom.listNamespacedCustomObject({ group: 'bench.example.com', version: 'v1', namespace: 'default', plural: `bench${i}s` });
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 1));
        }
      }
      inProcess.push(performance.now() - t);
    }

    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, cluster.kubeconfig);
    const env = { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(dir, 'cache'), HOME: dir };
    await kubectl(env, ['get', 'crd']);
    const withKubectl: number[] = [];
    for (let i = 100; i < 105; i++) {
      const file = join(dir, `crd-${i}.json`);
      writeFileSync(file, JSON.stringify(crd(i)));
      const t = performance.now();
      if (await kubectl(env, ['apply', '-f', file])) throw new Error('kubectl apply of a CRD failed');
      while (await kubectl(env, ['get', `bench${i}s`])) await new Promise((r) => setTimeout(r, 10));
      withKubectl.push(performance.now() - t);
    }
    return [
      ['CRD create → first list of its kind (client-node), p50 / max', `${ms(percentile(inProcess, 50))} / ${ms(Math.max(...inProcess))}`],
      ['kubectl apply CRD → first kubectl get of its kind works, p50', ms(percentile(withKubectl, 50))],
    ];
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
