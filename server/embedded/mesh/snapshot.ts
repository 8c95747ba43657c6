import type { Workload } from '../app-runtime/types.ts';
import type { ObjectStore } from '../apiserver/store.ts';
import type { KubeObject } from '../apiserver/types.ts';
import { kindOfGroup } from '../../kinds.ts';
import { declaredGateway } from './cluster-ports.ts';
import { compileClusters } from './compile-clusters.ts';
import { compileHttpRoutes, gatewayApiListeners } from './compile-gateway-api.ts';
import { istioGatewayListeners, compileVirtualServices } from './compile-istio.ts';
import { type GatewayApiInputs, bindRoutes } from './gateway-api-binding.ts';
import { type ClusterPlan, type GatewayPlan, type InboundPlan, type RoutePlan, type VirtualHost, plainRoute } from './plan.ts';
import { workloadOf } from './pods.ts';
import { type ServiceInfo, compileServices } from './services.ts';
import { inboundPolicy, policyOf, workloadBoundPolicies } from './security.ts';
import { requestAuthProviders } from './request-auth.ts';
import { type AmbientPlan, compileAmbient, isWaypointPod } from './ambient.ts';
import { ingressConfig } from './ingress-conversion.ts';

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
  /** Each gateway pod's gateway, by pod uid: a request reaching one is routed by its listeners. */
  gatewayOfPod: Map<string, GatewayPlan>;
  clusters: ClusterPlan;
  inbound: InboundPlan;
  /** Ambient pods, what their ztunnel enforces, and the waypoints Services use. */
  ambient: AmbientPlan;
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

const GATEWAY_GROUP = 'gateway.networking.k8s.io';
/** The label Istio puts on the pods it deploys for a Gateway API Gateway. */
const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

/** Gateway proxies are the router pods: Istio's gateway deployments and those deployed for Gateway API Gateways (a waypoint is not one). */
const isGatewayPod = (p: Workload) => p.labels.istio === 'ingressgateway' || p.labels.istio === 'egressgateway' || (p.labels[GATEWAY_NAME_LABEL] !== undefined && !isWaypointPod(p));

/** One plan per gateway deployment (its Ready pods), each with the Istio servers and Gateway API listeners it serves. */
function gatewayPlans(pods: Workload[], istioGateways: KubeObject[], apiListeners: Map<string, GatewayPlan['listeners']>, security: (gateway: Workload) => GatewayPlan['security']): GatewayPlan[] {
  const byWorkload = new Map<string, Workload[]>();
  for (const p of pods) {
    if (!p.ready || !isGatewayPod(p)) continue;
    const key = `${p.namespace}/${p.workload}`;
    byWorkload.set(key, [...(byWorkload.get(key) ?? []), p]);
  }
  if (![...byWorkload.values()].some((ps) => ps[0].namespace === 'istio-system' && ps[0].labels.istio === 'ingressgateway')) byWorkload.set('istio-system/istio-ingressgateway', [FALLBACK_GATEWAY]);
  return [...byWorkload].map(([name, ps]) => {
    const apiGateway = ps[0].labels[GATEWAY_NAME_LABEL];
    return {
      name,
      pods: ps,
      listeners: [...istioGatewayListeners(istioGateways, ps[0]), ...(apiGateway !== undefined ? apiListeners.get(`${ps[0].namespace}/${apiGateway}`) ?? [] : [])],
      security: security(ps[0]),
    };
  });
}

/** The objects of a kind; none when the kind is not served (a user may delete Istio's or the Gateway API's CRDs). */
export function listServed(store: ObjectStore, group: string, plural: string) {
  const type = store.registry.byPlural(group, plural);
  return type ? store.list(type) : [];
}

export function buildSnapshot(store: ObjectStore): MeshSnapshot {
  const list = (group: string, plural: string) => listServed(store, group, plural);
  const namespaces = new Set(list('', 'namespaces').map((n) => n.metadata.name));
  const pods = list('', 'pods').map(workloadOf);
  const namespaceLabels = new Map(list('', 'namespaces').map((n) => [n.metadata.name, n.metadata.labels ?? {}]));
  const peerAuthentications = list('security.istio.io', 'peerauthentications');
  const authorizationPolicies = list('security.istio.io', 'authorizationpolicies');
  const requestAuthentications = list('security.istio.io', 'requestauthentications');
  const serviceObjects = list('', 'services');
  const ambient = compileAmbient({ pods, serviceObjects, namespaceLabels, gateways: list(GATEWAY_GROUP, 'gateways'), peerAuthentications, authorizationPolicies });

  const services = compileServices(serviceObjects, pods);

  const passthrough: RoutePlan['passthrough'] = new Map();
  for (const svc of services.values()) for (const p of svc.ports) passthrough.set(`${svc.fqdn}:${p.port}`, plainRoute({ host: svc.fqdn, port: p.port }));
  const gatewayInputs: GatewayApiInputs = {
    gatewayClasses: list(GATEWAY_GROUP, 'gatewayclasses'),
    gateways: list(GATEWAY_GROUP, 'gateways').map(declaredGateway),
    routes: list(GATEWAY_GROUP, 'httproutes'),
    grants: list(GATEWAY_GROUP, 'referencegrants'),
    namespaceLabels,
    servicePorts: new Map([...services.values()].map((s) => [s.fqdn, s.ports.map((p) => p.port)])),
  };
  // Kubernetes Ingress compiles as the Gateway and VirtualServices Istio generates for it.
  const ingress = ingressConfig(list);
  const listeners = compileVirtualServices([...list('networking.istio.io', 'virtualservices'), ...ingress.virtualServices], namespaces);
  for (const [key, vhosts] of compileHttpRoutes(bindRoutes(gatewayInputs), gatewayInputs)) listeners.set(key, [...(listeners.get(key) ?? []), ...vhosts] as VirtualHost[]);
  // A gateway enforces the policies that select its pods, with no mTLS mode of its own.
  const gatewaySecurity = (gw: Workload) => ({ ...policyOf(workloadBoundPolicies(authorizationPolicies, gw), 'PERMISSIVE'), requestAuth: requestAuthProviders(requestAuthentications, gw) });
  const gateways = gatewayPlans(pods, [...list('networking.istio.io', 'gateways'), ...ingress.gateways], gatewayApiListeners(gatewayInputs), gatewaySecurity);
  const routes: RoutePlan = { listeners, gateways, passthrough };
  const gatewayOfPod = new Map<string, GatewayPlan>();
  for (const g of gateways) for (const p of g.pods) gatewayOfPod.set(p.uid, g);

  const inbound: InboundPlan = new Map();
  for (const p of pods) if (p.hasSidecar) inbound.set(p.uid, { ...inboundPolicy(peerAuthentications, authorizationPolicies, p), requestAuth: requestAuthProviders(requestAuthentications, p) });

  return {
    namespaces,
    services,
    pods,
    routes,
    gatewayOfPod,
    clusters: compileClusters(services, list('networking.istio.io', 'destinationrules'), list('networking.istio.io', 'serviceentries'), namespaces),
    inbound,
    ambient,
  };
}
