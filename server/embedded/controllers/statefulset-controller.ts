import type { Clock } from '../../clock.ts';
import type { ObjectStore } from '../apiserver/store.ts';
import type { KubeObject, ResourceType } from '../apiserver/types.ts';
import { bindClaim } from './claim-binder.ts';
import { STATEFULSET_CONTROLLER, recordEvent } from './events.ts';
import { isOwnedBy, kindsOf } from './kinds.ts';
import { podTemplateHash } from './naming.ts';
import { isPodReady } from './pod-status.ts';
import { podFromTemplate, writeStatus } from './replicaset-controller.ts';

const REVISION_HASH = 'controller-revision-hash';
const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

/** The store's StatefulSet and PersistentVolumeClaim kinds (undefined in a store that does not serve them). */
export function statefulKinds(store: ObjectStore): { statefulsets: ResourceType; claims: ResourceType } | undefined {
  const statefulsets = store.registry.byPlural('apps', 'statefulsets');
  const claims = store.registry.byPlural('', 'persistentvolumeclaims');
  return statefulsets && claims ? { statefulsets, claims } : undefined;
}

/** The pods of a StatefulSet by ordinal (`<name>-<i>`), terminating ones included: a name is not reused until its pod is gone. */
function podsByOrdinal(store: ObjectStore, sts: KubeObject): Map<number, KubeObject> {
  const out = new Map<number, KubeObject>();
  const prefix = `${sts.metadata.name}-`;
  for (const p of store.list(kindsOf(store).pods, sts.metadata.namespace)) {
    if (!isOwnedBy(p, sts.metadata.uid) || !p.metadata.name.startsWith(prefix)) continue;
    const ordinal = Number(p.metadata.name.slice(prefix.length));
    if (Number.isInteger(ordinal) && ordinal >= 0) out.set(ordinal, p);
  }
  return out;
}

/** The claim a pod gets from one volumeClaimTemplate: `<template>-<statefulset>-<ordinal>`. */
function claimFor(sts: KubeObject, template: any, podName: string): KubeObject {
  const spec = structuredClone(template.spec ?? {});
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: `${template.metadata?.name}-${podName}`,
      namespace: sts.metadata.namespace,
      labels: { ...(sts.spec?.selector?.matchLabels ?? {}), ...(template.metadata?.labels ?? {}) },
    },
    spec: { volumeMode: 'Filesystem', ...spec },
  };
}

/** The pod for one ordinal: named `<sts>-<i>`, its hostname that name in the governing Service's subdomain, each claim template mounted as its own claim. */
function statefulPod(sts: KubeObject, ordinal: number, revision: string): KubeObject {
  const name = `${sts.metadata.name}-${ordinal}`;
  const labels = { [REVISION_HASH]: `${sts.metadata.name}-${revision}`, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal) };
  const pod = podFromTemplate(sts, 'StatefulSet', labels, (spec) => {
    spec.hostname = name;
    if (sts.spec?.serviceName) spec.subdomain = sts.spec.serviceName;
    const claimVolumes = (sts.spec?.volumeClaimTemplates ?? []).map((t: any) => ({ name: t.metadata?.name, persistentVolumeClaim: { claimName: `${t.metadata?.name}-${name}` } }));
    const named = new Set(claimVolumes.map((v: any) => v.name));
    spec.volumes = [...(spec.volumes ?? []).filter((v: any) => !named.has(v.name)), ...claimVolumes];
  });
  pod.metadata.name = name;
  return pod;
}

/**
 * One pass of the StatefulSet controller: pods `<name>-0` … `<name>-(n-1)`, created in order
 * (OrderedReady waits for each to be Ready before the next; Parallel does not), removed from
 * the highest ordinal down, replaced from the highest down on a template change (RollingUpdate),
 * each with its claims; then status.
 */
