import type { KubeObject } from '../apiserver/types.ts';
import { INGRESS_USE_WAYPOINT_LABEL, NO_MODE, USE_WAYPOINT_LABEL, ingressUsesWaypoint, useWaypointRef, waypointFor } from '../istio-api/ambient-labels.ts';

/**
 * How an ambient istiod binds things to waypoints, and the conditions it reports about it: a
 * Service to the waypoint its labels name (or why it cannot), a policy's targetRefs to
 * waypoints, and an HTTPRoute's Service parents. The compiled plan and the status the
 * controllers write both read these decisions.
 */

export const WAYPOINT_CLASS = 'istio-waypoint';

/** The waypoints by `<ns>/<name>`: Gateways of class istio-waypoint. */
export function waypointGateways(gateways: KubeObject[]): Map<string, KubeObject> {
  return new Map(gateways.filter((g) => g.spec?.gatewayClassName === WAYPOINT_CLASS).map((g) => [`${g.metadata.namespace}/${g.metadata.name}`, g]));
}

/** A waypoint Gateway in another namespace serves only those its listener admits (`allowedRoutes.namespaces.from: All`). */
function admits(g: KubeObject, fromNs: string): boolean {
  if (g.metadata.namespace === fromNs) return true;
  return (g.spec?.listeners ?? []).some((l: any) => l?.allowedRoutes?.namespaces?.from === 'All');
}

/** How istiod binds a Service to a waypoint: the waypoint it uses, or why the one its labels name cannot take it. */
export interface WaypointBinding {
  waypoint?: KubeObject;
  error?: { reason: string; message: string };
}

/** The waypoint a Service's labels (or its namespace's) send its traffic to, checked as istiod checks it. */
export function bindServiceWaypoint(svc: KubeObject, namespaceLabels: Record<string, string> | undefined, waypoints: Map<string, KubeObject>): WaypointBinding {
  const ns = svc.metadata.namespace ?? 'default';
  const ref = useWaypointRef(svc.metadata.labels, namespaceLabels, ns);
  if (!ref) return {};
  const key = `${ref.namespace}/${ref.name}`;
  const g = waypoints.get(key);
  if (!g) return { error: { reason: 'WaypointIsNotReady', message: `waypoint "${key}" is not ready` } };
  if (!admits(g, ns)) return { error: { reason: 'AttachmentDenied', message: `we are not permitted to attach to waypoint "${key}" (missing allowedRoutes?)` } };
  const takes = waypointFor(g.metadata.labels);
  if (takes !== 'service' && takes !== 'all') return { error: { reason: 'UnsupportedTrafficType', message: `attempting to bind to traffic type "service" which the waypoint "${key}" does not support` } };
  return { waypoint: g };
}

/** A policy's targetRefs (or its single deprecated targetRef), defaulted. */
export function targetsOf(ap: KubeObject): Array<{ kind: string; group: string; name: string; namespace?: string }> {
  const refs = Array.isArray(ap.spec?.targetRefs) ? ap.spec.targetRefs : ap.spec?.targetRef ? [ap.spec.targetRef] : [];
  return refs.map((r: any) => ({ kind: String(r?.kind ?? ''), group: String(r?.group ?? ''), name: String(r?.name ?? ''), ...(r?.namespace ? { namespace: String(r.namespace) } : {}) }));
}

/** One targetRef of a policy as istiod binds it to a waypoint. */
interface TargetBinding {
  bound: boolean;
  reason: string;
  message: string;
  ancestor: string;
}

/** The inputs the waypoint policy status reads. */
export interface PolicyBindingInputs {
  serviceObjects: KubeObject[];
  namespaceLabels: Map<string, Record<string, string>>;
  waypoints: Map<string, KubeObject>;
  gatewayClasses: KubeObject[];
}

const MESH_CONTROLLER = 'istio.io/mesh-controller';
const ROOT_NAMESPACE = 'istio-system';

function bindTarget(ap: KubeObject, t: ReturnType<typeof targetsOf>[number], inputs: PolicyBindingInputs): TargetBinding {
  const ns = t.namespace ?? ap.metadata.namespace ?? 'default';
  const key = `${ns}/${t.name}`;
  const ancestor = `${t.kind}.${t.group || 'core'}:${key}`;
  const result = (bound: boolean, reason: string, message: string) => ({ bound, reason, message, ancestor });
  if (t.kind === 'GatewayClass') {
    if (ns !== ROOT_NAMESPACE) return result(false, 'Invalid', `AuthorizationPolicy must be in the root namespace \`${ROOT_NAMESPACE}\` when referencing a GatewayClass`);
    const cls = inputs.gatewayClasses.find((c) => c.metadata.name === t.name);
    if (!cls) return result(false, 'TargetNotFound', 'not bound');
    if (cls.spec?.controllerName !== MESH_CONTROLLER) return result(false, 'Invalid', `GatewayClass must use controller name \`${MESH_CONTROLLER}\` for waypoints`);
    return result(true, 'Accepted', `bound to ${t.name}`);
  }
  if (t.kind === 'Gateway') return inputs.waypoints.has(key) ? result(true, 'Accepted', `bound to ${key}`) : result(false, 'TargetNotFound', 'not bound');
  if (t.kind === 'Service') {
    const svc = inputs.serviceObjects.find((s) => s.metadata.name === t.name && (s.metadata.namespace ?? 'default') === ns);
    if (!svc) return result(false, 'TargetNotFound', `Service ${key} was not found`);
    const wp = bindServiceWaypoint(svc, inputs.namespaceLabels.get(ns), inputs.waypoints).waypoint;
    if (!wp) return result(false, 'AncestorNotBound', `Service ${key} is not bound to a waypoint`);
    return result(true, 'Accepted', `bound to ${wp.metadata.namespace}/${wp.metadata.name}`);
  }
  return result(false, 'unknown', 'not bound');
}

