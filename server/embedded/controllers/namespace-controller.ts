import type { Clock } from '../../clock.ts';
import type { ObjectStore } from '../apiserver/store.ts';
import type { KubeObject } from '../apiserver/types.ts';
import { NAMESPACE_FINALIZER } from '../apiserver/strategy.ts';
import { kindsOf } from './kinds.ts';
import { WorkQueue } from './work-queue.ts';

/**
 * What a fresh namespace gets in a real cluster with Istio: the `default` ServiceAccount,
 * `kube-root-ca.crt`, and istiod's `istio-ca-root-cert`.
 */
export function populateNamespace(store: ObjectStore, ns: string): void {
  const kinds = kindsOf(store);
  const namespace = store.get(kinds.namespaces, undefined, ns);
  if (!namespace || namespace.metadata.deletionTimestamp) return;
  if (!store.get(kinds.serviceaccounts, ns, 'default')) {
    store.create(kinds.serviceaccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } });
  }
  if (!store.get(kinds.configmaps, ns, 'kube-root-ca.crt')) {
    store.create(kinds.configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kube-root-ca.crt', namespace: ns, annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } },
      data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\n(embedded cluster CA)\n-----END CERTIFICATE-----\n' },
    });
  }
  if (!store.get(kinds.configmaps, ns, 'istio-ca-root-cert')) {
    store.create(kinds.configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'istio-ca-root-cert', namespace: ns, labels: { 'istio.io/config': 'true' } },
      data: { 'root-cert.pem': '-----BEGIN CERTIFICATE-----\n(istiod self-signed root)\n-----END CERTIFICATE-----\n' },
    });
  }
}

/**
 * A real namespace controller lists every kind through discovery before it finalizes, which
 * takes a moment; one simulated second keeps Terminating visible, as `kubectl get ns` shows it.
 */
export const NAMESPACE_FINALIZE_DELAY_MS = 1_000;

/** Namespaces carry the finalizer of the controller that empties them when they are deleted. */
export function addNamespaceFinalizer(ns: KubeObject): void {
  ns.spec ??= {};
  ns.spec.finalizers ??= [NAMESPACE_FINALIZER];
}

/** Admission hooks installed once per store (the controller may start again after a stop). */
const hooked = new WeakSet<ObjectStore>();

/**
 * Namespace deletion: the API marks a deleted namespace Terminating (its strategy, while the
 * `kubernetes` finalizer is on it); this controller deletes what it holds, then removes the
 * finalizer, and the namespace is gone. Namespaces created while it runs get the finalizer.
 */
export function startNamespaceController(store: ObjectStore, clock: Clock): { stop(): void } {
  const kinds = kindsOf(store);
  if (!hooked.has(store)) {
    hooked.add(store);
    store.addAdmissionHook((op, type, obj) => {
      if (op === 'CREATE' && type === kinds.namespaces) addNamespaceFinalizer(obj);
    });
  }
  const timers = new Set<NodeJS.Timeout>();
  const queue = new WorkQueue('namespace-controller', (ns) => {
    if (!deleteNamespaceContent(store, ns)) return;
    const timer = clock.setTimeout(() => {
      timers.delete(timer);
      try {
        finalizeNamespace(store, ns);
      } catch (err) {
        console.error(`namespace-controller: finalizing ${ns} failed:`, err);
      }
    }, NAMESPACE_FINALIZE_DELAY_MS);
    timers.add(timer);
  });
  const unsubscribe = store.onEvent((e) => {
    if (e.resource === kinds.namespaces && e.type === 'MODIFIED' && e.object.metadata.deletionTimestamp) queue.add(e.object.metadata.name);
  });
  // Catch up with namespaces that began terminating while no controller ran.
  for (const ns of store.list(kinds.namespaces)) if (ns.metadata.deletionTimestamp) queue.add(ns.metadata.name);
  return {
    stop() {
      unsubscribe();
      queue.stop();
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

/**
 * Deletes every object in a Terminating namespace. True once nothing is left, so the
 * finalizer may go.
 */
export function deleteNamespaceContent(store: ObjectStore, ns: string): boolean {
  const namespace = store.get(kindsOf(store).namespaces, undefined, ns);
  if (!namespace?.metadata.deletionTimestamp) return false;
  let left = 0;
  for (const type of store.registry.all) {
    if (!type.namespaced) continue;
    for (const o of store.list(type, ns)) {
      try {
        store.delete(type, ns, o.metadata.name);
      } catch {
        left++;
      }
    }
  }
  return left === 0;
}

/** Removes the controller's finalizer from an emptied Terminating namespace; the store then lets it go. */
export function finalizeNamespace(store: ObjectStore, ns: string): void {
  const type = kindsOf(store).namespaces;
  const namespace = store.get(type, undefined, ns);
  if (!namespace?.metadata.deletionTimestamp) return;
  if (store.registry.all.some((t) => t.namespaced && store.list(t, ns).length)) return;
  const next = structuredClone(namespace);
  next.spec = { ...(next.spec ?? {}), finalizers: (next.spec?.finalizers ?? []).filter((f: string) => f !== NAMESPACE_FINALIZER) };
  store.finalize(type, next);
}
