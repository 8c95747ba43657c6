import { isDeepStrictEqual } from 'node:util';
import type { ObjectStore } from '../apiserver/store.ts';
import type { KubeObject } from '../apiserver/types.ts';
import { LISTENER_PORTS_ANNOTATION, type MovedListenerPort, declaredListenerPort, movedListenerPorts } from '../mesh/cluster-ports.ts';

/** The label Istio puts on the Service it deploys for a Gateway API Gateway. */
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

/**
 * Shows on a Gateway API Gateway the ports its Service's load balancer really serves:
 * istio.io reads `INGRESS_PORT` from `spec.listeners[?(@.name=="http")].port`, so a
 * listener whose port had to move on the host (port 80 is not a normal user's to bind)
 * shows the host port, and LISTENER_PORTS_ANNOTATION keeps the declared one, which routing
 * and the Service inside the cluster go on using. `moved` maps declared → host port; an empty
 * one puts every listener back as declared. Writes only when something changes.
 */
export function publishListenerPorts(store: ObjectStore, namespace: string, gatewayName: string, moved: Map<number, number>): void {
  const gateways = store.registry.byPlural('gateway.networking.k8s.io', 'gateways');
  const gateway = gateways && store.get(gateways, namespace, gatewayName);
  if (!gateways || !gateway || gateway.metadata.deletionTimestamp || !Array.isArray(gateway.spec?.listeners)) return;
  const record: Record<string, MovedListenerPort> = {};
  const listeners = gateway.spec.listeners.map((l: any) => {
    const declared = declaredListenerPort(gateway, l);
    const hostPort = moved.get(declared);
    if (hostPort === undefined || hostPort === declared || !l.name) return { ...l, port: declared };
    record[l.name] = { port: declared, hostPort };
    return { ...l, port: hostPort };
  });
  if (isDeepStrictEqual(listeners, gateway.spec.listeners) && isDeepStrictEqual(record, movedListenerPorts(gateway))) return;
  const next: KubeObject = structuredClone(gateway);
  next.spec.listeners = listeners;
  const annotations = { ...next.metadata.annotations };
  if (Object.keys(record).length) annotations[LISTENER_PORTS_ANNOTATION] = JSON.stringify(record);
  else delete annotations[LISTENER_PORTS_ANNOTATION];
  next.metadata.annotations = annotations;
  if (!Object.keys(annotations).length) delete next.metadata.annotations;
  store.update(gateways, next);
}

/** Gateways showing moved ports, as `namespace/name`: those to put back when their Service stops being served on the host. */
export function gatewaysWithMovedPorts(store: ObjectStore): Array<{ namespace: string; name: string }> {
  const gateways = store.registry.byPlural('gateway.networking.k8s.io', 'gateways');
  if (!gateways) return [];
  return store
    .list(gateways)
    .filter((g) => g.metadata.annotations?.[LISTENER_PORTS_ANNOTATION])
    .map((g) => ({ namespace: g.metadata.namespace!, name: g.metadata.name }));
}
