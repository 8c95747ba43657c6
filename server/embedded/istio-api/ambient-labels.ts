/**
 * The labels and annotation that enrol workloads in ambient mode, and the one rule that reads them.
 * A leaf (no imports) so the controllers that annotate pods and the mesh that redirects their
 * traffic decide alike.
 */

/** User intent on a Namespace or Pod: `ambient` enrols, `none` (on a Pod) opts out. */
export const DATAPLANE_MODE_LABEL = 'istio.io/dataplane-mode';
/** Which waypoint handles traffic to a Namespace, Service, Pod…: a waypoint name, or `none`. */
export const USE_WAYPOINT_LABEL = 'istio.io/use-waypoint';
/** The namespace of the waypoint named by USE_WAYPOINT_LABEL, when it is elsewhere. */
export const USE_WAYPOINT_NAMESPACE_LABEL = 'istio.io/use-waypoint-namespace';
/** On a waypoint Gateway (or its class): the traffic it takes, `service` when absent. */
export const WAYPOINT_FOR_LABEL = 'istio.io/waypoint-for';
/** On a Service or Namespace: `true` sends the ingress gateways' traffic for it through its waypoint too. */
export const INGRESS_USE_WAYPOINT_LABEL = 'istio.io/ingress-use-waypoint';
/** Set by istio-cni on a pod once its traffic is redirected to the node's ztunnel. */
export const REDIRECTION_ANNOTATION = 'ambient.istio.io/redirection';

/** The label the sidecar injector adds: a pod that carries it runs its own proxy, never ambient. */
const SIDECAR_TLS_MODE_LABEL = 'security.istio.io/tlsMode';

export const AMBIENT_MODE = 'ambient';
export const NO_MODE = 'none';

/** The traffic types a waypoint can take (the values of WAYPOINT_FOR_LABEL). */
export type WaypointFor = 'service' | 'workload' | 'all' | 'none';
const WAYPOINT_FOR_VALUES: readonly WaypointFor[] = ['service', 'workload', 'all', 'none'];

/**
 * Whether a pod's traffic belongs to ambient mode, from the labels alone: the pod's own
 * `istio.io/dataplane-mode` wins (so `none` opts one pod out of an enrolled namespace), otherwise
 * the namespace's; a pod the injector gave a sidecar is never ambient. Whether istio-cni is
 * installed, and a sidecar container added by other means, are the caller's to check.
 */
export function ambientMode(podLabels: Record<string, string> | undefined, namespaceLabels: Record<string, string> | undefined): 'ambient' | 'none' {
  if (podLabels?.[SIDECAR_TLS_MODE_LABEL] === 'istio') return 'none';
  const podMode = podLabels?.[DATAPLANE_MODE_LABEL];
  if (podMode === NO_MODE) return 'none';
  if (podMode === AMBIENT_MODE) return 'ambient';
  return namespaceLabels?.[DATAPLANE_MODE_LABEL] === AMBIENT_MODE ? 'ambient' : 'none';
}

/** The traffic types a waypoint Gateway takes: its label, else its class's, else `service`. */
export function waypointFor(gatewayLabels: Record<string, string> | undefined, classLabels?: Record<string, string> | undefined): WaypointFor {
  for (const value of [gatewayLabels?.[WAYPOINT_FOR_LABEL], classLabels?.[WAYPOINT_FOR_LABEL]]) {
    if (value && (WAYPOINT_FOR_VALUES as readonly string[]).includes(value)) return value as WaypointFor;
  }
  return 'service';
}

/**
 * Which waypoint an object's labels name, as istiod reads them: the object's own
 * `istio.io/use-waypoint` (with its `istio.io/use-waypoint-namespace`), else its namespace's;
 * `none` on the object opts it out. A waypoint named without a namespace is in the object's.
 */
export function useWaypointRef(labels: Record<string, string> | undefined, namespaceLabels: Record<string, string> | undefined, namespace: string): { name: string; namespace: string } | undefined {
  const source = labels?.[USE_WAYPOINT_LABEL] !== undefined ? labels : namespaceLabels;
  const name = source?.[USE_WAYPOINT_LABEL];
  if (!name || name === NO_MODE) return undefined;
  return { name, namespace: source?.[USE_WAYPOINT_NAMESPACE_LABEL] || namespace };
}

/** Whether ingress gateways send a Service's traffic through its waypoint (the label on the Service, else its namespace). */
export function ingressUsesWaypoint(labels: Record<string, string> | undefined, namespaceLabels: Record<string, string> | undefined): boolean {
  const value = labels?.[INGRESS_USE_WAYPOINT_LABEL] ?? namespaceLabels?.[INGRESS_USE_WAYPOINT_LABEL];
  return String(value ?? '').toLowerCase() === 'true';
}

/** The parts of a Pod and its Namespace the enrolment rule reads (a KubeObject fits). */
interface Labelled {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; deletionTimestamp?: string };
}
interface PodLike extends Labelled {
  spec?: { containers?: Array<{ name?: string }>; initContainers?: Array<{ name?: string }> };
  status?: { phase?: string };
}

/** The annotation the sidecar injector leaves on a pod it injected. */
const SIDECAR_STATUS_ANNOTATION = 'sidecar.istio.io/status';

/** A pod that carries its own proxy (a native sidecar too): injected, or a gateway/waypoint proxy itself. */
function hasSidecar(pod: PodLike): boolean {
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  return Boolean(pod.metadata?.annotations?.[SIDECAR_STATUS_ANNOTATION]) || containers.some((c) => c?.name === 'istio-proxy');
}

/**
 * The one enrolment rule: a pod with a proxy of its own is never ambient (the sidecar wins, and
 * ztunnel skips it), whatever its labels say; otherwise its labels, or its namespace's, decide.
 */
export function isAmbientWorkload(podLabels: Record<string, string> | undefined, hasOwnProxy: boolean, namespaceLabels: Record<string, string> | undefined): boolean {
  return !hasOwnProxy && ambientMode(podLabels, namespaceLabels) === AMBIENT_MODE;
}

/**
 * Whether istio-cni redirects a pod's traffic to ztunnel (so marks it with REDIRECTION_ANNOTATION):
 * a running pod, not being deleted, with no proxy of its own, whose labels (or its namespace's)
 * put it in ambient mode. Whether istio-cni is installed at all is the caller's to check.
 */
export function isAmbientEnrolled(pod: PodLike, namespace: Labelled | undefined): boolean {
  if (pod.status?.phase !== 'Running' || pod.metadata?.deletionTimestamp) return false;
  return isAmbientWorkload(pod.metadata?.labels, hasSidecar(pod), namespace?.metadata?.labels);
}
