import type { ObjectStore } from '../apiserver/store.ts';
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