/**
 * The `WaypointAccepted` condition istiod writes on a policy with targetRefs: each target's
 * binding, one condition for all (any bound target makes it True; some unbound: PartiallyInvalid).
 */
export function waypointAcceptance(ap: KubeObject, inputs: PolicyBindingInputs): { status: 'True' | 'False'; reason: string; message: string } | undefined {
  const targets = targetsOf(ap);
  if (!targets.length) return undefined;
  const bindings = targets.map((t) => bindTarget(ap, t, inputs));
  const status = (b: boolean) => (b ? 'True' : 'False') as 'True' | 'False';
  if (bindings.length === 1) return { status: status(bindings[0].bound), reason: bindings[0].reason, message: bindings[0].message };
  const unbound = bindings.filter((b) => !b.bound).map((b) => b.ancestor);
  const anyBound = bindings.some((b) => b.bound);
  const reason = anyBound ? (unbound.length ? 'PartiallyInvalid' : 'Accepted') : 'Invalid';
  return { status: status(anyBound), reason, message: unbound.length ? `Invalid targetRefs: ${unbound.join(', ')}` : '' };
}

/** A Service's or Namespace's `istio.io/use-waypoint` names some waypoint (`none` names none). */
const namesWaypoint = (labels: Record<string, string> | undefined) => {
  const v = labels?.[USE_WAYPOINT_LABEL];
  return !!v && v.toLowerCase() !== NO_MODE;
};

/**
 * The `ResolvedWaypoints` condition an ambient istiod adds for each parent of an HTTPRoute: always
 * True, its message saying when a Service parent (nor its namespace) has no `istio.io/use-waypoint`,
 * so no waypoint will ever apply the route to ambient traffic.
 */
export function resolvedWaypoints(parentRef: Record<string, unknown>, routeNs: string, serviceObjects: KubeObject[], namespaceLabels: Map<string, Record<string, string>>): { status: 'True'; reason: string; message: string } {
  const ok = (message: string) => ({ status: 'True' as const, reason: 'ResolvedWaypoints', message });
  if (parentRef.group !== '' || parentRef.kind !== 'Service') return ok('All waypoints resolved');
  const ns = String(parentRef.namespace ?? routeNs);
  const svc = serviceObjects.find((s) => s.metadata.name === parentRef.name && (s.metadata.namespace ?? 'default') === ns);
  if (!svc) return ok('parent not found');
  if (!namesWaypoint(svc.metadata.labels) && !namesWaypoint(namespaceLabels.get(ns))) {
    return ok('istio.io/use-waypoint label missing from parent and parent namespace; in ambient mode, route will not be respected');
  }
  return ok('All waypoints resolved');
}

/**
 * The `istio.io/WaypointBound` condition istiod writes on a Service: True once bound (saying
 * whether ingress traffic goes through the waypoint too), False when its labels name a waypoint
 * that cannot take it, none when it uses no waypoint.
 */
export function waypointBoundCondition(svc: KubeObject, namespaceLabels: Record<string, string> | undefined, waypoints: Map<string, KubeObject>): { status: 'True' | 'False'; reason: string; message: string } | undefined {
  const binding = bindServiceWaypoint(svc, namespaceLabels, waypoints);
  if (binding.error) return { status: 'False', ...binding.error };
  const g = binding.waypoint;
  if (!g) return undefined;
  let message = `Successfully attached to waypoint ${g.metadata.namespace}/${g.metadata.name}`;
  const labelled = svc.metadata.labels?.[INGRESS_USE_WAYPOINT_LABEL] !== undefined || namespaceLabels?.[INGRESS_USE_WAYPOINT_LABEL] !== undefined;
  if (ingressUsesWaypoint(svc.metadata.labels, namespaceLabels)) message += '. Ingress traffic will traverse the waypoint';
  else if (labelled) message += '. Ingress traffic is not using the waypoint, set the istio.io/ingress-use-waypoint label to true if desired.';
  return { status: 'True', reason: 'WaypointAccepted', message };
}
