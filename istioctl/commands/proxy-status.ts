import type { Command } from '../command.ts';
import { hasProxy, imageTag, isRunning } from '../kube.ts';
import { table } from '../output.ts';

/**
 * `istioctl proxy-status`: every connected proxy and the xDS state istiod has for it. The
 * proxies are the running pods with an istio-proxy container; each is taken as acknowledging
 * what istiod last sent (the embedded control plane pushes synchronously).
 */
export const proxyStatusCommand: Command = {
  name: 'proxy-status',
  aliases: ['ps'],
  summary: 'Retrieves the synchronization status of each Envoy in the mesh',
  usage: 'istioctl proxy-status [<type>/]<name>[.<namespace>] [flags]',
  flags: [],
  async run(ctx, positional) {
    const kube = await ctx.kube();
    const istiod = (await kube.core.listNamespacedPod({ namespace: ctx.istioNamespace, labelSelector: 'app=istiod' })).items.filter(isRunning);
    if (!istiod.length) {
      ctx.io.err(`Error: unable to find any Istiod instances\n`);
      return 1;
    }
    const istiodName = istiod[0].metadata!.name!;
    const wanted = positional[0]?.replace(/^pods?\//, '');
    const proxies = (await kube.core.listPodForAllNamespaces()).items
      .filter((p) => isRunning(p) && hasProxy(p))
      .map((p) => ({ name: `${p.metadata!.name}.${p.metadata!.namespace}`, version: imageTag(p.spec!.containers.find((c) => c.name === 'istio-proxy')?.image) }))
      .filter((p) => !wanted || p.name === wanted || p.name.startsWith(`${wanted}.`))
      .sort((a, b) => a.name.localeCompare(b.name));
    const rows = proxies.map((p) => [p.name, 'Kubernetes', 'SYNCED', 'SYNCED', 'SYNCED', 'SYNCED', 'NOT SENT', istiodName, p.version]);
    ctx.io.out(table([['NAME', 'CLUSTER', 'CDS', 'LDS', 'EDS', 'RDS', 'ECDS', 'ISTIOD', 'VERSION'], ...rows], 5));
    return 0;
  },
};
