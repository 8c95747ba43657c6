import type { Clock } from '../../clock.ts';
import { gatewayApiCrds } from '../apiserver/crd/gateway-api-bundle.ts';
import { CRD_GROUP, type CustomResourceDefinition } from '../apiserver/crd/definition.ts';
import { ISTIO_CRDS } from '../apiserver/registry.ts';
import type { ObjectStore } from '../apiserver/store.ts';
import type { KubeObject } from '../apiserver/types.ts';
import { NODE, allocatePodIp, bindToNode } from './addresses.ts';
import { applyDaemonSetDefaults, applyDeploymentDefaults, applyNamespaceDefaults, applyServiceDefaults } from './defaults.ts';
import { reconcileDeployment, replicaSetsOf } from './deployment-controller.ts';
import { reconcileEndpoints } from './endpoints-controller.ts';
import { kindsOf } from './kinds.ts';
import { ISTIO_MESH_CONFIGMAP, ISTIO_SERVICES, ISTIO_WORKLOADS, KUBE_SYSTEM_SERVICES, KUBE_SYSTEM_WORKLOADS, type ServiceSpec, type WorkloadSpec } from './istio-system.ts';
import { populateNamespace } from './namespace-controller.ts';
import { podsOf, reconcileReplicaSet } from './replicaset-controller.ts';
import { podStatusAt } from './pod-status.ts';
import { reconcileCrd } from './crd-controller.ts';

const KUBE_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export interface BootstrapOptions {
  /** Install Istio (istio-system with istiod, the ingress gateway and tracing); default true. */
  istio?: boolean;
}

/**
 * Fills an empty store with what a fresh cluster with Istio installed holds: the
 * system namespaces, the `kubernetes` Service, and istiod, the ingress gateway and
 * tracing as Deployments whose pods are already Running and Ready when this returns.
 * With `istio: false` it is a bare cluster, where applying an install manifest brings
 * Istio up through the controllers. Safe to call on a store that already has some of it.
 */
export function bootstrapCluster(store: ObjectStore, clock: Clock, opts: BootstrapOptions = {}): void {
  const kinds = kindsOf(store);
  const withIstio = opts.istio ?? true;
  const namespaces = withIstio ? [...KUBE_NAMESPACES, 'istio-system'] : KUBE_NAMESPACES;
  installCrds(store, clock, withIstio ? BOOTSTRAP_CRDS : BOOTSTRAP_CRDS.filter((s) => s.name !== 'istio'));
  for (const name of namespaces) ensureNamespace(store, name);
  for (const name of namespaces) populateNamespace(store, name);

  if (!store.get(kinds.services, 'default', 'kubernetes')) {
    const svc: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] },
    };
    applyServiceDefaults(store, svc);
    store.create(kinds.services, svc);
    store.create(kinds.endpoints, {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets: [{ addresses: [{ ip: NODE.ip }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }],
    });
  }

  if (withIstio && !store.get(kinds.configmaps, ISTIO_MESH_CONFIGMAP.namespace, ISTIO_MESH_CONFIGMAP.name)) {
    const { name, namespace, labels, data } = ISTIO_MESH_CONFIGMAP;
    store.create(kinds.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data: { ...data } });
  }
  for (const w of [...KUBE_SYSTEM_WORKLOADS, ...(withIstio ? ISTIO_WORKLOADS : [])]) startWorkloadNow(store, clock, w);
  for (const s of [...KUBE_SYSTEM_SERVICES, ...(withIstio ? ISTIO_SERVICES : [])]) ensureService(store, s);
  for (const s of store.list(kinds.services)) reconcileEndpoints(store, clock.now(), s.metadata.namespace!, s.metadata.name);
}

/** A set of CRDs a fresh cluster holds; `documents` is empty when its source is not there. */
export interface CrdSource {
  name: string;
  documents(): readonly CustomResourceDefinition[];
}

/** What bootstrap installs, in order; add a source here to ship more CRDs with every cluster. */
export const BOOTSTRAP_CRDS: readonly CrdSource[] = [
  { name: 'istio', documents: () => ISTIO_CRDS },
  { name: 'gateway-api', documents: gatewayApiCrds },
];

