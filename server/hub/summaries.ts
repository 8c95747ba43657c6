import type { ObjectSummary, PodSummary, ResourceSummary } from '../protocol.ts';
import { podStatusReason } from '../cluster/pod-status.ts';

type Obj = { kind?: string; metadata?: any; spec?: any; status?: any; [k: string]: any };

const ISTIO_KINDS = new Set(['VirtualService', 'DestinationRule', 'Gateway', 'ServiceEntry', 'Sidecar', 'PeerAuthentication', 'AuthorizationPolicy', 'RequestAuthentication']);

/** What a table row needs of an object: small, and the same for every cluster. */
export function summarize(kind: string, obj: Obj): ResourceSummary {
  return kind === 'Pod' ? summarizePod(obj) : summarizeObject(kind, obj);
}

const iso = (t: unknown) => (t instanceof Date ? t.toISOString() : String(t ?? ''));

/** READY and STATUS the way `kubectl get pods` computes them. */
export function summarizePod(pod: Obj): PodSummary {
  const containers: any[] = pod.spec?.containers ?? [];
  const { reason, ready, total, restarts } = podStatusReason(pod);
  return {
    name: pod.metadata?.name,
    namespace: pod.metadata?.namespace,
    ready: `${ready}/${total}`,
    status: reason,
    restarts,
    creationTimestamp: iso(pod.metadata?.creationTimestamp),
    app: pod.metadata?.labels?.app,
    version: pod.metadata?.labels?.version,
    hasSidecar: containers.some((c) => c.name === 'istio-proxy'),
    resourceVersion: String(pod.metadata?.resourceVersion ?? ''),
  };
}

function summarizeObject(kind: string, obj: Obj): ObjectSummary {
  const summary: ObjectSummary = {
    kind,
    name: obj.metadata?.name,
    namespace: obj.metadata?.namespace,
    creationTimestamp: iso(obj.metadata?.creationTimestamp),
    resourceVersion: String(obj.metadata?.resourceVersion ?? ''),
    labels: obj.metadata?.labels,
  };
  if (ISTIO_KINDS.has(kind)) {
    const { managedFields, ...metadata } = obj.metadata ?? {};
    void managedFields;
    summary.object = { apiVersion: obj.apiVersion, kind, metadata: { ...metadata, creationTimestamp: summary.creationTimestamp }, spec: obj.spec };
  }
  if (kind === 'Deployment') {
    summary.columns = {
      READY: `${obj.status?.readyReplicas ?? 0}/${obj.spec?.replicas ?? 0}`,
      'UP-TO-DATE': String(obj.status?.updatedReplicas ?? 0),
      AVAILABLE: String(obj.status?.availableReplicas ?? 0),
    };
  }
  if (kind === 'Service') {
    const ports = (obj.spec?.ports ?? []).map((p: any) => `${p.port}${p.nodePort ? ':' + p.nodePort : ''}/${p.protocol ?? 'TCP'}`).join(',');
    const lb = obj.status?.loadBalancer?.ingress?.[0];
    summary.columns = {
      TYPE: obj.spec?.type ?? 'ClusterIP',
      'CLUSTER-IP': obj.spec?.clusterIP ?? '',
      'EXTERNAL-IP': lb?.ip ?? lb?.hostname ?? (obj.spec?.type === 'LoadBalancer' ? '<pending>' : '<none>'),
      'PORT(S)': ports,
    };
  }
  return summary;
}
