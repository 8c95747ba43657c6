import type { ObjectStore } from '../apiserver/store.ts';
import { NAMESPACE_FINALIZER } from '../apiserver/strategy.ts';
import { kindsOf } from './kinds.ts';

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

/**
 * The namespace controller's part in deleting a namespace (which the API only marks
 * Terminating): deletes every object in it. True once nothing is left, so the `kubernetes`
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

/** Removes the controller's finalizer from a Terminating namespace; the store then lets it go. */
export function finalizeNamespace(store: ObjectStore, ns: string): void {
  const type = kindsOf(store).namespaces;
  const namespace = store.get(type, undefined, ns);
  if (!namespace?.metadata.deletionTimestamp) return;
  if (store.registry.all.some((t) => t.namespaced && store.list(t, ns).length)) return;
  const next = structuredClone(namespace);
  next.spec = { ...(next.spec ?? {}), finalizers: (next.spec?.finalizers ?? []).filter((f: string) => f !== NAMESPACE_FINALIZER) };
  store.update(type, next);
}
