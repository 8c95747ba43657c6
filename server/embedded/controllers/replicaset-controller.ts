import type { Clock } from '../../clock.ts';
import type { ObjectStore } from '../apiserver/store.ts';
import type { KubeObject, ResourceType } from '../apiserver/types.ts';
import { applyPodDefaults } from './defaults.ts';
import { REPLICASET_CONTROLLER, recordEvent } from './events.ts';
import { type Kinds, isOwnedBy, kindsOf } from './kinds.ts';
import { randomSuffix, rfc3339 } from '../apiserver/object-meta.ts';
import { isPodReady } from './pod-status.ts';

export function podsOf(store: ObjectStore, kinds: Kinds, rs: KubeObject): KubeObject[] {
  return store.list(kinds.pods, rs.metadata.namespace).filter((p) => isOwnedBy(p, rs.metadata.uid));
}

/** A pod stamped from the ReplicaSet's template, named `<rs>-<5 chars>`. */
/**
 * A new pod from a controller's pod template, owned by it and named `<owner>-<5 chars>`, with
 * the apiserver's defaults; `shape` changes its spec first (a DaemonSet pins it to a node).
 */
export function podFromTemplate(
  owner: KubeObject,
  ownerKind: 'ReplicaSet' | 'DaemonSet' | 'StatefulSet' = 'ReplicaSet',
  extraLabels: Record<string, string> = {},
  shape?: (spec: any) => void,
): KubeObject {
  const template = structuredClone(owner.spec?.template ?? {});
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(template.metadata ?? {}),
      name: `${owner.metadata.name}-${randomSuffix()}`,
      namespace: owner.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}), ...extraLabels },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: ownerKind, name: owner.metadata.name, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec: template.spec ?? { containers: [] },
  };
  delete pod.metadata.creationTimestamp;
  shape?.(pod.spec);
  applyPodDefaults(pod);
  return pod;
}

/** Unready pods go first, then the youngest, as the ReplicaSet controller ranks them. */
function deletionOrder(a: KubeObject, b: KubeObject): number {
  const ra = isPodReady(a) ? 1 : 0;
  const rb = isPodReady(b) ? 1 : 0;
  if (ra !== rb) return ra - rb;
  return String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp));
}

/** The ReplicaSet controller's burstReplicas: no sync creates or deletes more pods than this. */
export const BURST_REPLICAS = 500;

/**
 * Pods this sync creates: as many as exist already (at least 1), at most BURST_REPLICAS.
 * Each sync's pods bring the next sync, so batches grow 1, 1, 2, 4, 8, … like the
 * controller's slow start, and other requests run between them.
 */
export function nextBatch(existing: number, missing: number): number {
  return Math.min(missing, BURST_REPLICAS, Math.max(1, existing));
}

/** Brings one ReplicaSet's pods a batch nearer to spec.replicas and writes its status. */
export function reconcileReplicaSet(store: ObjectStore, clock: Clock, ns: string, name: string): void {
  const kinds = kindsOf(store);
  const rs = store.get(kinds.replicasets, ns, name);
  if (!rs) return;
  const want = rs.spec?.replicas ?? 1;
  let pods = podsOf(store, kinds, rs);
  let failure: string | undefined;
  if (pods.length < want) {
    for (let i = nextBatch(pods.length, want - pods.length); i > 0; i--) {
      try {
        const created = store.create(kinds.pods, podFromTemplate(rs));
        recordEvent(store, clock, rs, REPLICASET_CONTROLLER, 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
      } catch (err) {
        // A refusal (the pod quota) ends this sync's batch, as slow start stops at the first error.
        failure = `Error creating: ${(err as Error).message}`;
        break;
      }
    }
  } else if (pods.length > want) {
    for (const pod of [...pods].sort(deletionOrder).slice(0, Math.min(pods.length - want, BURST_REPLICAS))) {
      store.delete(kinds.pods, ns, pod.metadata.name);
      recordEvent(store, clock, rs, REPLICASET_CONTROLLER, 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
    }
  }
  pods = podsOf(store, kinds, rs);
  const ready = pods.filter(isPodReady).length;
  const before = (rs.status?.conditions ?? []).find((c: any) => c.type === 'ReplicaFailure');
  // Told once per failure (the condition), not on every sync a pod change brings.
  if (failure && before?.message !== failure) recordEvent(store, clock, rs, REPLICASET_CONTROLLER, 'FailedCreate', failure, { type: 'Warning' });
  const status = {
    replicas: pods.length,
    fullyLabeledReplicas: pods.length,
    readyReplicas: ready,
    availableReplicas: ready,
    observedGeneration: rs.metadata.generation ?? 1,
    ...(failure
      ? { conditions: [{ type: 'ReplicaFailure', status: 'True', lastTransitionTime: before?.lastTransitionTime ?? rfc3339(clock.now()), reason: 'FailedCreate', message: failure }] }
      : {}),
  };
  writeStatus(store, kinds.replicasets, rs, status);
}

/** Writes `status` when it differs; status-only writes leave generation alone. */
export function writeStatus(store: ObjectStore, type: ResourceType, obj: KubeObject, status: any): void {
  if (JSON.stringify(obj.status ?? {}) === JSON.stringify(status)) return;
  const next = structuredClone(obj) as KubeObject;
  next.status = status;
  store.updateStatus(type, next);
}
