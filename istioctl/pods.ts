import type { V1Pod } from '@kubernetes/client-node';
import { CommandError } from './command.ts';
import type { CommandContext } from './context.ts';
import { hasProxy, statusOf } from './kube.ts';

/**
 * A pod named as istioctl takes it: `name`, `name.namespace`, or `deployment/name` (its first
 * running pod), in `-n`'s namespace by default.
 */
export async function resolvePod(ctx: CommandContext, ref: string): Promise<V1Pod> {
  const kube = await ctx.kube();
  let namespace = (await ctx.namespace());
  let name = ref;
  const typed = /^(deployment|deploy|deployments)\/(.+)$/.exec(ref);
  if (typed) {
    const [depName, depNs] = typed[2].split('.');
    if (depNs) namespace = depNs;
    const dep = await kube.apps.readNamespacedDeployment({ name: depName, namespace }).catch((err) => {
      throw new CommandError(statusOf(err) === 404 ? `deployments.apps "${depName}" not found` : String(err));
    });
    const selector = Object.entries(dep.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
    const pods = (await kube.core.listNamespacedPod({ namespace, labelSelector: selector })).items.filter((p) => p.status?.phase === 'Running');
    if (!pods.length) throw new CommandError(`no running pods for deployment ${depName} in namespace ${namespace}`);
    return pods[0];
  }
  if (name.includes('.')) [name, namespace] = [name.slice(0, name.indexOf('.')), name.slice(name.indexOf('.') + 1)];
  try {
    return await kube.core.readNamespacedPod({ name, namespace });
  } catch (err) {
    if (statusOf(err) === 404) throw new CommandError(`pods "${name}" not found`);
    throw err;
  }
}

/** Runs `pilot-agent request GET <path>` in the pod's istio-proxy container, as istioctl reads Envoy's admin API. */
export async function envoyAdmin(ctx: CommandContext, pod: V1Pod, path: string): Promise<string> {
  const name = pod.metadata!.name!;
  const namespace = pod.metadata!.namespace!;
  if (!hasProxy(pod)) throw new CommandError(`pod ${name}.${namespace} has no istio-proxy container: it is not in the mesh`);
  const r = await (await ctx.kube()).exec(namespace, name, 'istio-proxy', ['pilot-agent', 'request', 'GET', path]);
  if (r.code !== 0) throw new CommandError(`failed to execute command on ${name}.${namespace} sidecar: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}