/** Stores each CRD not yet there, through its strategy like any write, and establishes it at once. */
export function installCrds(store: ObjectStore, clock: Clock, sources: readonly CrdSource[] = BOOTSTRAP_CRDS): void {
  const type = store.registry.mustGet(CRD_GROUP, 'customresourcedefinitions');
  for (const source of sources) {
    for (const crd of source.documents()) {
      if (store.get(type, undefined, crd.metadata.name)) continue;
      store.create(type, structuredClone(crd) as unknown as KubeObject);
      reconcileCrd(store, clock, crd.metadata.name);
    }
  }
}

function ensureNamespace(store: ObjectStore, name: string): void {
  const type = kindsOf(store).namespaces;
  if (store.get(type, undefined, name)) return;
  const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
  applyNamespaceDefaults(ns);
  store.create(type, ns);
}

export function ensureService(store: ObjectStore, s: ServiceSpec): void {
  const type = kindsOf(store).services;
  if (store.get(type, s.namespace, s.name)) return;
  const svc: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: s.name, namespace: s.namespace, labels: s.labels },
    spec: { ...(s.type ? { type: s.type } : {}), ...(s.clusterIP ? { clusterIP: s.clusterIP } : {}), selector: s.selector, ports: structuredClone(s.ports) },
    ...(s.status ? { status: structuredClone(s.status) } : {}),
  };
  applyServiceDefaults(store, svc);
  store.create(type, svc);
}

/**
 * Creates the workload's ServiceAccount and its Deployment (a DaemonSet for a node agent)
 * unless they exist; the controllers bring up its pods. Whether it created the workload.
 */
export function createWorkload(store: ObjectStore, w: WorkloadSpec): boolean {
  const kinds = kindsOf(store);
  const { namespace: ns, name } = w;
  if (w.serviceAccount !== 'default' && !store.get(kinds.serviceaccounts, ns, w.serviceAccount)) {
    store.create(kinds.serviceaccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: w.serviceAccount, namespace: ns, labels: { app: w.podLabels.app ?? name } } });
  }
  const type = w.daemon ? kinds.daemonsets : kinds.deployments;
  if (store.get(type, ns, name)) return false;
  const selector = Object.fromEntries(Object.entries(w.podLabels).filter(([k]) => ['app', 'istio', 'k8s-app'].includes(k)));
  const template = {
    metadata: { labels: w.podLabels, ...(w.podAnnotations ? { annotations: w.podAnnotations } : {}) },
    spec: { serviceAccountName: w.serviceAccount, ...(w.nodeSelector ? { nodeSelector: { ...w.nodeSelector } } : {}), containers: structuredClone(w.containers) },
  };
  const workload: KubeObject = {
    apiVersion: 'apps/v1',
    kind: w.daemon ? 'DaemonSet' : 'Deployment',
    metadata: { name, namespace: ns, labels: w.labels },
    spec: w.daemon ? { selector: { matchLabels: selector }, template } : { replicas: w.replicas ?? 1, selector: { matchLabels: selector }, template },
  };
  if (w.daemon) applyDaemonSetDefaults(workload);
  else applyDeploymentDefaults(workload);
  store.create(type, workload);
  return true;
}

/** Creates the Deployment and drives its ReplicaSet and pods straight to Ready, with no clock wait. */
function startWorkloadNow(store: ObjectStore, clock: Clock, w: WorkloadSpec): void {
  const kinds = kindsOf(store);
  const { namespace: ns, name } = w;
  if (!createWorkload(store, w)) return;

  reconcileDeployment(store, clock, ns, name);
  const d = store.get(kinds.deployments, ns, name)!;
  for (const rs of replicaSetsOf(store, kinds, d)) {
    reconcileReplicaSet(store, clock, ns, rs.metadata.name);
    for (const pod of podsOf(store, kinds, rs)) {
      const next = bindToNode(pod);
      next.status = podStatusAt(next, 'ready', clock.now(), allocatePodIp(store));
      store.bind(kinds.pods, next);
    }
    reconcileReplicaSet(store, clock, ns, rs.metadata.name);
  }
  reconcileDeployment(store, clock, ns, name);
}
