import type { Workload } from '../app-runtime/types.ts';
import type { KubeObject } from '../apiserver/types.ts';

/** A pod as the mesh sees it: identity, labels, readiness and whether it has a sidecar. */
export function workloadOf(pod: KubeObject): Workload {
  const labels = pod.metadata.labels ?? {};
  const owner = pod.metadata.ownerReferences?.find((o) => o.controller) ?? pod.metadata.ownerReferences?.[0];
  let workload = pod.metadata.name;
  if (owner?.kind === 'ReplicaSet') workload = owner.name.replace(/-[a-z0-9]+$/, '');
  else if (owner) workload = owner.name;
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  const conditions: any[] = pod.status?.conditions ?? [];
  return {
    pod: pod.metadata.name,
    namespace: pod.metadata.namespace ?? 'default',
    uid: pod.metadata.uid ?? pod.metadata.name,
    ip: pod.status?.podIP ?? '',
    labels,
    app: labels.app ?? labels['app.kubernetes.io/name'] ?? labels.istio ?? workload,
    version: labels.version ?? labels['app.kubernetes.io/version'] ?? 'latest',
    workload,
    serviceAccount: pod.spec?.serviceAccountName ?? pod.spec?.serviceAccount ?? 'default',
    hasSidecar: containers.some((c: any) => c.name === 'istio-proxy'),
    ready:
      pod.status?.phase === 'Running' &&
      !pod.metadata.deletionTimestamp &&
      conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
  };
}

/** Whether a label selector (matchLabels map) selects the workload. */
export function selects(selector: Record<string, string> | undefined, w: Workload): boolean {
  return !!selector && Object.entries(selector).every(([k, v]) => w.labels[k] === v);
}
