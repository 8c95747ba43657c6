import type { V1Pod } from '@kubernetes/client-node';
import type { Command } from '../command.ts';
import { hasProxy, imageTag, isRunning } from '../kube.ts';
import { ISTIO_VERSION } from '../../server/embedded/controllers/istio-system.ts';

/** `1.28.0 (8 proxies)`, one entry per version, most common first. */
export function dataPlaneVersions(pods: V1Pod[]): string {
  const counts = new Map<string, number>();
  for (const p of pods) {
    const proxy = p.spec!.containers.find((c) => c.name === 'istio-proxy');
    const v = imageTag(proxy?.image);
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([v, n]) => `${v} (${n} proxies)`).join(', ');
}

export const versionCommand: Command = {
  name: 'version',
  summary: 'Prints out build version information',
  usage: 'istioctl version [flags]',
  flags: [{ name: 'remote', bool: true }, { name: 'short', short: 's', bool: true }],
  flagHelp: ['      --remote   Use --remote=false to suppress control plane check (default true)'],
  async run(ctx) {
    const remote = ctx.args.flags.get('remote') !== false;
    if (!remote) {
      ctx.io.out(`client version: ${ISTIO_VERSION}\n`);
      return 0;
    }
    const kube = await ctx.kube();
    const ns = ctx.istioNamespace;
    const istiod = (await kube.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=istiod' })).items.filter(isRunning);
    if (!istiod.length) {
      ctx.io.out(`Istio is not present in the cluster: no running Istio pods in namespace "${ns}"\nclient version: ${ISTIO_VERSION}\n`);
      return 0;
    }
    const controlPlane = [...new Set(istiod.map((p) => imageTag(p.spec!.containers.find((c) => c.name === 'discovery')?.image ?? p.spec!.containers[0]?.image)))].join(', ');
    const proxies = (await kube.core.listPodForAllNamespaces()).items.filter((p) => isRunning(p) && hasProxy(p));
    ctx.io.out(`client version: ${ISTIO_VERSION}\ncontrol plane version: ${controlPlane}\n`);
    ctx.io.out(proxies.length ? `data plane version: ${dataPlaneVersions(proxies)}\n` : 'data plane version: none\n');
    return 0;
  },
};
