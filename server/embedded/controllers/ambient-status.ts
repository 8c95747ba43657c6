import type { Clock } from '../../clock.ts';
import type { ObjectStore } from '../apiserver/store.ts';
import type { KubeObject, ResourceType, StoreEvent } from '../apiserver/types.ts';
import { waypointAcceptance, waypointBoundCondition, waypointGateways } from '../mesh/waypoint-binding.ts';
import { ztunnelAcceptance } from '../mesh/ztunnel-policy.ts';
import { type ConditionInput, ambientEnabled, withConditions } from './gateway-api-controller.ts';
import { kindsOf } from './kinds.ts';
import { WorkQueue } from './work-queue.ts';

/**
 * The status an ambient istiod writes about ambient bindings, so a user sees what took effect:
 * on each AuthorizationPolicy whether ztunnel enforces it (`ZtunnelAccepted`, with what it left
 * out) or a waypoint does (`WaypointAccepted`), and on each Service whether it is bound to the
 * waypoint its labels name (`istio.io/WaypointBound`). Nothing is written unless ambient is on.
 */

const SECURITY_GROUP = 'security.istio.io';
const GATEWAY_GROUP = 'gateway.networking.k8s.io';
const POLICY_TYPES = ['ZtunnelAccepted', 'WaypointAccepted'];
const SERVICE_TYPES = ['istio.io/WaypointBound'];
/** Kinds whose changes can change a binding (or whether ambient is on). */
const WATCHED = new Set([`${SECURITY_GROUP}/AuthorizationPolicy`, '/Service', '/Namespace', `${GATEWAY_GROUP}/Gateway`, `${GATEWAY_GROUP}/GatewayClass`, 'apps/Deployment', '/ConfigMap']);

export function startAmbientStatusController(store: ObjectStore, clock: Clock): { stop(): void } {
  const queue = new WorkQueue('ambient-status', () => reconcileAmbientStatus(store, clock));
  const unsubscribe = store.onEvent((e: StoreEvent) => {
    if (WATCHED.has(`${e.resource.group}/${e.resource.kind}`)) queue.add('all');
  });
  queue.add('all');
  return {
    stop() {
      unsubscribe();
      queue.stop();
    },
  };
}

/** The object with its conditions of `ours` types set to `wanted` (others' conditions kept), or undefined when nothing changes. */
function withOurConditions(o: KubeObject, clock: Clock, ours: string[], wanted: ConditionInput[]): KubeObject | undefined {
  const current: any[] = o.status?.conditions ?? [];
  const others = current.filter((c) => !ours.includes(c?.type));
  if (!wanted.length && others.length === current.length) return undefined;
  // withConditions keeps each condition's transition time; the others go back in unchanged.
  const next = withConditions(o, clock, wanted);
  if (!next) return undefined;
  const conditions = [...others, ...next.status.conditions].sort((a, b) => (a.type < b.type ? -1 : 1));
  const status = { ...next.status, conditions };
  if (!conditions.length) delete status.conditions;
  if (JSON.stringify(status) === JSON.stringify(o.status ?? {})) return undefined;
  return { ...o, status };
}

export function reconcileAmbientStatus(store: ObjectStore, clock: Clock): void {
  if (!ambientEnabled(store)) return;
  const kinds = kindsOf(store);
  const policies = store.registry.byPlural(SECURITY_GROUP, 'authorizationpolicies');
  const gatewayType = store.registry.byPlural(GATEWAY_GROUP, 'gateways');
  const classType = store.registry.byPlural(GATEWAY_GROUP, 'gatewayclasses');
  const serviceObjects = store.list(kinds.services);
  const namespaceLabels = new Map(store.list(kinds.namespaces).map((n) => [n.metadata.name, n.metadata.labels ?? {}]));
  const waypoints = waypointGateways(gatewayType ? store.list(gatewayType) : []);
  const inputs = { serviceObjects, namespaceLabels, waypoints, gatewayClasses: classType ? store.list(classType) : [] };

  if (policies) {
    for (const ap of store.list(policies)) {
      const ztunnel = ztunnelAcceptance(ap);
      const waypoint = waypointAcceptance(ap, inputs);
      const wanted: ConditionInput[] = [...(ztunnel ? [{ type: 'ZtunnelAccepted', ...ztunnel }] : []), ...(waypoint ? [{ type: 'WaypointAccepted', ...waypoint }] : [])];
      write(store, policies, withOurConditions(ap, clock, POLICY_TYPES, wanted));
    }
  }
  for (const svc of serviceObjects) {
    const bound = waypointBoundCondition(svc, namespaceLabels.get(svc.metadata.namespace ?? 'default'), waypoints);
    write(store, kinds.services, withOurConditions(svc, clock, SERVICE_TYPES, bound ? [{ type: 'istio.io/WaypointBound', ...bound }] : []));
  }
}

function write(store: ObjectStore, type: ResourceType, next: KubeObject | undefined): void {
  if (!next) return;
  try {
    store.updateStatus(type, next);
  } catch {
    // Deleted or changed meanwhile: the event that did it queues another pass.
  }
}
