import type { Workload } from '../app-runtime/types.ts';
import type { KubeObject } from '../apiserver/types.ts';
import { ingressUsesWaypoint, isAmbientWorkload } from '../istio-api/ambient-labels.ts';
import type { InboundPolicy } from './plan.ts';
import { policyOf } from './security.ts';
import { bindServiceWaypoint, targetsOf, waypointGateways } from './waypoint-binding.ts';
import { ztunnelPolicy } from './ztunnel-policy.ts';

const GATEWAY_GROUP = 'gateway.networking.k8s.io';
const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

/** One waypoint (a Gateway of class istio-waypoint) as the data plane reaches it. */
export interface WaypointPlan {
  name: string;
  namespace: string;
  /** The proxy that handles its traffic: a Ready pod of its deployment, else one standing for it. */
  proxy: Workload;
}

/** What ambient mode adds to the compiled configuration. */
export interface AmbientPlan {
  /** The node's ztunnel pod; without one no pod is ambient (nothing redirects its traffic). */
  ztunnel?: Workload;
  /** uids of the pods whose traffic goes through ztunnel. */
  pods: Set<string>;
  /** What the receiving ztunnel enforces, by pod uid. */
  l4: Map<string, InboundPolicy>;
  /** The waypoint that takes each Service's traffic, by Service FQDN. */
  waypoints: Map<string, WaypointPlan>;
  /** Services (FQDNs) whose waypoint also takes the ingress gateways' traffic (`istio.io/ingress-use-waypoint`). */
  ingressWaypoints: Set<string>;
  /** The L7 AuthorizationPolicies (targetRefs) a waypoint enforces, by the Service FQDN the traffic is for. */
  l7: Map<string, InboundPolicy>;
}

export interface AmbientInputs {
  pods: Workload[];
  serviceObjects: KubeObject[];
  namespaceLabels: Map<string, Record<string, string>>;
  gateways: KubeObject[];
  peerAuthentications: KubeObject[];
  authorizationPolicies: KubeObject[];
}

/** Whether a pod is a waypoint's proxy (istiod's mesh controller deploys those, never as gateways). */
export const isWaypointPod = (p: Workload) => p.labels['gateway.istio.io/managed'] === 'istio.io-mesh-controller';

function waypointProxy(g: KubeObject, pods: Workload[]): Workload {
  const ns = g.metadata.namespace ?? 'default';
  const name = g.metadata.name;
  const ready = pods.find((p) => p.ready && p.namespace === ns && p.labels[GATEWAY_NAME_LABEL] === name);
  if (ready) return ready;
  // Until its deployment runs, the Gateway itself stands for the proxy, under the Gateway's name (istiod names the
  // Deployment and service account after it): a made-up pod name would show in ztunnel's log and the graph as a workload no one has.
  return { pod: name, namespace: ns, uid: `waypoint:${ns}/${name}`, ip: '10.244.0.240', labels: { [GATEWAY_NAME_LABEL]: name }, app: name, version: 'latest', workload: name, serviceAccount: name, hasSidecar: true, ready: true };
}

export function compileAmbient(inputs: AmbientInputs): AmbientPlan {
  const ztunnel = inputs.pods.find((p) => p.namespace === 'istio-system' && p.labels.app === 'ztunnel' && p.ready);
  const plan: AmbientPlan = { ztunnel, pods: new Set(), l4: new Map(), waypoints: new Map(), ingressWaypoints: new Set(), l7: new Map() };
  if (!ztunnel) return plan;
  for (const p of inputs.pods) {
    if (!isAmbientWorkload(p.labels, p.hasSidecar, inputs.namespaceLabels.get(p.namespace))) continue;
    plan.pods.add(p.uid);
    plan.l4.set(p.uid, ztunnelPolicy(inputs.peerAuthentications, inputs.authorizationPolicies, p));
  }
  const waypoints = waypointGateways(inputs.gateways);
  for (const svcObj of inputs.serviceObjects) {
    const ns = svcObj.metadata.namespace ?? 'default';
    const fqdn = `${svcObj.metadata.name}.${ns}.svc.cluster.local`;
    const g = bindServiceWaypoint(svcObj, inputs.namespaceLabels.get(ns), waypoints).waypoint;
    if (!g) continue;
    plan.waypoints.set(fqdn, { name: g.metadata.name, namespace: g.metadata.namespace ?? ns, proxy: waypointProxy(g, inputs.pods) });
    if (ingressUsesWaypoint(svcObj.metadata.labels, inputs.namespaceLabels.get(ns))) plan.ingressWaypoints.add(fqdn);
  }
  for (const [fqdn, wp] of plan.waypoints) {
    const [name, namespace] = fqdn.split('.');
    const svc = { name, namespace };
    const bound = inputs.authorizationPolicies.filter((ap) =>
      targetsOf(ap).some((t) =>
        (t.kind === 'Service' && t.group === '' && t.name === svc.name && ap.metadata.namespace === svc.namespace) ||
        (t.kind === 'Gateway' && t.group === GATEWAY_GROUP && t.name === wp.name && ap.metadata.namespace === wp.namespace),
      ),
    );
    if (bound.length) plan.l7.set(fqdn, policyOf(bound, 'PERMISSIVE'));
  }
  return plan;
}

