import type { Clock } from '../../clock.ts';
import type { ObjectStore } from '../apiserver/store.ts';
import type { StoreEvent } from '../apiserver/types.ts';
import { makeDefaultsHook } from './defaults.ts';
import { reconcileDaemonSet } from './daemonset-controller.ts';
import { reconcileDeployment } from './deployment-controller.ts';
import { reconcileEndpoints } from './endpoints-controller.ts';
import { pruneEvents } from './events.ts';
import { startGatewayApiController } from './gateway-api-controller.ts';
import { collectGarbage } from './garbage-collector.ts';
import { kindsOf } from './kinds.ts';
import { startKubelet } from './kubelet.ts';
import { populateNamespace, startNamespaceController } from './namespace-controller.ts';
import { reconcileReplicaSet } from './replicaset-controller.ts';
import { makeSidecarInjectorHook } from './sidecar-injector.ts';
import { startInstallController } from './install-profile.ts';
import { WorkQueue, nsKey, splitKey } from './work-queue.ts';
import { startCrdController } from './crd-controller.ts';
import { startAmbientEnrolmentController } from './ambient-enrolment.ts';
import { startAmbientStatusController } from './ambient-status.ts';
import { startIngressStatusController } from './ingress-status-controller.ts';
import { reconcileStatefulSet, statefulKinds } from './statefulset-controller.ts';
import { bindClaim } from './claim-binder.ts';

export { bootstrapCluster, type BootstrapOptions } from './bootstrap.ts';
export { makeSidecarInjectorHook, shouldInject, injectSidecar, PROXY_IMAGE } from './sidecar-injector.ts';
export { NODE } from './addresses.ts';
export { startNamespaceController } from './namespace-controller.ts';
export { startCrdController } from './crd-controller.ts';

export interface ControllerOptions {
  store: ObjectStore;
  clock: Clock;
  /** Simulated ms from pod creation to Running; drawn per pod from 2-5 s when unset. */
  podStartupMs?: number;
  /** Simulated ms from Running to Ready; drawn per pod from 1-3 s when unset. */
  podReadyMs?: number;
}

/** Admission hooks installed once per store (startControllers may run again after stop). */
const hooked = new WeakSet<ObjectStore>();

/**
 * The embedded cluster's control loops: defaulting and sidecar injection on admission,
 * Deployment → ReplicaSet → Pod, DaemonSet → one Pod per node, the kubelet's pod lifecycle on the clock, Endpoints,
 * garbage collection by ownerReferences, and per-namespace defaults.
 */
