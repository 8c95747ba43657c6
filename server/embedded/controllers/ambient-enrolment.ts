import type { ObjectStore } from '../apiserver/store.ts';
import type { KubeObject, StoreEvent } from '../apiserver/types.ts';
import { REDIRECTION_ANNOTATION, isAmbientEnrolled } from '../istio-api/ambient-labels.ts';
import { kindsOf } from './kinds.ts';
import { WorkQueue } from './work-queue.ts';

/**
 * What istio-cni shows through the API: it annotates each enrolled running pod with
 * `ambient.istio.io/redirection: enabled` once its traffic goes to ztunnel, and takes the annotation
 * off when the pod leaves ambient mode. Pods are never restarted for this. Without istio-cni
 * (no istio-cni-node DaemonSet) no pod is redirected.
 */

const CNI = { namespace: 'istio-system', name: 'istio-cni-node' };
const ENABLED = 'enabled';

export function startAmbientEnrolmentController(store: ObjectStore): { stop(): void } {
  const kinds = kindsOf(store);
  const queue = new WorkQueue('ambient-enrolment', (ns) => reconcileNamespace(store, ns));
  const allNamespaces = () => {
    for (const n of store.list(kinds.namespaces)) queue.add(n.metadata.name);
  };
  const unsubscribe = store.onEvent((e: StoreEvent) => {
    if (e.resource === kinds.pods && e.type !== 'DELETED' && e.object.metadata.namespace) queue.add(e.object.metadata.namespace);
    else if (e.resource === kinds.namespaces && e.type !== 'DELETED') queue.add(e.object.metadata.name);
    else if (e.resource === kinds.daemonsets && e.object.metadata.namespace === CNI.namespace && e.object.metadata.name === CNI.name) allNamespaces();
  });
  allNamespaces();
  return {
    stop() {
      unsubscribe();
      queue.stop();
    },
  };
}

/** Puts the annotation on the namespace's enrolled pods and takes it off the others. */
export function reconcileNamespace(store: ObjectStore, ns: string): void {
  const kinds = kindsOf(store);
  const namespace = store.get(kinds.namespaces, undefined, ns);
  const cni = Boolean(store.get(kinds.daemonsets, CNI.namespace, CNI.name));
  for (const pod of store.list(kinds.pods, ns)) {
    const wanted = cni && isAmbientEnrolled(pod, namespace);
    if (pod.metadata.annotations?.[REDIRECTION_ANNOTATION] === (wanted ? ENABLED : undefined)) continue;
    store.update(kinds.pods, withRedirection(pod, wanted));
  }
}

function withRedirection(pod: KubeObject, enabled: boolean): KubeObject {
  const annotations = { ...(pod.metadata.annotations ?? {}) };
  if (enabled) annotations[REDIRECTION_ANNOTATION] = ENABLED;
  else delete annotations[REDIRECTION_ANNOTATION];
  return { ...pod, metadata: { ...pod.metadata, annotations } };
}