export function reconcileStatefulSet(store: ObjectStore, clock: Clock, ns: string, name: string): void {
  const types = statefulKinds(store);
  const sts = types && store.get(types.statefulsets, ns, name);
  if (!types || !sts || !sts.spec) return;
  const kinds = kindsOf(store);
  const want = sts.spec.replicas ?? 1;
  const ordered = (sts.spec.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady';
  const revision = podTemplateHash(sts.spec.template ?? {});
  const pods = podsByOrdinal(store, sts);
  const event = (reason: string, message: string, type?: 'Warning') => recordEvent(store, clock, sts, STATEFULSET_CONTROLLER, reason, message, type ? { type } : undefined);
  const remove = (pod: KubeObject) => {
    try {
      store.delete(kinds.pods, ns, pod.metadata.name);
      event('SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${name} successful`);
    } catch {
      /* deleted meanwhile */
    }
  };
  const healthy = (p: KubeObject | undefined) => !!p && !p.metadata.deletionTimestamp && isPodReady(p);

  for (let i = 0; i < want; i++) {
    const pod = pods.get(i);
    if (!pod) {
      for (const template of sts.spec.volumeClaimTemplates ?? []) {
        const claim = claimFor(sts, template, `${name}-${i}`);
        if (store.get(types.claims, ns, claim.metadata.name)) continue;
        try {
          store.create(types.claims, claim);
          bindClaim(store, types.claims, ns, claim.metadata.name);
          event('SuccessfulCreate', `create Claim ${claim.metadata.name} Pod ${name}-${i} in StatefulSet ${name} success`);
        } catch (err) {
          event('FailedCreate', `create Claim ${claim.metadata.name} for Pod ${name}-${i} in StatefulSet ${name} failed error: ${(err as Error).message}`, 'Warning');
        }
      }
      try {
        store.create(kinds.pods, statefulPod(sts, i, revision));
        event('SuccessfulCreate', `create Pod ${name}-${i} in StatefulSet ${name} successful`);
      } catch (err) {
        event('FailedCreate', `create Pod ${name}-${i} in StatefulSet ${name} failed error: ${(err as Error).message}`, 'Warning');
      }
      if (ordered) break;
      continue;
    }
    // OrderedReady: the next ordinal waits until this one is Running and Ready.
    if (ordered && !healthy(pod)) break;
  }

  // Scale down from the highest ordinal, one at a time when ordered; claims are kept, as the default retention policy does.
  const extra = [...pods.keys()].filter((i) => i >= want).sort((a, b) => b - a);
  for (const i of ordered ? extra.slice(0, 1) : extra) if (!pods.get(i)!.metadata.deletionTimestamp) remove(pods.get(i)!);

  // RollingUpdate: the highest old-revision pod goes once every other pod is Ready; OnDelete waits for the user.
  if ((sts.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && !extra.length) {
    const current = [...Array(want).keys()].map((i) => pods.get(i));
    const allHealthy = current.every(healthy);
    const stale = current.filter((p): p is KubeObject => !!p && p.metadata.labels?.[REVISION_HASH] !== `${name}-${revision}`).pop();
    if (stale && allHealthy) remove(stale);
  }
  writeStatefulSetStatus(store, types.statefulsets, store.get(types.statefulsets, ns, name)!, revision);
}

function writeStatefulSetStatus(store: ObjectStore, type: ResourceType, sts: KubeObject, revision: string): void {
  const pods = [...podsByOrdinal(store, sts).values()].filter((p) => !p.metadata.deletionTimestamp);
  const updateRevision = `${sts.metadata.name}-${revision}`;
  const ready = pods.filter(isPodReady).length;
  const updated = pods.filter((p) => p.metadata.labels?.[REVISION_HASH] === updateRevision).length;
  writeStatus(store, type, sts, {
    replicas: pods.length,
    readyReplicas: ready,
    currentReplicas: updated,
    updatedReplicas: updated,
    availableReplicas: ready,
    currentRevision: updateRevision,
    updateRevision,
    collisionCount: 0,
    observedGeneration: sts.metadata.generation ?? 1,
  });
}
