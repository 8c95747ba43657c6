import type { Workload } from '../app-runtime/types.ts';
import type { ObjectStore } from '../apiserver/store.ts';
import { kindOfGroup } from '../../kinds.ts';
import { compileClusters } from './compile-clusters.ts';
import { compileGateways, compileVirtualServices } from './compile-istio.ts';
import { type ClusterPlan, type InboundPlan, type RoutePlan, plainRoute } from './plan.ts';
import { workloadOf } from './pods.ts';
import { type ServiceInfo, compileServices } from './services.ts';
import { inboundPolicy } from './security.ts';

/**
 * What the proxies act on, compiled from the ObjectStore after every change that matters:
 * cluster DNS (namespaces, Services), the route plan, the cluster plan and each server
 * sidecar's policy. Immutable once built, so a request in flight keeps a consistent view.
 */
export interface MeshSnapshot {
  namespaces: Set<string>;
  /** Services by FQDN, as cluster DNS and kube-proxy see them. */
  services: Map<string, ServiceInfo>;
  pods: Workload[];
  routes: RoutePlan;
  clusters: ClusterPlan;
  inbound: InboundPlan;
}

/** Is a snapshot compiled from this kind? (Events, ReplicaSets and the like do not matter.) */
export const isSnapshotKind = (type: { group: string; kind: string }) => kindOfGroup(type.group, type.kind)?.meshSnapshot === true;

/** A synthetic gateway pod for clusters whose control plane has not created one. */
const FALLBACK_GATEWAY: Workload = {
  pod: 'istio-ingressgateway-0',
  namespace: 'istio-system',
  uid: 'istio-ingressgateway-0',
  ip: '10.244.0.250',
  labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
  app: 'istio-ingressgateway',
  version: 'latest',
  workload: 'istio-ingressgateway',
  serviceAccount: 'istio-ingressgateway-service-account',
  hasSidecar: true,
  ready: true,
};

const kind = (store: ObjectStore, group: string, plural: string) => store.registry.mustGet(group, plural);

export function buildSnapshot(store: ObjectStore): MeshSnapshot {
  const list = (group: string, plural: string) => store.list(kind(store, group, plural));
  const namespaces = new Set(list('', 'namespaces').map((n) => n.metadata.name));
  const pods = list('', 'pods').map(workloadOf);

  const services = compileServices(list('', 'services'), pods);

  const passthrough: RoutePlan['passthrough'] = new Map();
  for (const svc of services.values()) for (const p of svc.ports) passthrough.set(`${svc.fqdn}:${p.port}`, plainRoute({ host: svc.fqdn, port: p.port }));
  const ingressPod = pods.find((p) => p.namespace === 'istio-system' && p.labels.istio === 'ingressgateway' && p.ready) ?? FALLBACK_GATEWAY;
  const routes: RoutePlan = {
    listeners: compileVirtualServices(list('networking.istio.io', 'virtualservices'), namespaces),
    ingress: compileGateways(list('networking.istio.io', 'gateways'), ingressPod),
    passthrough,
  };

  const peerAuthentications = list('security.istio.io', 'peerauthentications');
  const authorizationPolicies = list('security.istio.io', 'authorizationpolicies');
  const inbound: InboundPlan = new Map();
  for (const p of pods) if (p.hasSidecar) inbound.set(p.uid, inboundPolicy(peerAuthentications, authorizationPolicies, p));

  return {
    namespaces,
    services,
    pods,
    routes,
    clusters: compileClusters(services, list('networking.istio.io', 'destinationrules'), list('networking.istio.io', 'serviceentries'), namespaces),
    inbound,
  };
}