export function startControllers(opts: ControllerOptions): { stop(): void } {
  const { store, clock } = opts;
  const kinds = kindsOf(store);
  if (!hooked.has(store)) {
    hooked.add(store);
    store.addAdmissionHook(makeDefaultsHook(store));
    store.addAdmissionHook(makeSidecarInjectorHook(store));
  }

  const deployments = new WorkQueue('deployment-controller', (key) => reconcileDeployment(store, clock, ...splitKey(key)));
  const replicasets = new WorkQueue('replicaset-controller', (key) => reconcileReplicaSet(store, clock, ...splitKey(key)));
  const daemonsets = new WorkQueue('daemonset-controller', (key) => reconcileDaemonSet(store, clock, ...splitKey(key)));
  const endpoints = new WorkQueue('endpoints-controller', (key) => reconcileEndpoints(store, clock.now(), ...splitKey(key)));
  const namespaces = new WorkQueue('namespace-controller', (key) => populateNamespace(store, key));
  const garbage = new WorkQueue('garbage-collector', (key) => collectGarbage(store, ...splitKey(key)));
  const statefulsets = new WorkQueue('statefulset-controller', (key) => reconcileStatefulSet(store, clock, ...splitKey(key)));
  const stateful = statefulKinds(store);
  const claims = new WorkQueue('persistentvolume-binder', (key) => stateful && bindClaim(store, stateful.claims, ...splitKey(key)));
  const queues = [deployments, replicasets, daemonsets, statefulsets, claims, endpoints, namespaces, garbage];

  const ownerKey = (e: StoreEvent, kind: string) => {
    const ref = e.object.metadata.ownerReferences?.find((r) => r.kind === kind && r.controller !== false);
    return ref ? nsKey(e.object.metadata.namespace, ref.name) : undefined;
  };
  const servicesIn = (ns: string | undefined) => store.list(kinds.services, ns).map((s) => nsKey(ns, s.metadata.name));

  const onEvent = (e: StoreEvent) => {
    const { namespace, name } = e.object.metadata;
    // Only workloads own things here; scanning on every pod or event deletion would be waste.
    const owns = e.resource === kinds.deployments || e.resource === kinds.replicasets || e.resource === kinds.daemonsets || e.resource === stateful?.statefulsets;
    if (e.type === 'DELETED' && owns && namespace && e.object.metadata.uid) garbage.add(nsKey(namespace, e.object.metadata.uid));
    if (stateful && e.resource === stateful.statefulsets) statefulsets.add(nsKey(namespace, name));
    else if (stateful && e.resource === stateful.claims && e.type !== 'DELETED') claims.add(nsKey(namespace, name));
    switch (e.resource) {
      case kinds.deployments:
        deployments.add(nsKey(namespace, name));
        break;
      case kinds.replicasets: {
        replicasets.add(nsKey(namespace, name));
        const owner = ownerKey(e, 'Deployment');
        if (owner) deployments.add(owner);
        break;
      }
      case kinds.daemonsets:
        daemonsets.add(nsKey(namespace, name));
        break;
      case kinds.pods: {
        const owner = ownerKey(e, 'ReplicaSet');
        if (owner) replicasets.add(owner);
        const daemon = ownerKey(e, 'DaemonSet');
        if (daemon) daemonsets.add(daemon);
        const set = ownerKey(e, 'StatefulSet');
        if (set) statefulsets.add(set);
        for (const key of servicesIn(namespace)) endpoints.add(key);
        break;
      }
      case kinds.services:
        endpoints.add(nsKey(namespace, name));
        break;
      case kinds.endpoints:
        // Someone edited or deleted a managed Endpoints object: put it back.
        if (store.get(kinds.services, namespace, name)) endpoints.add(nsKey(namespace, name));
        break;
      case kinds.namespaces:
        if (e.type === 'ADDED') namespaces.add(name);
        break;
      case kinds.serviceaccounts:
      case kinds.configmaps:
        if (e.type === 'DELETED' && (name === 'default' || name === 'kube-root-ca.crt' || name === 'istio-ca-root-cert')) namespaces.add(namespace ?? '');
        break;
    }
  };
  const unsubscribe = store.onEvent(onEvent);
  const namespaceLifecycle = startNamespaceController(store, clock);
  const crds = startCrdController(store, clock);
  const kubelet = startKubelet(store, clock, { podStartupMs: opts.podStartupMs, podReadyMs: opts.podReadyMs });
  const gatewayApi = startGatewayApiController(store, clock);
  const install = startInstallController(store);
  const enrolment = startAmbientEnrolmentController(store);
  const ambientStatus = startAmbientStatusController(store, clock);
  const ingressStatus = startIngressStatusController(store);

  // Catch up with whatever exists already (bootstrap objects, or a store that outlived a stop()).
  for (const ns of store.list(kinds.namespaces)) namespaces.add(ns.metadata.name);
  for (const d of store.list(kinds.deployments)) deployments.add(nsKey(d.metadata.namespace, d.metadata.name));
  for (const rs of store.list(kinds.replicasets)) replicasets.add(nsKey(rs.metadata.namespace, rs.metadata.name));
  for (const ds of store.list(kinds.daemonsets)) daemonsets.add(nsKey(ds.metadata.namespace, ds.metadata.name));
  for (const sts of stateful ? store.list(stateful.statefulsets) : []) statefulsets.add(nsKey(sts.metadata.namespace, sts.metadata.name));
  for (const s of store.list(kinds.services)) endpoints.add(nsKey(s.metadata.namespace, s.metadata.name));

  const eventPruner = clock.setInterval(() => pruneEvents(store, clock.now()), 60_000);

  return {
    stop() {
      unsubscribe();
      kubelet.stop();
      gatewayApi.stop();
      install.stop();
      enrolment.stop();
      ambientStatus.stop();
      ingressStatus.stop();
      for (const q of queues) q.stop();
      namespaceLifecycle.stop();
      crds.stop();
      clearInterval(eventPruner);
    },
  };
}
