import type { ObjectStore } from '../apiserver/store.ts';
import type { KubeObject } from '../apiserver/types.ts';
import { rfc3339 } from '../apiserver/object-meta.ts';
import { kindsOf, selectorMatches } from './kinds.ts';
import { isPodReady } from './pod-status.ts';

/** A Service port's target on one pod: a number, or a named containerPort looked up in the pod. */
function targetPortOn(pod: KubeObject, port: any): number | undefined {
  const t = port.targetPort ?? port.port;
  if (typeof t === 'number') return t;
  if (/^\d+$/.test(String(t))) return Number(t);
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === t) return p.containerPort;
  return undefined;
}

const address = (pod: KubeObject) => ({
  ip: pod.status.podIP,
  nodeName: pod.spec?.nodeName,
  targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
});

/** The subsets a Service's selector yields: Ready pods in addresses, the rest in notReadyAddresses. */
export function endpointSubsets(svc: KubeObject, pods: KubeObject[]): any[] {
  const selected = pods
    .filter((p) => p.status?.podIP && selectorMatches(svc.spec.selector, p.metadata.labels))
    .sort((a, b) => a.status.podIP.localeCompare(b.status.podIP, 'en', { numeric: true }));
  // Pods that resolve the ports alike share a subset, as the real controller groups them.
  const groups = new Map<string, { ports: any[]; addresses: any[]; notReadyAddresses: any[] }>();
  for (const pod of selected) {
    const ports = (svc.spec.ports ?? []).map((p: any) => ({ ...(p.name ? { name: p.name } : {}), port: targetPortOn(pod, p), protocol: p.protocol ?? 'TCP' }));
    if (ports.some((p: any) => p.port === undefined)) continue;
    const key = JSON.stringify(ports);
    const g = groups.get(key) ?? { ports, addresses: [], notReadyAddresses: [] };
    (isPodReady(pod) ? g.addresses : g.notReadyAddresses).push(address(pod));
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => ({
    ...(g.addresses.length ? { addresses: g.addresses } : {}),
    ...(g.notReadyAddresses.length ? { notReadyAddresses: g.notReadyAddresses } : {}),
    ports: g.ports,
  }));
}

/** Keeps the Endpoints object named after a selector Service in step with its pods. */
export function reconcileEndpoints(store: ObjectStore, nowMs: number, ns: string, name: string): void {
  const kinds = kindsOf(store);
  const svc = store.get(kinds.services, ns, name);
  const existing = store.get(kinds.endpoints, ns, name);
  if (!svc) {
    if (existing?.metadata.annotations?.['endpoints.kubernetes.io/managed-by'] !== 'external') {
      if (existing) store.delete(kinds.endpoints, ns, name);
    }
    return;
  }
  if (!svc.spec?.selector) return; // Endpoints of selector-less Services belong to the user.
  const subsets = endpointSubsets(svc, store.list(kinds.pods, ns));
  const labels = { ...(svc.metadata.labels ?? {}), 'endpoints.kubernetes.io/managed-by': 'endpoint-controller' };
  if (existing && JSON.stringify(existing.subsets ?? []) === JSON.stringify(subsets) && JSON.stringify(existing.metadata.labels ?? {}) === JSON.stringify(labels)) return;
  const body: KubeObject = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: {
      ...(existing ? structuredClone(existing.metadata) : { name, namespace: ns }),
      labels,
      annotations: { ...(existing?.metadata.annotations ?? {}), 'endpoints.kubernetes.io/last-change-trigger-time': rfc3339(nowMs) },
    },
    ...(subsets.length ? { subsets } : {}),
  };
  if (existing) store.update(kinds.endpoints, body);
  else store.create(kinds.endpoints, body);
}
