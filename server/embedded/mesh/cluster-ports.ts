import type { KubeObject } from '../apiserver/types.ts';

/**
 * Where a gateway Service's load-balancer port had to move to a free host port (port 80 is
 * not the user's to bind), the Service shows the port that really serves, and this
 * annotation keeps the port it declared: inside the mesh the Service still answers there,
 * and its Gateways' servers still match it. JSON: port name (or `#index`) → declared port.
 */
export const CLUSTER_PORTS_ANNOTATION = 'istio-live-deck/cluster-ports';

/** The key of a Service port in the annotation: its name, or its index when it has none. */
export const servicePortKey = (port: { name?: string }, index: number): string => port.name || `#${index}`;

/** An annotation's JSON object, keeping the entries `pick` accepts; anything unreadable is no entry. */
function annotationEntries<T>(obj: KubeObject, annotation: string, pick: (v: any) => T | undefined): Record<string, T> {
  const raw = obj.metadata?.annotations?.[annotation];
  const out: Record<string, T> = {};
  if (!raw) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return out;
  }
  if (parsed && typeof parsed === 'object') {
    for (const [k, v] of Object.entries(parsed)) {
      const picked = pick(v);
      if (picked !== undefined) out[k] = picked;
    }
  }
  return out;
}

/** The declared (in-cluster) port numbers the annotation records, by port key. */
export function clusterPorts(svc: KubeObject): Record<string, number> {
  return annotationEntries(svc, CLUSTER_PORTS_ANNOTATION, (v) => (Number.isInteger(v) ? (v as number) : undefined));
}

/** The port a Service's `index`th port answers on inside the cluster. */
export function clusterPortOf(svc: KubeObject, port: { name?: string; port: number | string }, index: number): number {
  return clusterPorts(svc)[servicePortKey(port, index)] ?? Number(port.port);
}

/**
 * The Gateway API's counterpart: on a Gateway whose `<name>-istio` Service had a port moved
 * to a free host port, the listeners on that port show the port that really serves (what
 * istio.io's `INGRESS_PORT` line reads), and this annotation keeps, by listener name, the
 * port declared and the host port shown instead. JSON: name → {port, hostPort}.
 */
export const LISTENER_PORTS_ANNOTATION = 'istio-live-deck/listener-ports';

export interface MovedListenerPort {
  port: number;
  hostPort: number;
}

/** The moved listener ports the annotation records, by listener name. */
export function movedListenerPorts(gateway: KubeObject): Record<string, MovedListenerPort> {
  return annotationEntries(gateway, LISTENER_PORTS_ANNOTATION, (v) => (Number.isInteger(v?.port) && Number.isInteger(v?.hostPort) ? { port: v.port, hostPort: v.hostPort } : undefined));
}

/** A listener's declared port: the recorded one while the spec shows the host port it moved to; any other number is the user's. */
export function declaredListenerPort(gateway: KubeObject, listener: { name?: string; port: number | string }): number {
  const moved = listener.name ? movedListenerPorts(gateway)[listener.name] : undefined;
  return moved && Number(listener.port) === moved.hostPort ? moved.port : Number(listener.port);
}

/** The Gateway as its owner declared it (listener ports as written), for routing and for what Istio deploys. */
export function declaredGateway(gateway: KubeObject): KubeObject {
  if (!gateway.metadata?.annotations?.[LISTENER_PORTS_ANNOTATION] || !Array.isArray(gateway.spec?.listeners)) return gateway;
  return { ...gateway, spec: { ...gateway.spec, listeners: gateway.spec.listeners.map((l: any) => ({ ...l, port: declaredListenerPort(gateway, l) })) } };
}
