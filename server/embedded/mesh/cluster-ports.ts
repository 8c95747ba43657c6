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

/** The declared (in-cluster) port numbers the annotation records, by port key. */
export function clusterPorts(svc: KubeObject): Record<string, number> {
  const raw = svc.metadata?.annotations?.[CLUSTER_PORTS_ANNOTATION];
  if (!raw) return {};
  try {
    const parsed = JSON.parse(raw);
    const out: Record<string, number> = {};
    if (parsed && typeof parsed === 'object') for (const [k, v] of Object.entries(parsed)) if (Number.isInteger(v)) out[k] = v as number;
    return out;
  } catch {
    return {};
  }
}

/** The port a Service's `index`th port answers on inside the cluster. */
export function clusterPortOf(svc: KubeObject, port: { name?: string; port: number | string }, index: number): number {
  return clusterPorts(svc)[servicePortKey(port, index)] ?? Number(port.port);
}
