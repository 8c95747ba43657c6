import type { ObjectSummary, PodSummary, ResourceSummary } from '../protocol.ts';
import { podStatusReason } from '../cluster/pod-status.ts';
import { findKind } from '../kinds.ts';

type Obj = { kind?: string; metadata?: any; spec?: any; status?: any; [k: string]: any };

/** What a table row needs of an object: small, and the same for every cluster. `kind` is the kind's id. */
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
    // ztunnel's own pod names its container istio-proxy too, but it is the node's proxy, not a sidecar.
    hasSidecar: containers.some((c) => c.name === 'istio-proxy' && !/\/ztunnel:/.test(String(c.image ?? ''))),
    ...(pod.metadata?.annotations?.['ambient.istio.io/redirection'] === 'enabled' ? { ambient: true } : {}),
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
  const info = findKind(kind);
  const stream = info?.streamed;
  if (info && stream?.withObject) {
    const { managedFields, ...metadata } = obj.metadata ?? {};
    void managedFields;
    summary.object = { apiVersion: obj.apiVersion, kind: info.kind, metadata: { ...metadata, creationTimestamp: summary.creationTimestamp }, spec: obj.spec };
  }
  if (stream?.columns) summary.columns = stream.columns(obj);
  return summary;
}
