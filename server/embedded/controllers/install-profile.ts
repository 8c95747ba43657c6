import type { ObjectStore } from '../apiserver/store.ts';
import type { StoreEvent } from '../apiserver/types.ts';
import { createWorkload, ensureService } from './bootstrap.ts';
import { ISTIO_SERVICES, ISTIO_VERSION, ISTIO_WORKLOADS, readiness, type ServiceSpec, type WorkloadSpec } from './istio-system.ts';
import { kindsOf } from './kinds.ts';
import { WorkQueue } from './work-queue.ts';

import { INSTALL_REQUEST, PROFILES, type Component } from './install-request.ts';

export { INSTALL_REQUEST, PROFILES, type Component };

const proxyImage = `docker.io/istio/proxyv2:${ISTIO_VERSION}`;
const managed = (component: string) => ({ 'install.operator.istio.io/owning-resource': 'unknown', 'operator.istio.io/component': component, 'istio.io/rev': 'default' });
const byName = <T extends { name: string }>(list: T[], name: string) => list.find((x) => x.name === name)!;

const egressLabels = { app: 'istio-egressgateway', istio: 'egressgateway', ...managed('EgressGateways') };
const EGRESS: WorkloadSpec = {
  name: 'istio-egressgateway',
  namespace: 'istio-system',
  labels: { ...egressLabels, release: 'istio' },
  podLabels: { ...egressLabels, 'sidecar.istio.io/inject': 'false', 'service.istio.io/canonical-name': 'istio-egressgateway', 'service.istio.io/canonical-revision': 'latest' },
  serviceAccount: 'istio-egressgateway-service-account',
  containers: [{ name: 'istio-proxy', image: proxyImage, args: ['proxy', 'router', '--domain', '$(POD_NAMESPACE).svc.cluster.local'], ports: [{ containerPort: 8080, protocol: 'TCP' }, { containerPort: 8443, protocol: 'TCP' }, { containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' }] }],
};
const EGRESS_SERVICE: ServiceSpec = {
  name: 'istio-egressgateway',
  namespace: 'istio-system',
  labels: { ...egressLabels, release: 'istio' },
  selector: { app: 'istio-egressgateway', istio: 'egressgateway' },
  ports: [{ name: 'http2', port: 80, protocol: 'TCP', targetPort: 8080 }, { name: 'https', port: 443, protocol: 'TCP', targetPort: 8443 }],
};
// The node agents run as DaemonSets on Linux nodes, opted out of both sidecars and ambient themselves.
const LINUX = { 'kubernetes.io/os': 'linux' };
const CNI: WorkloadSpec = {
  name: 'istio-cni-node',
  namespace: 'istio-system',
  labels: { 'k8s-app': 'istio-cni-node', ...managed('Cni') },
  podLabels: { 'k8s-app': 'istio-cni-node', 'sidecar.istio.io/inject': 'false', 'istio.io/dataplane-mode': 'none' },
  serviceAccount: 'istio-cni',
  daemon: true,
  nodeSelector: LINUX,
  containers: [{ name: 'install-cni', image: `docker.io/istio/install-cni:${ISTIO_VERSION}`, args: ['--log_output_level=info'], ports: [{ containerPort: 15014, name: 'metrics', protocol: 'TCP' }], readinessProbe: readiness('/readyz', 8000) }],
};
const ZTUNNEL: WorkloadSpec = {
  name: 'ztunnel',
  namespace: 'istio-system',
  labels: { app: 'ztunnel', ...managed('Ztunnel') },
  podLabels: { app: 'ztunnel', 'sidecar.istio.io/inject': 'false', 'istio.io/dataplane-mode': 'none' },
  serviceAccount: 'ztunnel',
  daemon: true,
  nodeSelector: LINUX,
  containers: [{ name: 'istio-proxy', image: `docker.io/istio/ztunnel:${ISTIO_VERSION}`, args: ['proxy', 'ztunnel'], ports: [{ containerPort: 15020, name: 'ztunnel-stats', protocol: 'TCP' }], readinessProbe: readiness('/healthz/ready', 15021) }],
};

const COMPONENTS: Record<Component, { workload: WorkloadSpec; service?: ServiceSpec }> = {
  istiod: { workload: byName(ISTIO_WORKLOADS, 'istiod'), service: byName(ISTIO_SERVICES, 'istiod') },
  ingress: { workload: byName(ISTIO_WORKLOADS, 'istio-ingressgateway'), service: byName(ISTIO_SERVICES, 'istio-ingressgateway') },
  egress: { workload: EGRESS, service: EGRESS_SERVICE },
  cni: { workload: CNI },
  ztunnel: { workload: ZTUNNEL },
};

/** Adds the profile's components that are missing and removes the ones it does not have. */
export function reconcileProfile(store: ObjectStore, profile: string): void {
  const wanted = PROFILES[profile];
  if (!wanted) return;
  const kinds = kindsOf(store);
  if (wanted.length && !store.get(kinds.namespaces, undefined, 'istio-system')) {
    store.create(kinds.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } });
  }
  for (const [component, { workload, service }] of Object.entries(COMPONENTS) as Array<[Component, (typeof COMPONENTS)[Component]]>) {
    if (wanted.includes(component)) {
      createWorkload(store, workload);
      if (service) ensureService(store, service);
      continue;
    }
    const type = workload.daemon ? kinds.daemonsets : kinds.deployments;
    if (store.get(type, workload.namespace, workload.name)) store.delete(type, workload.namespace, workload.name);
    if (service && store.get(kinds.services, service.namespace, service.name)) store.delete(kinds.services, service.namespace, service.name);
  }
}

/** Watches the install request and reconciles istio-system to its profile; creates the request on start. */
export function startInstallController(store: ObjectStore): { stop(): void } {
  const kinds = kindsOf(store);
  if (!store.get(kinds.configmaps, INSTALL_REQUEST.namespace, INSTALL_REQUEST.name) && store.get(kinds.namespaces, undefined, INSTALL_REQUEST.namespace)) {
    const installed = store.get(kinds.deployments, 'istio-system', 'istiod') ? 'default' : 'none';
    store.create(kinds.configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { ...INSTALL_REQUEST, labels: { 'app.kubernetes.io/managed-by': 'istio-live-deck' } },
      data: { profile: installed },
    });
  }
  const queue = new WorkQueue('install-controller', () => {
    const request = store.get(kinds.configmaps, INSTALL_REQUEST.namespace, INSTALL_REQUEST.name);
    if (request?.data?.profile) reconcileProfile(store, String(request.data.profile));
  });
  const unsubscribe = store.onEvent((e: StoreEvent) => {
    if (e.resource === kinds.configmaps && e.type !== 'DELETED' && e.object.metadata.namespace === INSTALL_REQUEST.namespace && e.object.metadata.name === INSTALL_REQUEST.name) queue.add('profile');
  });
  return {
    stop() {
      unsubscribe();
      queue.stop();
    },
  };
}
